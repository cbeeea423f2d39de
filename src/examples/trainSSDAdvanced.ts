// "Deep dive into SSD training: 3 tips to boost performance" (GluonCV's train_ssd_advanced.py, the seed) with
// ssdkit's API, step by step. `ssdkit tips` runs it; read it top to bottom as the tutorial.
//
// Tip 1: loss normalization — batch-wise (divide by the batch's positives) vs sample-wise (each image's own).
// Tip 2: initializers — re-initialize the predictors with Uniform or Xavier(gaussian, out, 2) (forceReinit).
// Tip 3: decoding — argmax over classes (method 1) vs each class separately (method 2).
import {
  tensor, full, uniform, tidy, noGrad, manualSeed, type Tensor,
} from '../tensor/index.js';
import { init, SoftmaxCrossEntropyLoss, HuberLoss } from '../nn/index.js';
import { SSDTargetGenerator, SSDMultiBoxLoss, MultiClassDecoder, MultiPerClassDecoder } from '../detection/index.js';
import { getModel } from '../models/index.js';

/** Formats a tensor the way MXNet prints NDArrays (rows of numbers in brackets). */
export function formatArray(t: Tensor, digits = 4): string {
  const fmt = (v: number) => (Number.isInteger(v) ? `${v}.` : v.toFixed(digits));
  const rec = (x: unknown, depth: number): string =>
    Array.isArray(x) ? `[${x.map((y, i) => (i && Array.isArray(y) ? '\n' + ' '.repeat(depth + 1) : i ? ' ' : '') + rec(y, depth + 1)).join('')}]` : fmt(Number(x)).padStart(6);
  return rec(t.tolist(), 0);
}

export function runTips(print: (line: string) => void = console.log, seed = 0): void {
  manualSeed(seed);
  tidy(() => {
    // ---- Tip 1: loss normalization -------------------------------------------------------------------------
    print('== Tip 1: batch-wise vs sample-wise loss normalization ==');
    const x = uniform([2, 3, 300, 300]); // batch of two random "images"
    // image 1 has a single object, image 2 has four; pad with -1 to a (2, 4) batch
    const gtIds = full([2, 4], -1);
    gtIds.select(0, 0).narrow(0, 0, 1).copy_(tensor([1], { dtype: 'float32' }));
    gtIds.select(0, 1).copy_(tensor([1, 3, 5, 7], { dtype: 'float32' }));
    print('class_ids:\n' + formatArray(gtIds));
    const gtBoxes = full([2, 4, 4], -1);
    gtBoxes.select(0, 0).narrow(0, 0, 1).copy_(tensor([[10, 20, 80, 90]], { dtype: 'float32' }));
    gtBoxes.select(0, 1).copy_(tensor([[10, 10, 30, 30], [40, 40, 60, 60], [50, 50, 90, 90], [100, 110, 120, 140]], { dtype: 'float32' }));
    print('bounding boxes:\n' + formatArray(gtBoxes));

    const net = getModel('ssd_300_vgg16_atrous_voc', { pretrainedBase: false }); // random weights, no download
    print(`model: ${net.name} (ssd_300_vgg16_atrous_voc, pretrainedBase: false)`);
    net.train();
    const [clsPreds, boxPreds, anchors] = net.forwardTrain(x);
    const targets = noGrad(() => new SSDTargetGenerator().generate(anchors, clsPreds, gtBoxes, gtIds));
    const clsTargets = targets.clsTargets;
    const numPositive = clsTargets.gt(0).sum().item();
    const sampleNumPositive = clsTargets.gt(0).sum(1).float();
    const clsMask = clsTargets.ge(0).unsqueeze(-1).float(); // ignored (-1) targets do not count
    const confLoss = new SoftmaxCrossEntropyLoss();
    const locLoss = new HuberLoss();
    const ce = confLoss.forward(clsPreds, clsTargets.clampMin(0), clsMask); // (B,) mean over anchors
    const hub = locLoss.forward(boxPreds, targets.boxTargets, targets.boxMasks); // (B,) mean over anchors × 4
    print(`batch-wise num_positive: ${numPositive}`);
    print(`sample-wise num_positive: ${formatArray(sampleNumPositive, 0)}`);
    const N = clsPreds.shape[1]!;
    const rescaleConf = clsPreds.numel() / clsPreds.shape[0]!; // the seed's factor: N * (C + 1)
    const rescaleLoc = boxPreds.numel() / boxPreds.shape[0]!; // N * 4
    print(`batch-wise norm conf loss: ${formatArray(ce.div(numPositive).mul(rescaleConf))}`);
    print(`sample-wise norm conf loss: ${formatArray(ce.div(sampleNumPositive).mul(rescaleConf))}`);
    print(`batch-wise norm loc loss: ${formatArray(hub.div(numPositive).mul(rescaleLoc))}`);
    print(`sample-wise norm loc loss: ${formatArray(hub.div(sampleNumPositive).mul(rescaleLoc))}`);
    // GluonCV's own SSDMultiBoxLoss sums CE over the selected anchors: the mean × N, not × N·(C+1).
    const multibox = new SSDMultiBoxLoss();
    const own = multibox.compute(clsPreds, boxPreds, clsTargets, targets.boxTargets);
    const ownSample = new SSDMultiBoxLoss({ normalization: 'sample' }).compute(clsPreds, boxPreds, clsTargets, targets.boxTargets);
    print(`SSDMultiBoxLoss (batch) conf loss: ${formatArray(own.cls)}   = seed's batch-wise conf / ${rescaleConf / N}`);
    print(`SSDMultiBoxLoss (sample) conf loss: ${formatArray(ownSample.cls)}`);
    print(`SSDMultiBoxLoss (batch) loc loss: ${formatArray(own.box)}`);
    print(
      `The seed rescales the conf loss by cls_preds.size / B = N·(C+1) = ${rescaleConf}, but the CE output has one value ` +
        `per anchor, so the per-image sum is mean × N = ${N}: the seed's conf numbers are ${rescaleConf / N}× GluonCV's ` +
        'SSDMultiBoxLoss (the loc factor N·4 is right).',
    );

    // ---- Tip 2: initializers ------------------------------------------------------------------------------
    print('\n== Tip 2: initializer choice for the added layers ==');
    const predictors = [...net.collectParams('.*predictor').entries()];
    const [name, pred] = predictors[0]!;
    print(`${name} Parameter ${name} (shape=(${pred.shape.join(', ')}), dtype=float32)`);
    pred.initialize(init.Uniform(), { forceReinit: true });
    print(`param shape: (${pred.data().shape.join(', ')}) peek first 20 elem: ${formatArray(pred.data().reshape(-1).narrow(0, 0, 20), 8)}`);
    pred.initialize(init.Xavier({ rndType: 'gaussian', magnitude: 2, factorType: 'out' }), { forceReinit: true });
    print(`param shape: (${pred.data().shape.join(', ')}) peek first 20 elem: ${formatArray(pred.data().reshape(-1).narrow(0, 0, 20), 8)}`);

    // ---- Tip 3: per-class decoding ------------------------------------------------------------------------
    print('\n== Tip 3: interpreting confidence scores: process each class separately ==');
    print(`class prediction shape: (${clsPreds.shape.join(', ')})`);
    const clsPred = tensor([-1, -2, 3, 4, 6.5, 6.4], { dtype: 'float32' });
    const prob = clsPred.softmax(-1);
    const names = ['bg', 'apple', 'orange', 'person', 'dog', 'cat'];
    prob.toArray().forEach((p, i) => print(`${names[i]} ${p}`));
    const [argIds, argScores] = new MultiClassDecoder().decode(prob.reshape(1, 1, 6));
    print(`method 1 (argmax, MultiClassDecoder) keeps: ${names[argIds.item() + 1]} ${argScores.item().toFixed(4)}`);
    const [pcIds, pcScores] = new MultiPerClassDecoder({ thresh: 0.01 }).decode(prob.reshape(1, 1, 6));
    const kept = pcIds.reshape(-1).toArray().map((id, k) => [id, pcScores.reshape(-1).toArray()[k]!] as const).filter(([id]) => id >= 0);
    print(`method 2 (per class, MultiPerClassDecoder, thresh 0.01) keeps: ${kept.map(([id, s]) => `${names[id + 1]} ${s.toFixed(4)}`).join(', ')}`);
    print('With per-class decoding "cat" still competes as its own detection; argmax has already thrown it away.');
    net.dispose();
  });
}

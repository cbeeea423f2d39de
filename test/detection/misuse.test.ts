// API misuse of the detection core (issue 9): wrong ranks, mismatched sizes, wrong dtypes and non-tensors passed
// to every public function are rejected at entry with an error that names the function, the argument and the
// expected shape (never a libtorch error from deep inside), and correct inputs still work.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { type Tensor, cat, full, rand, randn, tidy, zeros } from '../../src/tensor/index.js';
import {
  AnchorIou, BipartiteMatcher, CompositeMatcher, MaximumMatcher, MultiClassDecoder, MultiClassEncoder, MultiPerClassDecoder,
  NaiveSampler, NormalizedBoxCenterDecoder, NormalizedBoxCenterEncoder, OHEMSampler, SSDAnchorGenerator, SSDMultiBoxLoss,
  SSDTargetGenerator, anchorCodes, boxArea, boxIou, boxNms, boxNmsIndices, centerToCorner, clipBoxes, cornerToCenter,
  gatherRows, setAnchorLayout, ssdAnchorLayout, ssdAnchors, ssdDetect, stableTopK,
} from '../../src/detection/index.js';

type ErrorType = new (message?: string) => Error;

/** Asserts that call throws exactly `type` with every part in its message (the first names the function). */
function rejects(call: () => unknown, type: ErrorType, ...parts: string[]): void {
  assert.throws(call, (e: unknown) => {
    assert.ok(e instanceof Error && e.constructor === type, `expected ${type.name}, got ${String(e)}`);
    for (const p of parts) assert.ok(e.message.includes(p), `message ${JSON.stringify(e.message)} lacks ${JSON.stringify(p)}`);
    return true;
  });
}

const shapeOf = (t: Tensor) => t.shape;
const long = (shape: number[], v = 0) => full(shape, v, { dtype: 'int64' });
const B = 2;
const N = 6;
const M = 3;
const C1 = 3;
/** Random corner boxes (..., 4) with xmin < xmax, ymin < ymax. */
const cornerBoxes = (shape: number[]) => tidy(() => {
  const lo = rand([...shape, 2]).mul(10);
  return cat([lo, lo.add(rand([...shape, 2]).mul(10).add(1))], -1);
});

test('box ops: boxes (..., 4) numeric, widths and offsets numbers; boxIou leading dimensions broadcast', () => tidy(() => {
  const boxes = cornerBoxes([B, M]);
  for (const [name, f] of [['cornerToCenter', cornerToCenter], ['centerToCorner', centerToCorner], ['boxArea', boxArea]] as const) {
    rejects(() => f(undefined as never), TypeError, `${name}: boxes must be a Tensor of shape (..., 4)`, 'got undefined');
    rejects(() => f([[0, 0, 1, 1]] as never), TypeError, `${name}: boxes`, 'got an array of length 1');
    rejects(() => f(zeros([B, M, 5])), RangeError, `${name}: boxes must be (..., 4)`, 'last dimension of 4', 'got (2, 3, 5)');
    rejects(() => f(zeros([])), RangeError, `${name}: boxes must be (..., 4)`, 'got ()');
    rejects(() => f(zeros([B, 4], { dtype: 'bool' })), TypeError, `${name}: boxes must be a numeric`, 'got bool');
    assert.deepEqual(f(boxes).shape, name === 'boxArea' ? [B, M] : [B, M, 4]);
  }
  rejects(() => boxArea(boxes, '1' as never), TypeError, 'boxArea: offset must be a finite number', 'got a string');
  rejects(() => clipBoxes(boxes, undefined as never, 5), TypeError, 'clipBoxes: width must be a finite number', 'got undefined');
  rejects(() => clipBoxes(zeros([3]), 5, 5), RangeError, 'clipBoxes: boxes must be (..., 4)', 'got (3)');
  assert.deepEqual(clipBoxes(boxes, 5, 5).shape, [B, M, 4]);

  const anchors = cornerBoxes([N]);
  rejects(() => boxIou(zeros([4]), boxes), RangeError, 'boxIou: a must be (..., N, 4)', 'got (4)');
  rejects(() => boxIou(anchors, zeros([B, M, 3])), RangeError, 'boxIou: b must be (..., M, 4)', 'got (2, 3, 3)');
  rejects(() => boxIou(anchors, null as never), TypeError, 'boxIou: b must be a Tensor of shape (..., M, 4)', 'got null');
  rejects(() => boxIou(anchors.gt(0), boxes), TypeError, 'boxIou: a must be a numeric', 'got bool');
  rejects(() => boxIou(cornerBoxes([2, N]), cornerBoxes([3, M])), RangeError, 'boxIou: the leading dimensions of a (2, 6, 4) and b (3, 3, 4) must broadcast', 'got (2) and (3)');
  assert.deepEqual(boxIou(anchors, boxes).shape, [B, N, M]);
  assert.deepEqual(boxIou(anchors.unsqueeze(0), boxes).shape, [B, N, M]);
  assert.deepEqual(boxIou(anchors, anchors).shape, [N, N]);
}));

test('anchors: generator options, setAnchorLayout and AnchorIou', () => tidy(() => {
  rejects(() => new SSDAnchorGenerator(undefined as never), TypeError, 'SSDAnchorGenerator: options must be an object');
  rejects(() => new SSDAnchorGenerator({ imSize: 300 as never, sizes: [30, 60], ratios: [1, 2], step: 8 }), TypeError, 'SSDAnchorGenerator: imSize must be two finite numbers', 'got a number (300)');
  rejects(() => new SSDAnchorGenerator({ imSize: [300, 300], sizes: [30, 60], ratios: [1, 2], step: 8, offsets: [0.5] as never }), TypeError, 'offsets must be two finite numbers');
  const gen = new SSDAnchorGenerator({ imSize: [64, 64], sizes: [10, 20], ratios: [1, 2], step: 8 });
  rejects(() => gen.generate(2.5, 3), RangeError, 'feature size must be positive integers');
  assert.deepEqual(gen.generate(2, 3).shape, [2 * 3 * 3, 4]);

  const config = { baseSize: 64, sizes: [10, 20, 40], ratios: [[1, 2], [1, 2]], steps: [8, 16], featureSizes: [8, 4] };
  const anchors = ssdAnchors(config); // (240, 4)
  const layout = ssdAnchorLayout(config);
  rejects(() => setAnchorLayout(undefined as never, layout), TypeError, 'setAnchorLayout: anchors must be a Tensor of shape (N, 4)', 'got undefined');
  rejects(() => setAnchorLayout(anchors.unsqueeze(0), layout), RangeError, 'setAnchorLayout: anchors must be (N, 4)', 'got (1, 240, 4)');
  rejects(() => setAnchorLayout(anchors.clone(), null as never), TypeError, 'setAnchorLayout: layout must be an array');
  rejects(() => setAnchorLayout(anchors.narrow(0, 0, 10).clone(), layout), RangeError, 'setAnchorLayout: anchors must be (240, 4) for this layout');
  setAnchorLayout(anchors.clone(), layout);

  rejects(() => new AnchorIou(zeros([240, 5]), 2, 3), RangeError, 'AnchorIou: anchors must be (N, 4) or (1, N, 4)', 'got (240, 5)');
  rejects(() => new AnchorIou(anchors, 0, 3), RangeError, 'AnchorIou: batch must be an integer >= 1', 'got a number (0)');
  rejects(() => new AnchorIou(anchors, 2, -1), RangeError, 'AnchorIou: columns must be an integer >= 0');
  const iou = new AnchorIou(anchors, 2, M);
  const gt = cornerBoxes([B, M]);
  rejects(() => iou.compute(gt.select(0, 0)), RangeError, 'AnchorIou.compute: gt must be (b, M, 4)', 'got (3, 4)');
  rejects(() => iou.compute(gt, zeros([B, M + 1], { dtype: 'bool' })), RangeError, 'AnchorIou.compute: real must be (b, M)', 'expected real (2, 3) to match gt (2, 3, 4)', 'got (2, 4)');
  rejects(() => iou.compute('gt' as never), TypeError, 'AnchorIou.compute: gt must be a Tensor of shape (b, M, 4)');
  assert.deepEqual(iou.compute(gt, zeros([B, M], { dtype: 'bool' }).logicalNot()).shape, [B, 240, M]);
}));

test('matchers: ious (B, N, M) or (N, M) floating point', () => tidy(() => {
  const matchers = [
    ['BipartiteMatcher.match', (x: Tensor) => new BipartiteMatcher().match(x)],
    ['BipartiteMatcher.greedy', (x: Tensor) => new BipartiteMatcher().greedy(x)],
    ['MaximumMatcher.match', (x: Tensor) => new MaximumMatcher(0.5).match(x)],
    ['CompositeMatcher.match', (x: Tensor) => new CompositeMatcher([new BipartiteMatcher(), new MaximumMatcher(0.5)]).match(x)],
    ['CompositeMatcher.match', (x: Tensor) => new CompositeMatcher([new MaximumMatcher(0.5)]).match(x)], // the general path
  ] as const;
  const ious = rand([B, N, M]);
  for (const [name, match] of matchers) {
    rejects(() => match(undefined as never), TypeError, `${name}: ious must be a Tensor of shape (B, N, M) or (N, M)`, 'got undefined');
    rejects(() => match(rand([N])), RangeError, `${name}: ious must be (B, N, M) or (N, M)`, 'got (6)');
    rejects(() => match(rand([1, B, N, M])), RangeError, `${name}: ious must be (B, N, M) or (N, M)`, 'got (1, 2, 6, 3)');
    rejects(() => match(long([B, N, M])), TypeError, `${name}: ious must be a float32 or float64 Tensor`, 'got int64');
    rejects(() => match(ious.gt(0.5)), TypeError, `${name}: ious`, 'got bool');
    assert.deepEqual(match(ious).shape, [B, N]);
    assert.deepEqual(match(ious.select(0, 0)).shape, [N]);
  }
  rejects(() => new MaximumMatcher(undefined as never), TypeError, 'MaximumMatcher: threshold must be a finite number', 'got undefined');
  rejects(() => new BipartiteMatcher({ threshold: NaN }), RangeError, 'BipartiteMatcher: threshold must be a finite number', 'got a number (NaN)');
}));

test('samplers: matches (B, N) integer, clsPreds (B, N, C+1) float, ious (B, N, M) or (B, N); stableTopK', () => tidy(() => {
  const matches = long([B, N], -1);
  const clsPreds = randn([B, N, C1]);
  const ious = rand([B, N, M]);
  rejects(() => new NaiveSampler().sample(undefined as never), TypeError, 'NaiveSampler.sample: matches must be a Tensor of shape (B, N)');
  rejects(() => new NaiveSampler().sample(long([N])), RangeError, 'NaiveSampler.sample: matches must be (B, N)', 'got (6)');
  rejects(() => new NaiveSampler().sample(rand([B, N])), TypeError, 'NaiveSampler.sample: matches must be an integer (int64 or int32) Tensor', 'got float32');
  assert.deepEqual(new NaiveSampler().sample(matches).shape, [B, N]);

  const ohem = new OHEMSampler(3);
  rejects(() => ohem.sample(matches, clsPreds.narrow(1, 0, N - 1), ious), RangeError, 'OHEMSampler.sample: clsPreds must be (B, N, C+1)', 'expected clsPreds (2, 6, C+1) with C+1 >= 2 to match matches (2, 6)', 'got (2, 5, 3)');
  rejects(() => ohem.sample(matches, clsPreds.narrow(2, 0, 1), ious), RangeError, 'OHEMSampler.sample: clsPreds', 'C+1 >= 2', 'got (2, 6, 1)');
  rejects(() => ohem.sample(matches, long([B, N, C1]), ious), TypeError, 'OHEMSampler.sample: clsPreds must be a float32 or float64 Tensor', 'got int64');
  rejects(() => ohem.sample(matches, clsPreds, rand([B, N + 1, M])), RangeError, 'OHEMSampler.sample: ious must be (B, N, M) or (B, N)', 'expected ious (2, 6, M) to match matches (2, 6)', 'got (2, 7, 3)');
  rejects(() => ohem.sample(matches, clsPreds, undefined as never), TypeError, 'OHEMSampler.sample: ious must be a Tensor');
  rejects(() => ohem.sample(matches.float(), clsPreds, ious), TypeError, 'OHEMSampler.sample: matches must be an integer');
  assert.deepEqual(ohem.sample(matches, clsPreds, ious).shape, [B, N]);
  assert.deepEqual(ohem.sample(matches.int(), clsPreds, ious.amax(2)).shape, [B, N]);

  const key = rand([B, N]);
  rejects(() => stableTopK(key, long([B]), true), RangeError, 'stableTopK: count must be (B, 1)', 'expected count (2, 1) to match key (2, 6)', 'got (2)');
  rejects(() => stableTopK(key, long([B, 1]).int(), true), TypeError, 'stableTopK: count must be an int64 Tensor of shape (B, 1)', 'got int32');
  rejects(() => stableTopK(key.unsqueeze(0), long([B, 1]), true), RangeError, 'stableTopK: key must be (B, N)', 'got (1, 2, 6)');
  rejects(() => stableTopK(key, long([B, 1]), 1 as never), TypeError, 'stableTopK: largest must be a boolean');
  assert.deepEqual(stableTopK(key, long([B, 1], 2), true).shape, [B, N]);
}));

test('encoders and decoders: samples/matches (B, N), gtIds (B, M[, 1]), gtBoxes (B, M, 4), anchors (N, 4) / (1, N, 4) / (B, N, 4)', () => tidy(() => {
  const samples = full([B, N], 1);
  const matches = long([B, N], 0);
  const gtIds = long([B, M]);
  const gtBoxes = cornerBoxes([B, M]);
  const anchorsCorner = cornerBoxes([N]);
  const enc = new MultiClassEncoder();
  rejects(() => enc.encode(samples, matches, long([B + 1, M])), RangeError, 'MultiClassEncoder.encode: gtIds must be (B, M) or (B, M, 1)', 'expected gtIds (2, M) to match samples (2, 6)', 'got (3, 3)');
  rejects(() => enc.encode(samples, matches, long([B, M, 2])), RangeError, 'MultiClassEncoder.encode: gtIds', 'expected gtIds (2, M, 1)', 'got (2, 3, 2)');
  rejects(() => enc.encode(samples, matches.float(), gtIds), TypeError, 'MultiClassEncoder.encode: matches must be an integer', 'got float32');
  rejects(() => enc.encode(samples, long([B, N + 1]), gtIds), RangeError, 'MultiClassEncoder.encode: matches must be (B, N)', 'expected matches (2, 6) to match samples (2, 6)', 'got (2, 7)');
  rejects(() => enc.encode(undefined as never, matches, gtIds), TypeError, 'MultiClassEncoder.encode: samples must be a Tensor of shape (B, N)');
  assert.deepEqual(enc.encode(samples, matches, gtIds).shape, [B, N]);
  assert.deepEqual(enc.encode(samples, matches, gtIds.unsqueeze(2).float()).shape, [B, N]);

  rejects(() => anchorCodes(zeros([N, 5])), RangeError, 'anchorCodes: anchorsCorner must be (N, 4) or (1, N, 4) or (B, N, 4)', 'got (6, 5)');
  const codes = anchorCodes(anchorsCorner);
  const box = new NormalizedBoxCenterEncoder();
  for (const [name, f] of [['encode', box.encode.bind(box)], ['targets', box.targets.bind(box)]] as const) {
    const fn = `NormalizedBoxCenterEncoder.${name}`;
    rejects(() => f(samples, matches, anchorsCorner, gtBoxes.narrow(2, 0, 3)), RangeError, `${fn}: gtBoxes must be (B, M, 4)`, 'expected gtBoxes (2, M, 4) to match matches (2, 6)', 'got (2, 3, 3)');
    rejects(() => f(samples, matches, cornerBoxes([N + 1]), gtBoxes), RangeError, `${fn}: anchors must be (N, 4) or (1, N, 4) or (B, N, 4)`, 'expected anchors (6, 4) to match matches (2, 6)', 'got (7, 4)');
    rejects(() => f(samples, matches, cornerBoxes([3, N]), gtBoxes), RangeError, `${fn}: anchors`, 'expected anchors (1, 6, 4) or (2, 6, 4)', 'got (3, 6, 4)');
    rejects(() => f(samples, matches, { codes: codes.codes, sizes: zeros([1, N, 4]) }, gtBoxes), RangeError, `${fn}: anchors.sizes must be (1, N, 2) or (B, N, 2)`, 'got (1, 6, 4)');
    rejects(() => f(samples, matches, undefined as never, gtBoxes), TypeError, `${fn}: anchors must be a Tensor of shape (N, 4) or (1, N, 4) or (B, N, 4) (corner anchors) or anchorCodes()`, 'got undefined');
    rejects(() => f(samples.narrow(1, 0, 2), matches, anchorsCorner, gtBoxes), RangeError, `${fn}: samples must be (B, N)`, 'expected samples (2, 6)', 'got (2, 2)');
    rejects(() => f(samples, matches.float(), anchorsCorner, gtBoxes), TypeError, `${fn}: matches must be an integer`);
  }
  assert.deepEqual(box.encode(samples, matches, anchorsCorner, gtBoxes).map(shapeOf), [[B, N, 4], [B, N, 4]]);
  assert.deepEqual(box.targets(samples, matches, codes, gtBoxes).shape, [B, N, 4]);

  const dec = new NormalizedBoxCenterDecoder();
  const anchorsCenter = cornerToCenter(anchorsCorner);
  rejects(() => dec.decode(randn([B, N, 5]), anchorsCenter), RangeError, 'NormalizedBoxCenterDecoder.decode: x must be (B, N, 4)', 'got (2, 6, 5)');
  rejects(() => dec.decode(randn([B, N, 4]), anchorsCenter.narrow(0, 0, 5)), RangeError, 'NormalizedBoxCenterDecoder.decode: anchors', 'expected anchors (6, 4) to match x (2, 6, 4)', 'got (5, 4)');
  rejects(() => dec.decode(randn([B, N, 4]), undefined as never), TypeError, 'NormalizedBoxCenterDecoder.decode: anchors must be a Tensor of shape (N, 4) or (1, N, 4) or (B, N, 4)');
  rejects(() => dec.decode(long([B, N, 4]), anchorsCenter), TypeError, 'NormalizedBoxCenterDecoder.decode: x must be a float32 or float64 Tensor', 'got int64');
  rejects(() => new NormalizedBoxCenterDecoder({ stds: [0.1, 0.2] as never }), TypeError, 'NormalizedBoxCenterDecoder: stds must be four finite numbers', 'got [0.1,0.2]');
  assert.deepEqual(dec.decode(randn([B, N, 4]), anchorsCenter.unsqueeze(0)).shape, [B, N, 4]);

  for (const [name, d] of [['MultiClassDecoder', new MultiClassDecoder()], ['MultiPerClassDecoder', new MultiPerClassDecoder()]] as const) {
    rejects(() => d.decode(rand([N, C1])), RangeError, `${name}.decode: x must be (B, N, C+1)`, 'with C+1 >= 2', 'got (6, 3)');
    rejects(() => d.decode(rand([B, N, 1])), RangeError, `${name}.decode: x must be (B, N, C+1)`, 'got (2, 6, 1)');
    rejects(() => d.decode(long([B, N, C1])), TypeError, `${name}.decode: x must be a float32 or float64 Tensor`, 'got int64');
    rejects(() => d.decode(null as never), TypeError, `${name}.decode: x must be a Tensor of shape (B, N, C+1)`, 'got null');
    assert.deepEqual(d.decode(rand([B, N, C1])).map(shapeOf), name === 'MultiClassDecoder' ? [[B, N], [B, N]] : [[B, N, C1 - 1], [B, N, C1 - 1]]);
  }
}));

test('NMS: data (B, L, 6) or (L, 6), scores/ids (B, L), rows (B, K) int64, numeric options', () => tidy(() => {
  const rows = cornerBoxes([B, 5]);
  const data = cat([rand([B, 5, 2]), rows], 2);
  rejects(() => boxNms(rand([B, 5, 5])), RangeError, 'boxNms: data must be (B, L, 6) or (L, 6)', 'got (2, 5, 5)');
  rejects(() => boxNms(rand([6])), RangeError, 'boxNms: data must be (B, L, 6) or (L, 6)', 'got (6)');
  rejects(() => boxNms(data.gt(0.5)), TypeError, 'boxNms: data must be a numeric', 'got bool');
  rejects(() => boxNms(undefined as never), TypeError, 'boxNms: data must be a Tensor of shape (B, L, 6) or (L, 6)');
  rejects(() => boxNms(data, { topk: 2.5 }), RangeError, 'boxNms: topk must be an integer', 'got a number (2.5)');
  rejects(() => boxNms(data, { keep: -1 }), RangeError, 'boxNms: keep must be an integer >= 0');
  rejects(() => boxNms(data, { overlapThresh: '0.5' as never }), TypeError, 'boxNms: overlapThresh must be a finite number');
  assert.deepEqual(boxNms(data, { keep: 3 }).shape, [B, 3, 6]);
  assert.deepEqual(boxNms(data.select(0, 0)).shape, [5, 6]);

  const scores = rand([B, 5]);
  const ids = zeros([B, 5]);
  const boxesOf = (r: Tensor) => rows.gather(1, r.unsqueeze(2).expand(B, r.shape[1]!, 4));
  rejects(() => boxNmsIndices(scores, zeros([B, 4]), boxesOf), RangeError, 'boxNmsIndices: ids must be (B, L)', 'expected ids (2, 5) to match scores (2, 5)', 'got (2, 4)');
  rejects(() => boxNmsIndices(scores.select(0, 0), ids.select(0, 0), boxesOf), RangeError, 'boxNmsIndices: scores must be (B, L)', 'got (5)');
  rejects(() => boxNmsIndices(scores, ids, null as never), TypeError, 'boxNmsIndices: boxesOf must be a function');
  assert.equal(boxNmsIndices(scores, ids, boxesOf).shape[0], B);

  rejects(() => gatherRows(data, zeros([B, 3]), 4), TypeError, 'gatherRows: rows must be an int64 Tensor of shape (B, K)', 'got float32');
  rejects(() => gatherRows(data, long([B + 1, 3]), 4), RangeError, 'gatherRows: rows must be (B, K)', 'expected rows (2, K) to match data (2, 5, 6)', 'got (3, 3)');
  rejects(() => gatherRows(data.select(0, 0), long([B, 3]), 4), RangeError, 'gatherRows: data must be (B, L, F)', 'got (5, 6)');
  rejects(() => gatherRows(data, long([B, 3]), 1.5), RangeError, 'gatherRows: width must be an integer >= 0');
  assert.deepEqual(gatherRows(data, long([B, 3], -1), 4).shape, [B, 4, 6]);
}));

test('SSDTargetGenerator.generate: anchors (N, 4) / (1, N, 4), gtBoxes (B, M, 4), gtIds (B, M[, 1]), clsPreds (B, N, C+1)', () => tidy(() => {
  const anchors = ssdAnchors({ baseSize: 64, sizes: [10, 20, 40], ratios: [[1, 2], [1, 2]], steps: [8, 16], featureSizes: [8, 4] });
  const A = anchors.shape[0]!; // 240
  const gtBoxes = cornerBoxes([B, M]).mul(3);
  const gtIds = long([B, M]);
  const clsPreds = randn([B, A, C1]);
  const naive = new SSDTargetGenerator({ negativeMiningRatio: -1 });
  const ohem = new SSDTargetGenerator();
  const fn = 'SSDTargetGenerator.generate';
  rejects(() => naive.generate(zeros([A, 3]), null, gtBoxes, gtIds), RangeError, `${fn}: anchors must be (N, 4) or (1, N, 4)`, 'got (240, 3)');
  rejects(() => naive.generate(anchors.unsqueeze(0).expand(B, A, 4), null, gtBoxes, gtIds), RangeError, `${fn}: anchors must be (N, 4) or (1, N, 4)`, 'got (2, 240, 4)');
  rejects(() => naive.generate(undefined as never, null, gtBoxes, gtIds), TypeError, `${fn}: anchors must be a Tensor of shape (N, 4) or (1, N, 4)`, 'got undefined');
  rejects(() => naive.generate(anchors, null, gtBoxes.narrow(2, 0, 3), gtIds), RangeError, `${fn}: gtBoxes must be (B, M, 4)`, 'got (2, 3, 3)');
  rejects(() => naive.generate(anchors, null, gtBoxes.select(0, 0), gtIds), RangeError, `${fn}: gtBoxes must be (B, M, 4)`, 'got (3, 4)');
  rejects(() => naive.generate(anchors, null, gtBoxes.gt(1), gtIds), TypeError, `${fn}: gtBoxes must be a numeric`, 'got bool');
  rejects(() => naive.generate(anchors, null, gtBoxes, long([B, M, 2])), RangeError, `${fn}: gtIds must be (B, M) or (B, M, 1)`, 'expected gtIds (2, 3, 1) to match gtBoxes (2, 3, 4)', 'got (2, 3, 2)');
  rejects(() => naive.generate(anchors, null, gtBoxes, long([B, M + 1])), RangeError, `${fn}: gtIds`, 'expected gtIds (2, 3) to match gtBoxes (2, 3, 4)', 'got (2, 4)');
  rejects(() => naive.generate(anchors, null, gtBoxes, gtIds.gt(0)), TypeError, `${fn}: gtIds must be a numeric`, 'got bool');
  rejects(() => ohem.generate(anchors, null, gtBoxes, gtIds), TypeError, `${fn}: negativeMiningRatio > 0 needs clsPreds (B, N, C+1) = (2, 240, C+1)`, 'got null');
  rejects(() => ohem.generate(anchors, clsPreds.narrow(1, 0, 200), gtBoxes, gtIds), RangeError, `${fn}: clsPreds must be (B, N, C+1)`, 'expected clsPreds (2, 240, C+1) with C+1 >= 2 to match gtBoxes (2, 3, 4) and anchors (240, 4)', 'got (2, 200, 3)');
  rejects(() => ohem.generate(anchors, long([B, A, C1]), gtBoxes, gtIds), TypeError, `${fn}: clsPreds must be a float32 or float64 Tensor`, 'got int64');
  rejects(() => new SSDTargetGenerator({ chunkImages: 0 }), RangeError, 'SSDTargetGenerator: chunkImages must be an integer >= 1');
  for (const gen of [naive, ohem]) {
    const t = gen.generate(anchors.unsqueeze(0), clsPreds, gtBoxes, gtIds.unsqueeze(2).float());
    assert.deepEqual([t.clsTargets.shape, t.boxTargets.shape, t.boxMasks.shape, t.matches.shape], [[B, A], [B, A, 4], [B, A, 4], [B, A]]);
  }
  assert.deepEqual(naive.generate(anchors, null, gtBoxes).clsTargets.shape, [B, A]);
}));

test('SSDMultiBoxLoss.compute: clsPreds (B, N, C+1), boxPreds/boxTargets (B, N, 4) float, clsTargets (B, N)', () => tidy(() => {
  const clsPreds = randn([B, N, C1]);
  const boxPreds = randn([B, N, 4]);
  const clsTargets = long([B, N], 1);
  const boxTargets = zeros([B, N, 4]);
  const loss = new SSDMultiBoxLoss();
  const fn = 'SSDMultiBoxLoss.compute';
  rejects(() => loss.compute(clsPreds, randn([B, N, 5]), clsTargets, boxTargets), RangeError, `${fn}: boxPreds must be (B, N, 4)`, 'expected boxPreds (2, 6, 4) to match clsPreds (2, 6, 3)', 'got (2, 6, 5)');
  rejects(() => loss.compute(clsPreds, boxPreds, long([B, N + 1]), boxTargets), RangeError, `${fn}: clsTargets must be (B, N)`, 'expected clsTargets (2, 6) to match clsPreds (2, 6, 3)', 'got (2, 7)');
  rejects(() => loss.compute(clsPreds, boxPreds, clsTargets.unsqueeze(2), boxTargets), RangeError, `${fn}: clsTargets must be (B, N)`, 'got (2, 6, 1)');
  rejects(() => loss.compute(clsPreds, boxPreds, clsTargets, zeros([B + 1, N, 4])), RangeError, `${fn}: boxTargets must be (B, N, 4)`, 'expected boxTargets (2, 6, 4)', 'got (3, 6, 4)');
  rejects(() => loss.compute(clsPreds.select(0, 0), boxPreds, clsTargets, boxTargets), RangeError, `${fn}: clsPreds must be (B, N, C+1)`, 'got (6, 3)');
  rejects(() => loss.compute(clsPreds.narrow(2, 0, 1), boxPreds, clsTargets, boxTargets), RangeError, `${fn}: clsPreds`, 'C+1 >= 2', 'got (2, 6, 1)');
  rejects(() => loss.compute(clsPreds.long(), boxPreds, clsTargets, boxTargets), TypeError, `${fn}: clsPreds must be a float32 or float64 Tensor of shape (B, N, C+1)`, 'got int64');
  rejects(() => loss.compute(clsPreds, boxPreds, clsTargets.gt(0), boxTargets), TypeError, `${fn}: clsTargets must be a numeric`, 'got bool');
  rejects(() => loss.compute(clsPreds, boxPreds, clsTargets, boxTargets.long()), TypeError, `${fn}: boxTargets must be a float32 or float64 Tensor`, 'got int64');
  rejects(() => loss.compute(clsPreds, undefined as never, clsTargets, boxTargets), TypeError, `${fn}: boxPreds must be a Tensor of shape (B, N, 4)`, 'got undefined');
  const disposed = randn([B, N, 4]);
  disposed.dispose();
  rejects(() => loss.compute(clsPreds, boxPreds, clsTargets, disposed), TypeError, `${fn}: boxTargets must be a Tensor`, 'got a disposed Tensor');
  rejects(() => new SSDMultiBoxLoss({ lambd: 'x' as never }), TypeError, 'SSDMultiBoxLoss: lambd must be a finite number');
  const out = loss.compute(clsPreds, boxPreds, clsTargets, boxTargets);
  assert.deepEqual([out.sum.shape, out.cls.shape, out.box.shape], [[B], [B], [B]]);
  assert.deepEqual(loss.compute(clsPreds, boxPreds, clsTargets.float(), boxTargets).sum.shape, [B], 'float class targets (GluonCV) still work');
}));

test('ssdDetect: clsPreds (B, N, C+1), boxPreds (B, N, 4) float, anchors (N, 4) / (1, N, 4); empty batches work', () => tidy(() => {
  const clsPreds = randn([B, N, C1]);
  const boxPreds = randn([B, N, 4]).mul(0.1);
  const anchors = cornerToCenter(cornerBoxes([N]));
  rejects(() => ssdDetect(clsPreds, boxPreds, anchors.narrow(0, 0, N - 1)), RangeError, 'ssdDetect: anchors must be (N, 4) or (1, N, 4)', 'expected anchors (6, 4) to match clsPreds (2, 6, 3)', 'got (5, 4)');
  rejects(() => ssdDetect(clsPreds, randn([B, N + 1, 4]), anchors), RangeError, 'ssdDetect: boxPreds must be (B, N, 4)', 'expected boxPreds (2, 6, 4) to match clsPreds (2, 6, 3)', 'got (2, 7, 4)');
  rejects(() => ssdDetect(clsPreds.select(0, 0), boxPreds.select(0, 0), anchors), RangeError, 'ssdDetect: clsPreds must be (B, N, C+1)', 'got (6, 3)');
  rejects(() => ssdDetect(clsPreds.long(), boxPreds, anchors), TypeError, 'ssdDetect: clsPreds must be a float32 or float64 Tensor', 'got int64');
  rejects(() => ssdDetect(clsPreds, boxPreds, undefined as never), TypeError, 'ssdDetect: anchors must be a Tensor of shape (N, 4) or (1, N, 4)', 'got undefined');
  rejects(() => ssdDetect(clsPreds, boxPreds, anchors, { nmsThresh: NaN }), RangeError, 'ssdDetect: nmsThresh must be a finite number');
  const d = ssdDetect(clsPreds, boxPreds, anchors.unsqueeze(0));
  assert.deepEqual([d.ids.shape, d.scores.shape, d.bboxes.shape], [[B, 100, 1], [B, 100, 1], [B, 100, 4]]);
  const empty = ssdDetect(randn([0, N, C1]), randn([0, N, 4]), anchors);
  assert.deepEqual(empty.bboxes.shape, [0, 100, 4]);
  const none = ssdDetect(randn([B, 0, C1]), randn([B, 0, 4]), zeros([0, 4]));
  assert.deepEqual(none.bboxes.tolist(), zeros([B, 100, 4]).sub(1).tolist(), 'no anchors: all padding rows');
}));

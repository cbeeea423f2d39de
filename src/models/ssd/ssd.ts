// GluonCV's SSD block (`gluoncv/model_zoo/ssd/ssd.py`, spec §2.3–2.4, §6): a multi-output feature extractor, one
// ConvPredictor pair per feature map (class then box, created alternately in the SSD's scope: convpredictor0 is
// the first class predictor, convpredictor1 the first box predictor, ...) and one anchor generator per map.
//
//   training mode (train()):  forward(x) -> [clsPreds (B, N, C+1) logits, boxPreds (B, N, 4), anchors (1, N, 4)]
//   inference mode (default): forward(x) -> { ids (B, K, 1), scores (B, K, 1), bboxes (B, K, 4) }
// Layout: per map, predictions are transposed to (B, H, W, A*k) and flattened, so anchor n = off_i + (y*W + x)*A
// + a and channel a*(C+1) + c. Inference decodes boxes with NormalizedBoxCenterDecoder (stds 0.1, 0.1, 0.2, 0.2),
// takes softmax scores with the per-class decoder (default; the seed's "method 2") or the argmax decoder
// ("method 1", setClassDecoder('argmax')), runs box_nms (setNms(0.45, 400, 100)) and keeps postNms rows (K);
// it runs without recording gradients, as Gluon's forward outside autograd.record().
import { Tensor, cat, keep, noGrad, tidy, zeros } from '../../tensor/index.js';
import { Block, Sequential, type BlockOptions, type Parameter } from '../../nn/index.js';
import {
  MultiClassDecoder,
  NormalizedBoxCenterDecoder,
  boxNms,
  ssdDetect,
  type AnchorKind,
  type AnchorLayer,
  type Detections,
  type Quad,
} from '../../detection/index.js';
import { ConvPredictor } from './convPredictor.js';
import { SSDAnchorGeneratorBlock } from './anchorGenerator.js';
import { type MultiFeatureExtractor } from './features.js';
import { resolveReuseWeights, transplantClassChannels, type ReuseWeights } from './resetClass.js';
import { detectImage, type DetectionRow, type ImageDetectOptions, type ImageInput } from '../imageDetect.js';

/** 'perClass': every foreground class separately (MultiPerClassDecoder); 'argmax': the best class only (MultiClassDecoder). */
export type ClassDecoderKind = 'perClass' | 'argmax';

export interface SSDOptions extends BlockOptions {
  /** Builds the feature extractor; called inside the SSD's name scope (so it is named `ssdK_...`). */
  features: () => MultiFeatureExtractor;
  /** Square training input size (anchors are laid out for it). */
  baseSize: number;
  /** num_layers + 1 anchor sizes. */
  sizes: number[];
  ratios: number[][];
  steps: number[];
  classes: readonly string[];
  stds?: Quad;
  nmsThresh?: number;
  nmsTopk?: number;
  postNms?: number;
  /** Anchor grid precomputed for layer 0 (then halved down to 16); GluonCV's 128. */
  anchorAllocSize?: number;
  anchorKind?: AnchorKind;
  clsDecoder?: ClassDecoderKind;
  /** Predictor kernel and padding (get_ssd's predictors_kernel / predictors_pad; default 3 / 1, lite: 1 / 0). */
  predictorsKernel?: number;
  predictorsPad?: number;
}

export interface ResetClassOptions {
  /** Reuse the trained channels of old classes: {new: old} by name or index, or a list of names kept. */
  reuseWeights?: ReuseWeights;
}

/** A model's anchors for one input size, with their grid layout (what the target generator's fast path needs). */
export interface AnchorSet {
  /** (N, 4) center-format pixel anchors, in the order of the predictions. */
  anchors: Tensor;
  /** Per feature map: where its anchors start, its height and width, anchors per location. */
  layout: AnchorLayer[];
}

/** What forward returns in training mode. */
export type SSDTrainingOutput = [clsPreds: Tensor, boxPreds: Tensor, anchors: Tensor];

export class SSD extends Block {
  readonly features: MultiFeatureExtractor;
  readonly classPredictors: Sequential;
  readonly boxPredictors: Sequential;
  readonly anchorGenerators: Sequential;
  readonly baseSize: number;
  readonly stds: Quad;
  #classes: string[];
  nmsThresh: number;
  nmsTopk: number;
  postNms: number;
  clsDecoder: ClassDecoderKind;
  readonly #classPreds: ConvPredictor[] = [];
  readonly #boxPreds: ConvPredictor[] = [];
  readonly #anchorGens: SSDAnchorGeneratorBlock[] = [];

  constructor(options: SSDOptions) {
    super(options);
    const L = options.ratios.length;
    if (options.sizes.length !== L + 1 || options.steps.length !== L) {
      throw new RangeError(`SSD: ${L} layers need ${L + 1} sizes (got ${options.sizes.length}) and ${L} steps (got ${options.steps.length})`);
    }
    if (options.classes.length < 1) throw new RangeError('SSD: at least one class is required');
    this.baseSize = options.baseSize;
    this.stds = options.stds ?? [0.1, 0.1, 0.2, 0.2];
    this.#classes = [...options.classes];
    this.nmsThresh = options.nmsThresh ?? 0.45;
    this.nmsTopk = options.nmsTopk ?? 400;
    this.postNms = options.postNms ?? 100;
    this.clsDecoder = options.clsDecoder ?? 'perClass';
    const built = this.nameScope(() => {
      const features = options.features();
      if (features.outChannels.length !== L) {
        throw new RangeError(`SSD: the feature extractor has ${features.outChannels.length} outputs, the anchor configuration ${L} layers`);
      }
      const cls = new Sequential();
      const box = new Sequential();
      const anchors = new Sequential();
      let asz = options.anchorAllocSize ?? 128;
      for (let i = 0; i < L; i++) {
        const ag = new SSDAnchorGeneratorBlock({
          index: i,
          imSize: [options.baseSize, options.baseSize],
          sizes: [options.sizes[i]!, options.sizes[i + 1]!],
          ratios: options.ratios[i]!,
          step: options.steps[i]!,
          allocSize: [asz, asz],
          kind: options.anchorKind,
        });
        anchors.add(ag);
        this.#anchorGens.push(ag);
        asz = Math.max(Math.floor(asz / 2), 16);
        const inChannels = features.outChannels[i]!;
        const conv = { inChannels, kernelSize: options.predictorsKernel ?? 3, padding: options.predictorsPad ?? 1 };
        const cp = new ConvPredictor({ channels: ag.numDepth * (this.#classes.length + 1), ...conv });
        const bp = new ConvPredictor({ channels: ag.numDepth * 4, ...conv });
        cls.add(cp);
        box.add(bp);
        this.#classPreds.push(cp);
        this.#boxPreds.push(bp);
      }
      return { features, cls, box, anchors };
    });
    this.features = this.registerChild('features', built.features);
    this.classPredictors = this.registerChild('classPredictors', built.cls);
    this.boxPredictors = this.registerChild('boxPredictors', built.box);
    this.anchorGenerators = this.registerChild('anchorGenerators', built.anchors);
  }

  /** Foreground class names. */
  get classes(): readonly string[] {
    return this.#classes;
  }

  get numClasses(): number {
    return this.#classes.length;
  }

  /** Number of feature maps / predictor layers. */
  get numLayers(): number {
    return this.#anchorGens.length;
  }

  /** Anchors per location of each layer. */
  get anchorsPerLocation(): number[] {
    return this.#anchorGens.map((g) => g.numDepth);
  }

  /** GluonCV's set_nms: nmsThresh outside (0, 1) disables NMS; nmsTopk <= 0 uses all; postNms <= 0 keeps all. */
  setNms(nmsThresh = 0.45, nmsTopk = 400, postNms = 100): void {
    this.nmsThresh = nmsThresh;
    this.nmsTopk = nmsTopk;
    this.postNms = postNms;
  }

  /** Switches the inference class decoder (spec §6; the seed's tip 3). */
  setClassDecoder(kind: ClassDecoderKind): void {
    if (kind !== 'perClass' && kind !== 'argmax') throw new RangeError(`SSD.setClassDecoder: expected 'perClass' or 'argmax', got ${JSON.stringify(kind)}`);
    this.clsDecoder = kind;
  }

  /** Training mode: [clsPreds, boxPreds, anchors]; inference mode: detections. */
  forward(x: Tensor): SSDTrainingOutput | Detections {
    return this.training ? this.forwardTrain(x) : this.detect(x);
  }

  /** The raw outputs whatever the mode: [clsPreds (B, N, C+1), boxPreds (B, N, 4), anchors (1, N, 4)]. */
  forwardTrain(x: Tensor): SSDTrainingOutput {
    return tidy(() => this.predict(this.features.forward(x)));
  }

  /** The heads over given feature maps (one per layer): [clsPreds, boxPreds, anchors]. */
  predict(features: Tensor[]): SSDTrainingOutput {
    if (features.length !== this.numLayers) throw new RangeError(`SSD.predict: ${features.length} feature maps for ${this.numLayers} layers`);
    return tidy(() => {
      const B = features[0]!.shape[0]!;
      const C1 = this.numClasses + 1;
      const cls = features.map((f, i) => this.#classPreds[i]!.forward(f).permute(0, 2, 3, 1).reshape(B, -1));
      const box = features.map((f, i) => this.#boxPreds[i]!.forward(f).permute(0, 2, 3, 1).reshape(B, -1));
      const anchors = features.map((f, i) => this.#anchorGens[i]!.forward(f).reshape(1, -1));
      return [cat(cls, 1).reshape(B, -1, C1), cat(box, 1).reshape(B, -1, 4), cat(anchors, 1).reshape(1, -1, 4)];
    });
  }

  /**
   * The anchors of a size × size input and their grid layout (train_ssd.py's `net(zeros(1, 3, h, w))` probe: the
   * feature maps' sizes depend on the extractor), probed in inference mode so BatchNorm's running statistics do
   * not move, on the device the parameters live on. The anchors come back on the CPU (the loader workers make
   * targets from them) and kept: the caller disposes them.
   */
  anchorSet(size: number, device = 'cpu'): AnchorSet {
    const wasTraining = this.training;
    this.eval();
    try {
      return this.#probeAnchors(size, device);
    } finally {
      this.train(wasTraining);
    }
  }

  #probeAnchors(size: number, device: string): AnchorSet {
    return noGrad(() =>
      tidy(() => {
        const feats = this.features.forward(zeros([1, 3, size, size], { device }));
        let offset = 0;
        const layout = feats.map((f, i) => {
          const [, , height, width] = f.shape as [number, number, number, number];
          const layer: AnchorLayer = { offset, height, width, depth: this.anchorsPerLocation[i]! };
          offset += height * width * layer.depth;
          return layer;
        });
        const anchors = keep(cat(feats.map((f, i) => this.#anchorGens[i]!.forward(f).reshape(-1, 4)), 0).to('cpu'));
        return { anchors, layout };
      }),
    );
  }

  /**
   * Inference: decoding, NMS and the first postNms rows (see the file header), without gradient recording. Given
   * an image (path, JPEG/PNG bytes or decoded RGB) instead of a normalized batch, it resolves to that image's
   * detections in its own pixels (src/models/imageDetect.ts).
   */
  detect(x: Tensor): Detections;
  detect(x: ImageInput, options?: ImageDetectOptions): Promise<DetectionRow[]>;
  detect(x: Tensor | ImageInput, options?: ImageDetectOptions): Detections | Promise<DetectionRow[]> {
    if (!(x instanceof Tensor)) return detectImage(this, x, options);
    return noGrad(() =>
      tidy(() => {
        const [cls, box, anchors] = this.forwardTrain(x);
        return this.postprocess(cls, box, anchors);
      }),
    );
  }

  /** Inference post-processing of raw outputs with the current NMS settings and class decoder. */
  postprocess(clsPreds: Tensor, boxPreds: Tensor, anchors: Tensor): Detections {
    if (this.clsDecoder === 'perClass') {
      return ssdDetect(clsPreds, boxPreds, anchors, { stds: this.stds, nmsThresh: this.nmsThresh, nmsTopk: this.nmsTopk, postNms: this.postNms });
    }
    return tidy(() => {
      const bboxes = new NormalizedBoxCenterDecoder({ stds: this.stds }).decode(boxPreds, anchors);
      const [ids, scores] = new MultiClassDecoder({ thresh: 0.01 }).decode(clsPreds.softmax(-1));
      let result = cat([ids.float().unsqueeze(2), scores.unsqueeze(2), bboxes], 2);
      if (this.nmsThresh > 0 && this.nmsThresh < 1) {
        const keep = this.postNms > 0 ? this.postNms : result.shape[1]!;
        result = boxNms(result, { overlapThresh: this.nmsThresh, topk: this.nmsTopk, validThresh: 0.01, forceSuppress: false, keep });
      }
      return { ids: result.narrow(2, 0, 1), scores: result.narrow(2, 1, 1), bboxes: result.narrow(2, 2, 4) };
    });
  }

  /**
   * Parameters in GluonCV's creation order: the extractor's, then per layer the anchor constant, the class
   * predictor and the box predictor (the order of `ssd0_convpredictor0, 1, 2, ...`).
   */
  parametersInCreationOrder(): Parameter[] {
    const out = [...this.features.namedParameters().values()];
    for (let i = 0; i < this.numLayers; i++) {
      out.push(...this.#anchorGens[i]!.namedParameters().values(), ...this.#classPreds[i]!.namedParameters().values(), ...this.#boxPreds[i]!.namedParameters().values());
    }
    return [...new Set(out)];
  }

  /**
   * GluonCV's reset_class: new class names; every class predictor is rebuilt for them (same names, new shapes,
   * own initializer Xavier(uniform, avg, 2) / zeros). With reuseWeights, the channels of the mapped old classes
   * and the background channel are copied into the new predictors.
   */
  resetClass(classes: readonly string[], options: ResetClassOptions = {}): void {
    if (classes.length < 1) throw new RangeError('SSD.resetClass: at least one class is required');
    const oldClasses = this.#classes;
    const newClasses = [...classes];
    const mapping = resolveReuseWeights(options.reuseWeights, oldClasses, newClasses);
    for (let i = 0; i < this.numLayers; i++) {
      transplantClassChannels(this.#classPreds[i]!.predictor, this.#anchorGens[i]!.numDepth, oldClasses.length, newClasses.length, mapping);
    }
    this.#classes = newClasses;
  }

  protected override extraRepr(): string {
    return `classes=${this.numClasses}, baseSize=${this.baseSize}, layers=${this.numLayers}`;
  }
}

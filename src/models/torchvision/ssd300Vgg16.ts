// torchvision's SSD300 with its VGG16 backbone (`torchvision/models/detection/ssd.py`: ssd300_vgg16, SSD,
// SSDFeatureExtractorVGG, SSDHead; 0.14), with its own parameter names so a `torch.save(model.state_dict())`
// file (for example ssd300_vgg16_coco-b556d3b4.pth) loads by name:
//   backbone.features.{0..21}   VGG16 conv1_1..conv4_3 (+ ReLUs, 2x2 max pools; the third in ceil mode)
//   backbone.scale_weight       (512,) L2 norm scale on conv4_3: scale * x / max(||x||_2, 1e-12) (F.normalize)
//   backbone.extra.0            pool4, conv5_1..5_3, fc.{0: 3x3/1 pool, 1: fc6 3x3 dilation 6, 3: fc7 1x1}
//   backbone.extra.{1..4}       1x1 conv + ReLU, 3x3 conv + ReLU (conv8_2 .. conv11_2)
//   head.classification_head.module_list.{0..5}, head.regression_head.module_list.{0..5}   3x3 convs
// Inference (detectImage) runs torchvision's transform (transform.ts), the network, DefaultBoxGenerator
// (defaultBoxes.ts) and postprocess_detections (postprocess.ts); boxes come back in the image's pixels.
//
//   const net = getModel('torchvision:ssd300_vgg16', { pretrained: 'ssd300_vgg16_coco-b556d3b4.pth' });
//   const { boxes, scores, labels } = net.detectImage(await decodeImage('street.jpg'));
//   const rows = await net.detect(readFileSync('street.jpg'));   // [{ classId, className, score, box }, ...]
import { Tensor, cat, dispose, keep, noGrad, tidy } from '../../tensor/index.js';
import { Block, Conv2D, MaxPool2D, ReLU, Sequential, init, type BlockOptions, type Layer, type Parameter } from '../../nn/index.js';
import type { RGBImage } from '../../data/types.js';
import { TORCHVISION_COCO_CATEGORIES } from './categories.js';
import { defaultBoxes, numAnchors, type DefaultBoxOptions } from './defaultBoxes.js';
import { decodeBoxes, selectDetections, type TorchvisionDetections, type TorchvisionPostprocessOptions } from './postprocess.js';
import { resizeBoxes, transformImage, type TorchvisionTransformOptions } from './transform.js';
import { detectImage, type DetectionRow, type ImageInput } from '../imageDetect.js';

/** torchvision's `_xavier_init` (xavier_uniform_, bias 0) for the SSD-specific convs. */
const xavier = { weightInitializer: init.Xavier({ rndType: 'uniform', factorType: 'avg', magnitude: 3 }), biasInitializer: init.Zero() };
/** VGG's own init: kaiming_normal_(mode='fan_out', nonlinearity='relu'), bias 0. */
const kaiming = { weightInitializer: init.Xavier({ rndType: 'gaussian', factorType: 'out', magnitude: 2 }), biasInitializer: init.Zero() };

function conv(inC: number, outC: number, k: number, extra: { padding?: number; strides?: number; dilation?: number } = {}, initialization = xavier): Conv2D {
  return new Conv2D({ channels: outC, inChannels: inC, kernelSize: k, ...extra, ...initialization });
}

/** VGG16 `features` layers [from, to) as torchvision numbers them (cfg 'D'); M = 2x2 max pool. */
function vggLayers(): Layer[] {
  const cfg: (number | 'M')[] = [64, 64, 'M', 128, 128, 'M', 256, 256, 256, 'M', 512, 512, 512, 'M', 512, 512, 512, 'M'];
  const layers: Layer[] = [];
  let inC = 3;
  let pools = 0;
  for (const v of cfg) {
    if (v === 'M') {
      layers.push(new MaxPool2D({ poolSize: 2, strides: 2, ceilMode: ++pools === 3 })); // maxpool3 patched to ceil
    } else {
      layers.push(conv(inC, v, 3, { padding: 1 }, kaiming), new ReLU({ inplace: true }));
      inC = v;
    }
  }
  return layers;
}

/** SSDFeatureExtractorVGG (highres = false): six feature maps, 512/1024/512/256/256/256 channels. */
export class SSDFeatureExtractorVGG extends Block {
  readonly features: Sequential;
  readonly scaleWeight: Parameter;
  readonly extra: Sequential;

  constructor(options: BlockOptions = {}) {
    super(options);
    const vgg = vggLayers(); // indices: pool4 at 23, conv5_3's ReLU at 29, pool5 at 30
    this.features = this.registerChild('features', new Sequential().add(...vgg.slice(0, 23)));
    this.scaleWeight = this.param('scaleWeight', { shape: [512], init: init.Constant(20) });
    const fc = new Sequential().add(
      new MaxPool2D({ poolSize: 3, strides: 1, padding: 1 }),
      conv(512, 1024, 3, { padding: 6, dilation: 6 }),
      new ReLU({ inplace: true }),
      conv(1024, 1024, 1),
      new ReLU({ inplace: true }),
    );
    const pair = (inC: number, mid: number, out: number, k3: { padding?: number; strides?: number }): Sequential =>
      new Sequential().add(conv(inC, mid, 1), new ReLU({ inplace: true }), conv(mid, out, 3, k3), new ReLU({ inplace: true }));
    this.extra = this.registerChild(
      'extra',
      new Sequential().add(
        new Sequential().add(...vgg.slice(23, 30), fc),
        pair(1024, 256, 512, { padding: 1, strides: 2 }),
        pair(512, 128, 256, { padding: 1, strides: 2 }),
        pair(256, 128, 256, {}),
        pair(256, 128, 256, {}),
      ),
    );
  }

  forward(x: Tensor): Tensor[] {
    return tidy(() => {
      let y = this.features.forward(x);
      const norm = y.square().sum(1, true).sqrt().clampMin(1e-12);
      const out = [y.div(norm).mul(this.scaleWeight.data().reshape(1, -1, 1, 1))];
      for (const block of this.extra) {
        y = block.forward(y);
        out.push(y);
      }
      return out;
    });
  }
}

/** SSDScoringHead: one 3x3 conv per feature map; (N, A*K, H, W) -> (N, H*W*A, K), concatenated over maps. */
export class SSDScoringHead extends Block {
  readonly moduleList: Sequential;
  readonly numColumns: number;

  constructor(inChannels: number[], anchors: number[], numColumns: number, options: BlockOptions = {}) {
    super(options);
    this.numColumns = numColumns;
    this.moduleList = this.registerChild('moduleList', new Sequential().add(...inChannels.map((c, i) => conv(c, anchors[i]! * numColumns, 3, { padding: 1 }))));
  }

  forward(features: Tensor[]): Tensor {
    return tidy(() => {
      const N = features[0]!.shape[0]!;
      return cat(features.map((f, i) => this.moduleList.at(i).forward(f).permute(0, 2, 3, 1).reshape(N, -1, this.numColumns)), 1);
    });
  }
}

export class SSDHead extends Block {
  readonly classificationHead: SSDScoringHead;
  readonly regressionHead: SSDScoringHead;

  constructor(inChannels: number[], anchors: number[], numClasses: number, options: BlockOptions = {}) {
    super(options);
    this.classificationHead = this.registerChild('classificationHead', new SSDScoringHead(inChannels, anchors, numClasses));
    this.regressionHead = this.registerChild('regressionHead', new SSDScoringHead(inChannels, anchors, 4));
  }
}

/** ssd300_vgg16's anchors, transform and post-processing settings (torchvision's defaults for it). */
export const SSD300_VGG16_CONFIG = {
  anchors: { aspectRatios: [[2], [2, 3], [2, 3], [2, 3], [2], [2]], scales: [0.07, 0.15, 0.33, 0.51, 0.69, 0.87, 1.05], steps: [8, 16, 32, 64, 100, 300], clip: true } as DefaultBoxOptions,
  transform: { size: [300, 300], imageMean: [0.48235, 0.45882, 0.40784], imageStd: [1 / 255, 1 / 255, 1 / 255] } as TorchvisionTransformOptions,
  postprocess: { scoreThresh: 0.01, nmsThresh: 0.45, topkCandidates: 400, detectionsPerImg: 200, weights: [10, 10, 5, 5] } as TorchvisionPostprocessOptions,
};

/** torchvision's SSD300 VGG16 detector (see the file header). */
export class TorchvisionSSD300 extends Block {
  readonly backbone: SSDFeatureExtractorVGG;
  readonly head: SSDHead;
  /** torchvision's labels: 0 is the background (COCO: TORCHVISION_COCO_CATEGORIES, 91). */
  readonly categories: readonly string[];
  readonly config = SSD300_VGG16_CONFIG;
  #anchors: Tensor | null = null;

  constructor(options: BlockOptions & { categories?: readonly string[] } = {}) {
    super(options);
    this.categories = options.categories ?? TORCHVISION_COCO_CATEGORIES;
    const channels = [512, 1024, 512, 256, 256, 256];
    this.backbone = this.registerChild('backbone', new SSDFeatureExtractorVGG());
    this.head = this.registerChild('head', new SSDHead(channels, numAnchors(this.config.anchors), this.categories.length));
  }

  /** The raw outputs for a normalized (B, 3, 300, 300) batch: class logits (B, N, C) and box codes (B, N, 4). */
  forward(x: Tensor): { clsLogits: Tensor; bboxRegression: Tensor } {
    return tidy(() => {
      const feats = this.backbone.forward(x);
      return { clsLogits: this.head.classificationHead.forward(feats), bboxRegression: this.head.regressionHead.forward(feats) };
    });
  }

  /** The default boxes (N, 4) in the 300x300 input's pixels (DefaultBoxGenerator; computed once). */
  anchors(): Tensor {
    if (!this.#anchors) {
      const [h, w] = this.config.transform.size;
      const grids: [number, number][] = [[38, 38], [19, 19], [10, 10], [5, 5], [3, 3], [1, 1]];
      this.#anchors = keep(defaultBoxes(this.config.anchors, grids, [h, w]));
    }
    return this.#anchors;
  }

  /** postprocess_detections over a normalized batch: per image, boxes in the input's pixels. */
  detectBatch(x: Tensor): TorchvisionDetections[] {
    const [h, w] = this.config.transform.size;
    if (x.ndim !== 4 || x.shape[1] !== 3 || x.shape[2] !== h || x.shape[3] !== w) {
      throw new RangeError(`TorchvisionSSD300.detectBatch: expected (B, 3, ${h}, ${w}), got [${x.shape.join(', ')}]`);
    }
    return noGrad(() =>
      tidy(() => {
        const { clsLogits, bboxRegression } = this.forward(x);
        const scores = clsLogits.softmax(-1);
        const out: TorchvisionDetections[] = [];
        for (let b = 0; b < x.shape[0]!; b++) {
          const boxes = decodeBoxes(bboxRegression.select(0, b), this.anchors(), this.config.postprocess.weights).clamp(0, w); // square input: x and y share the bound
          out.push(selectDetections(scores.select(0, b).contiguous().toTypedArray() as Float32Array, boxes.contiguous().toTypedArray() as Float32Array, this.categories.length, this.config.postprocess));
        }
        return out;
      }),
    );
  }

  /**
   * A normalized (B, 3, 300, 300) batch: detectBatch. An image (path, JPEG/PNG bytes or decoded RGB): resolves
   * to its detections in its own pixels, classId = torchvision's label (src/models/imageDetect.ts).
   */
  detect(x: Tensor): TorchvisionDetections[];
  detect(x: ImageInput): Promise<DetectionRow[]>;
  detect(x: Tensor | ImageInput): TorchvisionDetections[] | Promise<DetectionRow[]> {
    return x instanceof Tensor ? this.detectBatch(x) : detectImage(this, x);
  }

  /** torchvision's model([image]) for one 8-bit RGB image: detections in the image's own pixels. */
  detectImage(img: RGBImage): TorchvisionDetections {
    const x = transformImage(img, this.config.transform);
    try {
      const [d] = this.detectBatch(x);
      resizeBoxes(d!.boxes, this.config.transform.size, [img.height, img.width]);
      return d!;
    } finally {
      x.dispose();
    }
  }

  override dispose(): void {
    if (this.#anchors) dispose(this.#anchors);
    this.#anchors = null;
    super.dispose();
  }
}

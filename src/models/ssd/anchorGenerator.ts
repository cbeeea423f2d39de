// GluonCV's SSDAnchorGenerator as a block (`gluoncv/model_zoo/ssd/anchor.py`, spec §2.5): the anchors of one
// feature layer, precomputed for an allocSize × allocSize grid and stored as the constant `anchor_{i}` of shape
// (1, 1, allocH, allocW, A*4) (gradReq 'null', saved with the parameters like GluonCV's get_constant), so its
// MXNet name is `ssdK_ssdanchorgenerator{i}_anchor_{i}`. forward(feature) takes the top-left H × W of the grid
// (slice_like) and returns (1, H*W*A, 4) center-format pixel anchors. The values come from src/detection's
// SSDAnchorGenerator (float64 arithmetic rounded once to float32, as GluonCV's numpy code).
import { type Tensor, fromTypedArray } from '../../tensor/index.js';
import { Block, type BlockOptions, type Initializer, type Parameter } from '../../nn/index.js';
import { SSDAnchorGenerator, type AnchorKind } from '../../detection/index.js';

export interface AnchorGeneratorBlockOptions extends BlockOptions {
  /** Layer index (names the constant `anchor_{index}`; the lite generator treats layer 0 differently). */
  index: number;
  /** Network input (height, width). */
  imSize: [number, number];
  /** (s_i, s_{i+1}) from the preset. */
  sizes: [number, number];
  ratios: number[];
  step: number;
  /** Precomputed grid (GluonCV: 128 for layer 0, then max(prev / 2, 16)). */
  allocSize: [number, number];
  offsets?: [number, number];
  clip?: boolean;
  kind?: AnchorKind;
}

/** Fills a (1, 1, H, W, A*4) array with a generator's anchors. */
function anchorGrid(gen: SSDAnchorGenerator, [h, w]: [number, number]): Initializer {
  return {
    description: `SSDAnchors(${h}x${w})`,
    initWeight: (_name, arr) => {
      const t = fromTypedArray(gen.fill(h, w), [1, 1, h, w, gen.numDepth * 4]);
      try {
        arr.copy_(t);
      } finally {
        t.dispose();
      }
    },
  };
}

export class SSDAnchorGeneratorBlock extends Block {
  static override alias = 'ssdanchorgenerator';
  /** The anchor configuration (src/detection). */
  readonly generator: SSDAnchorGenerator;
  readonly allocSize: [number, number];
  /** The constant grid `anchor_{index}`. */
  readonly anchors: Parameter;

  constructor(options: AnchorGeneratorBlockOptions) {
    super(options);
    this.generator = new SSDAnchorGenerator({
      index: options.index,
      imSize: options.imSize,
      sizes: options.sizes,
      ratios: options.ratios,
      step: options.step,
      offsets: options.offsets,
      clip: options.clip,
      kind: options.kind,
    });
    const [h, w] = options.allocSize;
    if (!(Number.isInteger(h) && Number.isInteger(w) && h > 0 && w > 0)) {
      throw new RangeError(`SSDAnchorGenerator: allocSize must be positive integers, got ${JSON.stringify(options.allocSize)}`);
    }
    this.allocSize = [h, w];
    this.anchors = this.param('anchors', {
      name: `anchor_${options.index}`,
      shape: [1, 1, h, w, this.generator.numDepth * 4],
      init: anchorGrid(this.generator, [h, w]),
      gradReq: 'null',
    });
  }

  /** Anchors per feature-map location. */
  get numDepth(): number {
    return this.generator.numDepth;
  }

  /** x (B, C, H, W) -> the anchors of an H × W map: (1, H*W*A, 4). */
  forward(x: Tensor): Tensor {
    const [h, w] = [x.shape[2]!, x.shape[3]!];
    if (h > this.allocSize[0] || w > this.allocSize[1]) {
      // Larger than the precomputed grid (GluonCV would fail here): the same values, computed directly.
      const a = this.generator.generate(h, w).reshape(1, -1, 4);
      return x.device === 'cpu' ? a : a.to(x.device);
    }
    return this.anchors.data().narrow(2, 0, h).narrow(3, 0, w).reshape(1, -1, 4);
  }

  protected override extraRepr(): string {
    const g = this.generator;
    return `index=${g.index}, sizes=(${g.sizes.map((s) => +s.toFixed(4)).join(', ')}), ratios=[${g.ratios.map((r) => +r.toFixed(4)).join(', ')}], step=${g.step}`;
  }
}

// Gluon's nn.HybridSequential (MXNet 1.9.1 `gluon/nn/basic_layers.py`), alias 'hybridsequential': chains
// single-input blocks registered as children '0', '1', ... Blocks to be named under it must be created in its
// name scope, as in Gluon's `with net.name_scope(): net.add(...)`:
//
//   const stage = new Sequential({ prefix: '' });           // shares the enclosing prefix (VGG's stages)
//   stage.nameScope(() => stage.add(new Conv2D({...}), new ReLU()));
import { type Tensor } from '../tensor/index.js';
import { Block, type BlockOptions, type Layer } from './block.js';

export class Sequential extends Block {
  static override alias = 'hybridsequential';
  readonly #layers: Layer[] = [];

  constructor(options: BlockOptions = {}) {
    super(options);
  }

  /** Appends blocks; returns this. */
  add(...blocks: Layer[]): this {
    for (const b of blocks) {
      if (typeof (b as Partial<Layer>).forward !== 'function') throw new TypeError(`Sequential.add: ${String(b)} has no forward(x)`);
      this.registerChild(String(this.#layers.length), b);
      this.#layers.push(b);
    }
    return this;
  }

  get length(): number {
    return this.#layers.length;
  }

  /** The i-th block (negative counts from the end). */
  at(i: number): Layer {
    const b = this.#layers.at(i);
    if (b === undefined) throw new RangeError(`Sequential.at(${i}): ${this.#layers.length} blocks`);
    return b;
  }

  [Symbol.iterator](): Iterator<Layer> {
    return this.#layers[Symbol.iterator]();
  }

  /**
   * The layers in turn. Each intermediate result is disposed as soon as the next layer has consumed it (autograd
   * keeps what backward needs on its own), as PyTorch frees an activation when its last reference goes: kept to
   * the end of the caller's scope, VGG16's activations at batch 8 added ~500 MB to an SSD300 forward's peak.
   */
  forward(x: Tensor): Tensor {
    let y = x;
    for (const b of this.#layers) y = consume(y, b.forward(y), x);
    return y;
  }
}

/** Gluon's name for the same container. */
export { Sequential as HybridSequential };

/**
 * `next`, after disposing `used` when it was an intermediate: not the caller's input `keep` and not returned
 * again (an identity layer, an in-place op). Views of it stay valid: they share its storage, not its handle.
 */
export function consume(used: Tensor, next: Tensor, keep: Tensor): Tensor {
  if (used !== keep && used !== next) used.dispose();
  return next;
}

// Gluon's Block (MXNet 1.9.1 `gluon/block.py`; naming in spec §2.3): a node in the model tree that owns
// parameters and child blocks, with both of Gluon's naming schemes:
//   * MXNet 1.x prefixed names from the name scopes (`ssd0_convpredictor0_conv0_weight`), the keys of
//     collectParams(), see naming.ts;
//   * structural names from registration (`classPredictors.0.predictor.weight`), the keys of namedParameters(),
//     used by checkpoints (they do not depend on how many models the process built).
//
//   class ConvPredictor extends Block {
//     readonly predictor: Conv2D;
//     constructor(channels: number, inChannels: number) {
//       super();
//       this.predictor = this.registerChild('predictor', this.nameScope(() => new Conv2D({ channels, inChannels, ... })));
//     }
//     forward(x: Tensor): Tensor { return this.predictor.forward(x); }
//   }
//
// Unlike Gluon's __setattr__, registration is explicit (registerChild, param, constant). Blocks start in
// inference mode (Gluon's default outside autograd.record()); train() switches the whole tree.
import { type Tensor, type NestedArray } from '../tensor/index.js';
import { Constant, type Initializer } from './initializer.js';
import { Parameter, type ParameterOptions } from './parameter.js';
import { ParameterDict, type DictInitializeOptions } from './parameterDict.js';
import { BlockScope, createPrefix, withNameScope } from './naming.js';

export interface BlockOptions {
  /**
   * MXNet prefix. Omitted: automatic `<alias><n>_`. A string replaces `<alias><n>_` (under the enclosing scope's
   * prefix). '' shares the enclosing prefix, and the block's own nameScope() then adds nothing.
   */
  prefix?: string;
}

/** A block with one input and one output (what Sequential chains). */
export interface Layer extends Block {
  forward(x: Tensor): Tensor;
}

export abstract class Block {
  /** The naming hint (MXNet's `_alias()`); defaults to the class name in lower case. */
  static alias: string | undefined = undefined;

  /** The MXNet prefix, e.g. `ssd0_convpredictor0_conv0_`. */
  readonly prefix: string;
  /** The prefix without its trailing '_'. */
  readonly name: string;
  readonly #emptyPrefix: boolean;
  readonly #scope: BlockScope;
  readonly #children = new Map<string, Block>();
  readonly #params = new Map<string, Parameter>();
  #training = false;

  /** `alias` overrides the class alias for this instance (Gluon's Activation names itself after its type). */
  constructor(options: BlockOptions = {}, alias?: string) {
    const ctor = new.target as unknown as { alias?: string; name: string };
    const hint = alias ?? ctor.alias ?? ctor.name.toLowerCase();
    if (options.prefix !== undefined && typeof options.prefix !== 'string') throw new TypeError(`${ctor.name}: prefix must be a string`);
    this.#emptyPrefix = options.prefix === '';
    this.prefix = createPrefix(options.prefix, hint);
    this.name = this.prefix.endsWith('_') ? this.prefix.slice(0, -1) : this.prefix;
    this.#scope = new BlockScope(this);
  }

  /**
   * Runs `fn` in this block's name scope: blocks created inside get this block's prefix and per-alias counters
   * (`with self.name_scope():`). Counters persist across calls. A block with prefix '' has no scope of its own.
   */
  nameScope<T>(fn: () => T): T {
    if (this.#emptyPrefix) return fn();
    return withNameScope(this.#scope, fn);
  }

  /** Registers `block` as a child under the structural name `name`; returns it. */
  registerChild<T extends Block>(name: string, block: T): T {
    if (!(block instanceof Block)) throw new TypeError(`${this.constructor.name}.registerChild('${name}'): not a Block`);
    this.#checkFreeName(name);
    this.#children.set(name, block);
    return block;
  }

  /**
   * Creates and registers a parameter: structural name `attr`, MXNet name prefix + (options.name ?? attr)
   * (Gluon's `self.params.get(name, ...)`).
   */
  protected param(attr: string, options: ParameterOptions & { name?: string }): Parameter {
    this.#checkFreeName(attr);
    const p = new Parameter(this.prefix + (options.name ?? attr), options);
    this.#params.set(attr, p);
    return p;
  }

  /** Creates a constant (gradReq 'null', initialized to `value`): Gluon's `self.params.get_constant(name, value)`. */
  protected constant(attr: string, value: Tensor | NestedArray, options: { name?: string } = {}): Parameter {
    const shape = shapeOf(value);
    return this.param(attr, { name: options.name, shape, init: Constant(value), gradReq: 'null' });
  }

  /** The child blocks by structural name, in registration order. */
  get children(): ReadonlyMap<string, Block> {
    return this.#children;
  }

  /** This block's own parameters (not its children's) by MXNet name: Gluon's `block.params`. */
  get params(): ParameterDict {
    return new ParameterDict([...this.#params.values()].map((p) => [p.name, p]));
  }

  /**
   * This block's and its descendants' parameters by MXNet name. `select` is a regular expression matched at the
   * start of the name, like Python's re.match: `collectParams('.*predictor')`.
   */
  collectParams(select?: string): ParameterDict {
    const re = select ? new RegExp(select, 'y') : null;
    const out = new ParameterDict();
    const visit = (b: Block): void => {
      for (const p of b.#params.values()) {
        if (re !== null) re.lastIndex = 0;
        if (re === null || re.test(p.name)) out.set(p.name, p);
      }
      for (const c of b.#children.values()) visit(c);
    };
    visit(this);
    return out;
  }

  /** Parameters by structural name (`classPredictors.0.predictor.weight`): own first, then children in order. */
  namedParameters(): Map<string, Parameter> {
    const out = new Map<string, Parameter>();
    const visit = (b: Block, prefix: string): void => {
      for (const [k, p] of b.#params) out.set(prefix + k, p);
      for (const [k, c] of b.#children) visit(c, `${prefix}${k}.`);
    };
    visit(this, '');
    return out;
  }

  /** Initializes every parameter; `init` is the default for parameters without their own (see ParameterDict). */
  initialize(init?: Initializer, options: DictInitializeOptions = {}): this {
    this.collectParams().initialize(init, options);
    return this;
  }

  get training(): boolean {
    return this.#training;
  }

  /** Sets training mode on this block and all descendants (BatchNorm uses batch statistics, SSD returns raw outputs). */
  train(mode = true): this {
    this.#training = mode;
    for (const c of this.#children.values()) c.train(mode);
    return this;
  }

  /** Inference mode (the default): `train(false)`. */
  eval(): this {
    return this.train(false);
  }

  /** Drops the gradients of all parameters. */
  zeroGrad(): void {
    this.collectParams().zeroGrad();
  }

  /** Moves all initialized parameters to `device`. */
  resetDevice(device: string): this {
    this.collectParams().resetDevice(device);
    return this;
  }

  /** Frees every parameter array of this block and its descendants (they become uninitialized). */
  dispose(): void {
    for (const p of this.collectParams().values()) p.dispose();
  }

  /** A one-line description of this block's own settings, shown by toString(). */
  protected extraRepr(): string {
    return '';
  }

  toString(): string {
    const head = `${this.constructor.name}(${this.extraRepr()}`;
    if (this.#children.size === 0) return `${head})`;
    const lines = [...this.#children].map(([k, c]) => `  (${k}): ${c.toString().split('\n').join('\n  ')}`);
    return `${head}\n${lines.join('\n')}\n)`;
  }

  #checkFreeName(name: string): void {
    if (typeof name !== 'string' || name === '' || name.includes('.')) {
      throw new TypeError(`${this.constructor.name}: invalid structural name ${JSON.stringify(name)} (non-empty, no '.')`);
    }
    if (this.#children.has(name) || this.#params.has(name)) {
      throw new Error(`${this.constructor.name} (${this.name}): '${name}' is already registered`);
    }
  }
}

function shapeOf(value: Tensor | NestedArray): number[] {
  if (typeof value === 'number' || typeof value === 'boolean') return [];
  if (Array.isArray(value)) {
    const shape: number[] = [];
    let v: NestedArray = value;
    while (Array.isArray(v)) {
      shape.push(v.length);
      v = v[0] as NestedArray;
    }
    return shape;
  }
  return value.shape;
}

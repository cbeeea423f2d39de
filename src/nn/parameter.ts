// Gluon's Parameter (MXNet 1.9.1 `gluon/parameter.py`; spec §5): a named array with its own initializer,
// learning-rate and weight-decay multipliers and gradient requirement. The shape is known when the parameter is
// created; the array is allocated by initialize() (or setData()), as in Gluon, and freed by dispose().
//
//   const w = new Parameter('conv0_weight', { shape: [64, 3, 3, 3], init: init.Xavier() });
//   w.initialize();                                    // own init (Xavier) since no explicit one is given
//   w.initialize(init.Uniform(), { forceReinit: true }); // explicit init wins, re-draws in place
//
// The array is kept (no tidy() scope frees it) and requires grad unless gradReq is 'null' (constants such as the
// VGG input scale and the anchors). grad() returns a new handle to libtorch's accumulated gradient.
import { type Tensor, type DType, empty, keep, noGrad, tidy } from '../tensor/index.js';
import { type Initializer, Uniform } from './initializer.js';

/** 'write': each backward gives a fresh gradient (the Trainer clears it after a step); 'add': gradients
 * accumulate until zeroGrad(); 'null': no gradient, never updated. */
export type GradReq = 'write' | 'add' | 'null';

export interface ParameterOptions {
  shape: readonly number[];
  dtype?: DType;
  /** The parameter's own initializer (a layer's weightInitializer/biasInitializer); null = use the default. */
  init?: Initializer | null;
  gradReq?: GradReq;
  lrMult?: number;
  wdMult?: number;
}

export interface InitializeOptions {
  /** Re-draw parameters that are already initialized (otherwise they are skipped with a warning). */
  forceReinit?: boolean;
  /** Used when neither an explicit initializer nor the parameter's own is given; MXNet's default is Uniform(). */
  defaultInit?: Initializer;
  /** Where the array lives ('cpu' default, 'cuda', ...). Draws always happen on the CPU generator first. */
  device?: string;
}

const GRAD_REQS: readonly GradReq[] = ['write', 'add', 'null'];

function sameShape(a: readonly number[], b: readonly number[]): boolean {
  return a.length === b.length && a.every((d, i) => d === b[i]);
}

/** Emits one warning for parameters skipped by initialize() because they were already initialized. */
export function warnAlreadyInitialized(names: readonly string[]): void {
  if (names.length === 0) return;
  const what =
    names.length === 1
      ? `Parameter '${names[0]}' is already initialized`
      : `${names.length} parameters are already initialized (${names.slice(0, 5).join(', ')}${names.length > 5 ? ', ...' : ''})`;
  process.emitWarning(`${what}, ignoring. Set forceReinit: true to re-initialize.`, {
    type: 'UserWarning',
    code: 'SSDKIT_ALREADY_INITIALIZED',
  });
}

export class Parameter {
  /** The MXNet 1.x name, e.g. `ssd0_convpredictor0_conv0_weight`. */
  readonly name: string;
  readonly shape: readonly number[];
  readonly dtype: DType;
  init: Initializer | null;
  lrMult: number;
  wdMult: number;
  #gradReq: GradReq;
  #data: Tensor | null = null;

  constructor(name: string, options: ParameterOptions) {
    if (typeof name !== 'string' || name === '') throw new TypeError('Parameter: name must be a non-empty string');
    const shape = options.shape;
    if (!Array.isArray(shape) || !shape.every((d) => Number.isInteger(d) && d >= 0)) {
      throw new TypeError(`Parameter ${name}: shape must be an array of non-negative integers, got ${JSON.stringify(shape)}`);
    }
    this.name = name;
    this.shape = Object.freeze([...shape]);
    this.dtype = options.dtype ?? 'float32';
    this.init = options.init ?? null;
    this.lrMult = options.lrMult ?? 1;
    this.wdMult = options.wdMult ?? 1;
    this.#gradReq = Parameter.#checkGradReq(options.gradReq ?? 'write', name);
  }

  static #checkGradReq(req: GradReq, name: string): GradReq {
    if (!GRAD_REQS.includes(req)) throw new RangeError(`Parameter ${name}: gradReq must be 'write', 'add' or 'null', got ${JSON.stringify(req)}`);
    return req;
  }

  get gradReq(): GradReq {
    return this.#gradReq;
  }
  set gradReq(req: GradReq) {
    this.#gradReq = Parameter.#checkGradReq(req, this.name);
    const d = this.#data;
    if (d === null) return;
    if (req === 'null') {
      d.zeroGrad();
      d.requiresGrad_(false);
    } else {
      d.requiresGrad_(true);
    }
  }

  get isInitialized(): boolean {
    return this.#data !== null;
  }

  /** The array itself (not a copy; do not dispose it). Throws if the parameter is not initialized. */
  data(): Tensor {
    if (this.#data === null) {
      throw new Error(
        `Parameter '${this.name}' has not been initialized. Call initialize() on it or on its block ` +
          '(or load values with setData()/loadParameters()) before using it.',
      );
    }
    return this.#data;
  }

  /** A new handle to the accumulated gradient (dispose it or create it in a tidy() scope); null when none. */
  grad(): Tensor | null {
    const d = this.data();
    return this.#gradReq === 'null' ? null : d.grad;
  }

  /**
   * Allocates and fills the array. The initializer is `init` if given, else the parameter's own, else
   * `options.defaultInit` (Uniform(0.07) when absent). An initialized parameter is skipped with a warning unless
   * forceReinit is set, in which case it is re-drawn in place (same tensor) and its gradient dropped.
   * Returns whether it was (re)initialized.
   */
  initialize(init?: Initializer | null, options: InitializeOptions = {}): boolean {
    if (this.#data !== null && !options.forceReinit) {
      warnAlreadyInitialized([this.name]);
      return false;
    }
    this.fill(init ?? this.init ?? options.defaultInit ?? Uniform(), options.device);
    return true;
  }

  /** Fills the array with `initializer` now, allocating it if needed (no precedence rules, no warning). */
  fill(initializer: Initializer, device?: string): void {
    noGrad(() => {
      const drawn = tidy(() => {
        const a = empty([...this.shape], { dtype: this.dtype });
        initializer.initWeight(this.name, a);
        return a;
      });
      if (this.#data === null) {
        const target = device ?? 'cpu';
        const t = target === 'cpu' ? drawn : tidy(() => drawn.to(target));
        if (t !== drawn) drawn.dispose();
        this.#adopt(t);
      } else {
        try {
          this.#data.copy_(drawn);
        } finally {
          drawn.dispose();
        }
        this.#data.zeroGrad();
      }
    });
  }

  /** Copies `value` (same shape) into the array, allocating it (on value's device) if not initialized. */
  setData(value: Tensor): void {
    if (!sameShape(value.shape, this.shape)) {
      throw new RangeError(`Parameter '${this.name}': cannot set data of shape [${value.shape.join(', ')}], expected [${this.shape.join(', ')}]`);
    }
    noGrad(() => {
      if (this.#data === null) {
        const t = tidy(() => empty([...this.shape], { dtype: this.dtype, device: value.device }).copy_(value));
        this.#adopt(t);
      } else {
        this.#data.copy_(value);
      }
    });
  }

  /** Moves the array (and drops its gradient) to another device; Gluon's reset_ctx. */
  resetDevice(device: string): void {
    const d = this.data();
    if (d.device === device) return;
    const moved = noGrad(() => tidy(() => d.detach().to(device)));
    d.dispose();
    this.#data = null;
    this.#adopt(moved);
  }

  /** Drops the accumulated gradient. */
  zeroGrad(): void {
    this.#data?.zeroGrad();
  }

  /** Frees the array (and its gradient); the parameter becomes uninitialized. */
  dispose(): void {
    this.#data?.dispose();
    this.#data = null;
  }

  toString(): string {
    return `Parameter ${this.name} (shape=(${this.shape.join(', ')}), dtype=${this.dtype})`;
  }

  #adopt(t: Tensor): void {
    keep(t);
    if (this.#gradReq !== 'null') t.requiresGrad_(true);
    this.#data = t;
  }
}

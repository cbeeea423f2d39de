// Parameter initializers with MXNet 1.9.1's formulas (spec §5; `python/mxnet/initializer.py`). Random ones draw
// from libtorch's global generator, so manualSeed() makes them reproducible. Exported as the `init` namespace:
//
//   init.Xavier({ rndType: 'gaussian', factorType: 'out', magnitude: 2 })   // N(0, sqrt(2 / fan_out))
//   init.Uniform()                                                        // U(-0.07, 0.07)
//
// As in MXNet, the chosen initializer's weight rule applies whatever the parameter's name (a bias initialized
// with Uniform gets uniform draws), and Xavier/MSRAPrelu refuse shapes with fewer than 2 dimensions.
import { Tensor, type NestedArray, tensor, tidy } from '../tensor/index.js';

/** Fills a parameter's array in place (MXNet's `Initializer._init_weight(name, arr)`). */
export interface Initializer {
  /** Short description, e.g. `Xavier(gaussian, out, 2)`. */
  readonly description: string;
  /** Fills `arr` in place; `name` is the parameter name, used in errors. Called with gradient recording off. */
  initWeight(name: string, arr: Tensor): void;
}

export type XavierRndType = 'uniform' | 'gaussian';
export type XavierFactorType = 'avg' | 'in' | 'out';

export interface XavierOptions {
  rndType?: XavierRndType;
  factorType?: XavierFactorType;
  magnitude?: number;
}

function checkNumber(v: number, what: string, fn: string): number {
  if (typeof v !== 'number' || !Number.isFinite(v)) throw new TypeError(`init.${fn}: ${what} must be a finite number, got ${String(v)}`);
  return v;
}

/** U(-scale, scale). MXNet's default initializer (scale 0.07). */
export function Uniform(scale = 0.07): Initializer {
  checkNumber(scale, 'scale', 'Uniform');
  return {
    description: `Uniform(${scale})`,
    initWeight: (_name, arr) => void arr.uniform_(-scale, scale),
  };
}

/** N(0, sigma). */
export function Normal(sigma = 0.01): Initializer {
  checkNumber(sigma, 'sigma', 'Normal');
  return {
    description: `Normal(${sigma})`,
    initWeight: (_name, arr) => void arr.normal_(0, sigma),
  };
}

/**
 * Xavier's scale for a weight of `shape` = (out, in, *kernel): `sqrt(magnitude / factor)` with
 * fan_in = in * prod(kernel), fan_out = out * prod(kernel) and factor (fan_in + fan_out) / 2, fan_in or fan_out.
 * Uniform draws use U(-scale, scale); gaussian draws use N(0, scale).
 */
export function xavierScale(shape: readonly number[], factorType: XavierFactorType, magnitude: number, name = 'parameter'): number {
  if (shape.length < 2) {
    throw new RangeError(`Xavier initializer cannot be applied to vector ${name} (shape [${shape.join(', ')}]). It requires at least 2D.`);
  }
  const hw = shape.slice(2).reduce((a, b) => a * b, 1);
  const fanIn = shape[1]! * hw;
  const fanOut = shape[0]! * hw;
  let factor: number;
  switch (factorType) {
    case 'avg': factor = (fanIn + fanOut) / 2; break;
    case 'in': factor = fanIn; break;
    case 'out': factor = fanOut; break;
    default: throw new RangeError(`Xavier: incorrect factorType '${String(factorType)}' (expected avg, in or out)`);
  }
  return Math.sqrt(magnitude / factor);
}

/** Xavier/Glorot: MXNet defaults rndType 'uniform', factorType 'avg', magnitude 3. */
export function Xavier(options: XavierOptions = {}): Initializer {
  const rndType = options.rndType ?? 'uniform';
  const factorType = options.factorType ?? 'avg';
  const magnitude = checkNumber(options.magnitude ?? 3, 'magnitude', 'Xavier');
  if (rndType !== 'uniform' && rndType !== 'gaussian') throw new RangeError(`init.Xavier: unknown rndType '${String(rndType)}' (expected uniform or gaussian)`);
  if (!['avg', 'in', 'out'].includes(factorType)) throw new RangeError(`init.Xavier: incorrect factorType '${String(factorType)}' (expected avg, in or out)`);
  return {
    description: `Xavier(${rndType}, ${factorType}, ${magnitude})`,
    initWeight: (name, arr) => {
      const scale = xavierScale(arr.shape, factorType, magnitude, name);
      if (rndType === 'uniform') arr.uniform_(-scale, scale);
      else arr.normal_(0, scale);
    },
  };
}

/** He/MSRA for PReLU: Xavier('gaussian', factorType, magnitude = 2 / (1 + slope²)). */
export function MSRAPrelu(options: { factorType?: XavierFactorType; slope?: number } = {}): Initializer {
  const slope = checkNumber(options.slope ?? 0.25, 'slope', 'MSRAPrelu');
  const factorType = options.factorType ?? 'avg';
  const x = Xavier({ rndType: 'gaussian', factorType, magnitude: 2 / (1 + slope * slope) });
  return { description: `MSRAPrelu(${factorType}, ${slope})`, initWeight: x.initWeight };
}

/**
 * Fills with a value: a number, or an array/tensor that is copied now (broadcast to the parameter's shape at
 * initialization). This is also how constant parameters (`get_constant`) get their value.
 */
export function Constant(value: number | NestedArray | Tensor): Initializer {
  if (typeof value === 'number') {
    checkNumber(value, 'value', 'Constant');
    return { description: `Constant(${value})`, initWeight: (_name, arr) => void arr.fill_(value) };
  }
  const isTensor = value instanceof Tensor;
  const shape = isTensor ? value.shape : null;
  const data = isTensor ? value.toArray() : null;
  const nested = isTensor ? null : value;
  return {
    description: `Constant(${shape ? `tensor [${shape.join(', ')}]` : 'array'})`,
    initWeight: (name, arr) =>
      tidy(() => {
        const src = nested !== null ? tensor(nested, { dtype: 'float64' }) : tensor(data!, { dtype: 'float64' }).reshape(shape!);
        try {
          arr.copy_(src.expand(arr.shape));
        } catch (e) {
          throw new RangeError(`init.Constant: value of shape [${src.shape.join(', ')}] does not fit ${name} of shape [${arr.shape.join(', ')}]: ${(e as Error).message}`);
        }
      }),
  };
}

/** All zeros (Gluon's 'zeros'). */
export function Zero(): Initializer {
  return { description: 'Zero()', initWeight: (_name, arr) => void arr.zero_() };
}

/** All ones (Gluon's 'ones'). */
export function One(): Initializer {
  return { description: 'One()', initWeight: (_name, arr) => void arr.fill_(1) };
}

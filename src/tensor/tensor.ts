// The Tensor class: a handle to a libtorch tensor with PyTorch's method names.
//
// Every method that makes a tensor returns a new Tensor registered with the innermost tidy() scope; in-place
// methods (trailing underscore) return `this`. Numbers passed where a tensor is accepted act as scalars
// (PyTorch's type promotion applies). A disposed tensor throws on use.
//
//   const x = arange(6).reshape(2, 3).float();
//   x.mul(2).sum(1).toArray();   // [6, 24]
import { N, type Handle } from './native.js';
import { type DType, type AnyTypedArray, DTYPES, dtypeCode, dtypeName, isHalf, typedArrayOf } from './dtype.js';
import { track, type Disposable } from './scope.js';

const O = N.ops;
export type Shape = number[];
export type Scalar = number | boolean;
export type TensorOrScalar = Tensor | Scalar;
export type NestedArray = number | boolean | NestedArray[];

function shapeArgs(args: (number | number[])[]): number[] {
  return args.length === 1 && Array.isArray(args[0]) ? args[0] : (args as number[]);
}

/**
 * The safety net for tensors no scope owns: one that becomes unreachable undisposed is released by the GC, and its
 * bytes count as V8 external memory meanwhile, so that V8 collects sooner when they add up. Tensors inside scopes
 * skip both: registering costs about as much as a one-element op, their scope frees them, and reporting their
 * bytes made V8 run a full GC every other training step (README, "The demo's recipe").
 */
const unreachable = new FinalizationRegistry<Handle>((h) => N.dispose(h));

export class Tensor implements Disposable {
  #h: Handle | null;
  #dtype: DType | undefined;
  #guarded = false;
  kept = false;

  /** Wraps a native handle; use the creation functions (tensor, zeros, ...) instead. */
  constructor(h: Handle) {
    this.#h = h;
    track(this);
  }

  /** Called by the scopes when none owns this tensor any more: the GC releases it if it becomes unreachable. */
  unscoped(): void {
    if (this.#guarded || this.#h === null) return;
    this.#guarded = true;
    unreachable.register(this, this.#h, this);
    N.gcOwns(this.#h);
  }

  /** The native handle; throws if the tensor was disposed. */
  get handle(): Handle {
    const h = this.#h;
    if (h === null) {
      throw new Error(
        'Tensor was disposed: it was freed by dispose() or at the end of a tidy() scope. ' +
          'Return it from the scope or keep() it to use it later.',
      );
    }
    return h;
  }

  // ---- lifetime ----
  dispose(): void {
    if (this.#h !== null) {
      N.dispose(this.#h);
      this.#h = null;
      if (this.#guarded) unreachable.unregister(this);
    }
  }
  [Symbol.dispose](): void {
    this.dispose();
  }
  get isDisposed(): boolean {
    return this.#h === null;
  }

  // ---- facts ----
  get shape(): Shape {
    return O.sizes(this.handle);
  }
  size(dim?: number): number | Shape {
    const s = this.shape;
    if (dim === undefined) return s;
    const d = dim < 0 ? dim + s.length : dim;
    if (d < 0 || d >= s.length) throw new RangeError(`size(${dim}): tensor has ${s.length} dimensions`);
    return s[d]!;
  }
  get dtype(): DType {
    return (this.#dtype ??= dtypeName(O.dtype(this.handle)));
  }
  get ndim(): number {
    return O.dim(this.handle);
  }
  dim(): number {
    return O.dim(this.handle);
  }
  numel(): number {
    return O.numel(this.handle);
  }
  strides(): number[] {
    return O.strides(this.handle);
  }
  get device(): string {
    return O.device(this.handle);
  }
  isContiguous(): boolean {
    return O.isContiguous(this.handle);
  }
  isChannelsLast(): boolean {
    return O.isChannelsLast(this.handle);
  }

  // ---- data out ----
  /** The single element as a number (or boolean for bool tensors). */
  item(): number {
    return N.item(this.handle) as number;
  }
  /**
   * A copy of the elements in row-major order (BigInt64Array for int64, Uint8Array for bool, Uint16Array of the
   * raw bits for float16/bfloat16).
   */
  toTypedArray(): AnyTypedArray {
    return typedArrayOf(this.dtype, N.toBuffer(this.handle));
  }
  /** A copy of the elements in row-major order as plain numbers (float16/bfloat16 widen exactly to float32). */
  toArray(): number[] {
    if (isHalf(this.dtype)) {
      const wide = O.toDtype(this.handle, dtypeCode('float32'));
      try {
        return Array.from(new Float32Array(N.toBuffer(wide)));
      } finally {
        N.dispose(wide);
      }
    }
    const a = this.toTypedArray();
    return a instanceof BigInt64Array ? Array.from(a, Number) : Array.from(a as ArrayLike<number>);
  }
  /** Nested arrays in the tensor's shape (like PyTorch's tolist). */
  tolist(): NestedArray {
    const flat = this.toArray();
    const shape = this.shape;
    const isBool = this.dtype === 'bool';
    let pos = 0;
    const build = (d: number): NestedArray => {
      if (d === shape.length) {
        const v = flat[pos++]!;
        return isBool ? v !== 0 : v;
      }
      const out: NestedArray[] = [];
      for (let i = 0; i < shape[d]!; i++) out.push(build(d + 1));
      return out;
    };
    return build(0);
  }
  toString(): string {
    return `Tensor(shape=[${this.shape.join(', ')}], dtype=${this.dtype})`;
  }

  // ---- conversion ----
  clone(): Tensor {
    return new Tensor(O.clone(this.handle));
  }
  /** Converts to a dtype ('float32', ...) or moves to a device ('cpu', 'cuda', 'cuda:1'). */
  to(target: DType | string): Tensor {
    if ((DTYPES as readonly string[]).includes(target)) {
      return new Tensor(O.toDtype(this.handle, dtypeCode(target as DType)));
    }
    if (!/^(cpu|cuda|mps|meta)(:\d+)?$/.test(target)) {
      throw new TypeError(`to: '${target}' is neither a dtype (${DTYPES.join(', ')}) nor a device ('cpu', 'cuda', 'cuda:1')`);
    }
    return new Tensor(O.toDevice(this.handle, target));
  }
  float(): Tensor {
    return this.to('float32');
  }
  /** float16 (torch's .half()). */
  half(): Tensor {
    return this.to('float16');
  }
  bfloat16(): Tensor {
    return this.to('bfloat16');
  }
  double(): Tensor {
    return this.to('float64');
  }
  long(): Tensor {
    return this.to('int64');
  }
  int(): Tensor {
    return this.to('int32');
  }
  bool(): Tensor {
    return this.to('bool');
  }

  // ---- elementwise binary (broadcasting; a number acts as a scalar) ----
  add(other: TensorOrScalar, alpha = 1): Tensor {
    return this.#bin(other, 'add', 'addS', alpha);
  }
  sub(other: TensorOrScalar, alpha = 1): Tensor {
    return this.#bin(other, 'sub', 'subS', alpha);
  }
  /** other - alpha * this. */
  rsub(other: Scalar, alpha = 1): Tensor {
    return new Tensor(O.rsubS(this.handle, other, alpha));
  }
  mul(other: TensorOrScalar): Tensor {
    return this.#bin(other, 'mul', 'mulS');
  }
  div(other: TensorOrScalar): Tensor {
    return this.#bin(other, 'div', 'divS');
  }
  floorDivide(other: TensorOrScalar): Tensor {
    return this.#bin(other, 'floorDiv', 'floorDivS');
  }
  remainder(other: TensorOrScalar): Tensor {
    return this.#bin(other, 'remainder', 'remainderS');
  }
  pow(exponent: TensorOrScalar): Tensor {
    return this.#bin(exponent, 'pow', 'powS');
  }
  /** Elementwise max with a tensor, or with a number (then the same as clampMin). */
  maximum(other: TensorOrScalar): Tensor {
    if (!(other instanceof Tensor)) return this.clamp(other, null);
    return new Tensor(O.maximum(this.handle, other.handle));
  }
  minimum(other: TensorOrScalar): Tensor {
    if (!(other instanceof Tensor)) return this.clamp(null, other);
    return new Tensor(O.minimum(this.handle, other.handle));
  }
  /** True when both have the same shape and elements. */
  equal(other: Tensor): boolean {
    return O.equal(this.handle, other.handle);
  }
  /** |this - other| <= atol + rtol * |other| elementwise (same semantics as torch.allclose). */
  allclose(other: Tensor, rtol = 1e-5, atol = 1e-8, equalNan = false): boolean {
    return O.allclose(this.handle, other.handle, rtol, atol, equalNan);
  }
  eq(other: TensorOrScalar): Tensor {
    return this.#bin(other, 'eq', 'eqS');
  }
  ne(other: TensorOrScalar): Tensor {
    return this.#bin(other, 'ne', 'neS');
  }
  lt(other: TensorOrScalar): Tensor {
    return this.#bin(other, 'lt', 'ltS');
  }
  le(other: TensorOrScalar): Tensor {
    return this.#bin(other, 'le', 'leS');
  }
  gt(other: TensorOrScalar): Tensor {
    return this.#bin(other, 'gt', 'gtS');
  }
  ge(other: TensorOrScalar): Tensor {
    return this.#bin(other, 'ge', 'geS');
  }
  logicalAnd(other: Tensor): Tensor {
    return new Tensor(O.logicalAnd(this.handle, other.handle));
  }
  logicalOr(other: Tensor): Tensor {
    return new Tensor(O.logicalOr(this.handle, other.handle));
  }
  logicalXor(other: Tensor): Tensor {
    return new Tensor(O.logicalXor(this.handle, other.handle));
  }
  /** Clamps to [min, max]; either bound may be null; bounds may be numbers or tensors. */
  clamp(min: TensorOrScalar | null = null, max: TensorOrScalar | null = null): Tensor {
    if (min instanceof Tensor || max instanceof Tensor) {
      const lo = min === null ? null : asTensorLike(min, this);
      const hi = max === null ? null : asTensorLike(max, this);
      try {
        return new Tensor(O.clampT(this.handle, lo?.handle ?? null, hi?.handle ?? null));
      } finally {
        if (lo !== min) lo?.dispose();
        if (hi !== max) hi?.dispose();
      }
    }
    return new Tensor(O.clamp(this.handle, min, max));
  }
  clampMin(min: TensorOrScalar): Tensor {
    return this.clamp(min, null);
  }
  clampMax(max: TensorOrScalar): Tensor {
    return this.clamp(null, max);
  }

  // ---- elementwise unary ----
  neg(): Tensor {
    return this.#un('neg');
  }
  exp(): Tensor {
    return this.#un('exp');
  }
  expm1(): Tensor {
    return this.#un('expm1');
  }
  log(): Tensor {
    return this.#un('log');
  }
  log1p(): Tensor {
    return this.#un('log1p');
  }
  sqrt(): Tensor {
    return this.#un('sqrt');
  }
  rsqrt(): Tensor {
    return this.#un('rsqrt');
  }
  square(): Tensor {
    return this.#un('square');
  }
  abs(): Tensor {
    return this.#un('abs');
  }
  sign(): Tensor {
    return this.#un('sign');
  }
  floor(): Tensor {
    return this.#un('floor');
  }
  ceil(): Tensor {
    return this.#un('ceil');
  }
  round(): Tensor {
    return this.#un('round');
  }
  trunc(): Tensor {
    return this.#un('trunc');
  }
  reciprocal(): Tensor {
    return this.#un('reciprocal');
  }
  sigmoid(): Tensor {
    return this.#un('sigmoid');
  }
  tanh(): Tensor {
    return this.#un('tanh');
  }
  sin(): Tensor {
    return this.#un('sin');
  }
  cos(): Tensor {
    return this.#un('cos');
  }
  relu(): Tensor {
    return this.#un('relu');
  }
  leakyRelu(negativeSlope = 0.01): Tensor {
    return new Tensor(O.leakyRelu(this.handle, negativeSlope));
  }
  logicalNot(): Tensor {
    return this.#un('logicalNot');
  }
  isnan(): Tensor {
    return this.#un('isnan');
  }
  isinf(): Tensor {
    return this.#un('isinf');
  }
  isfinite(): Tensor {
    return this.#un('isfinite');
  }

  // ---- in-place ----
  add_(other: TensorOrScalar, alpha = 1): this {
    if (other instanceof Tensor) O.add_(this.handle, other.handle, alpha);
    else O.addS_(this.handle, other, alpha);
    return this;
  }
  sub_(other: TensorOrScalar, alpha = 1): this {
    if (other instanceof Tensor) O.sub_(this.handle, other.handle, alpha);
    else O.addS_(this.handle, other, -alpha);
    return this;
  }
  mul_(other: TensorOrScalar): this {
    if (other instanceof Tensor) O.mul_(this.handle, other.handle);
    else O.mulS_(this.handle, other);
    return this;
  }
  div_(other: TensorOrScalar): this {
    if (other instanceof Tensor) O.div_(this.handle, other.handle);
    else O.divS_(this.handle, other);
    return this;
  }
  /** this += value * a * b */
  addcmul_(a: Tensor, b: Tensor, value = 1): this {
    O.addcmul_(this.handle, a.handle, b.handle, value);
    return this;
  }
  /** this += value * a / b */
  addcdiv_(a: Tensor, b: Tensor, value = 1): this {
    O.addcdiv_(this.handle, a.handle, b.handle, value);
    return this;
  }
  copy_(src: Tensor): this {
    O.copy_(this.handle, src.handle);
    return this;
  }
  fill_(value: Scalar): this {
    O.fill_(this.handle, value);
    return this;
  }
  zero_(): this {
    O.zero_(this.handle);
    return this;
  }
  clamp_(min: Scalar | null = null, max: Scalar | null = null): this {
    O.clamp_(this.handle, min, max);
    return this;
  }
  relu_(): this {
    O.relu_(this.handle);
    return this;
  }
  exp_(): this {
    O.exp_(this.handle);
    return this;
  }
  sqrt_(): this {
    O.sqrt_(this.handle);
    return this;
  }
  neg_(): this {
    O.neg_(this.handle);
    return this;
  }
  maskedFill_(mask: Tensor, value: Scalar): this {
    checkMask(mask, 'maskedFill_');
    O.maskedFill_(this.handle, mask.handle, value);
    return this;
  }
  /** Fills with U(low, high) from the global generator (see manualSeed). */
  uniform_(low = 0, high = 1): this {
    O.uniform_(this.handle, low, high);
    return this;
  }
  /** Fills with N(mean, std) from the global generator (see manualSeed). */
  normal_(mean = 0, std = 1): this {
    O.normal_(this.handle, mean, std);
    return this;
  }
  /** this[indices] = values (accumulate adds instead, summing repeated indices). */
  indexPut_(indices: Tensor[], values: Tensor, accumulate = false): this {
    O.indexPut_(this.handle, indices.map((t) => t.handle), values.handle, accumulate);
    return this;
  }

  // ---- reductions ----
  /** Sum of all elements, or over `dim` (a dimension or a list). */
  sum(dim?: number | number[], keepdim = false): Tensor {
    if (dim === undefined) return new Tensor(O.sumAll(this.handle));
    return new Tensor(O.sum(this.handle, dim, keepdim));
  }
  mean(dim?: number | number[], keepdim = false): Tensor {
    if (dim === undefined) return new Tensor(O.meanAll(this.handle));
    return new Tensor(O.mean(this.handle, dim, keepdim));
  }
  prod(dim: number, keepdim = false): Tensor {
    return new Tensor(O.prod(this.handle, dim, keepdim));
  }
  /** max() is the largest element; max(dim) returns [values, indices]. */
  max(): Tensor;
  max(dim: number, keepdim?: boolean): [Tensor, Tensor];
  max(dim?: number, keepdim = false): Tensor | [Tensor, Tensor] {
    if (dim === undefined) return new Tensor(O.maxAll(this.handle));
    return pair(O.max(this.handle, dim, keepdim));
  }
  min(): Tensor;
  min(dim: number, keepdim?: boolean): [Tensor, Tensor];
  min(dim?: number, keepdim = false): Tensor | [Tensor, Tensor] {
    if (dim === undefined) return new Tensor(O.minAll(this.handle));
    return pair(O.min(this.handle, dim, keepdim));
  }
  amax(dim: number | number[], keepdim = false): Tensor {
    return new Tensor(O.amax(this.handle, dim, keepdim));
  }
  amin(dim: number | number[], keepdim = false): Tensor {
    return new Tensor(O.amin(this.handle, dim, keepdim));
  }
  /** Index of the largest element (first on ties) of the flattened tensor, or along `dim`. */
  argmax(dim?: number, keepdim = false): Tensor {
    return new Tensor(O.argmax(this.handle, dim ?? null, keepdim));
  }
  argmin(dim?: number, keepdim = false): Tensor {
    return new Tensor(O.argmin(this.handle, dim ?? null, keepdim));
  }
  any(dim?: number, keepdim = false): Tensor {
    if (dim === undefined) return new Tensor(O.anyAll(this.handle));
    return new Tensor(O.any(this.handle, dim, keepdim));
  }
  all(dim?: number, keepdim = false): Tensor {
    if (dim === undefined) return new Tensor(O.allAll(this.handle));
    return new Tensor(O.all(this.handle, dim, keepdim));
  }
  cumsum(dim: number): Tensor {
    return new Tensor(O.cumsum(this.handle, dim));
  }
  logsumexp(dim: number | number[], keepdim = false): Tensor {
    return new Tensor(O.logsumexp(this.handle, dim, keepdim));
  }
  /** Standard deviation over `dim` (all dims when omitted); unbiased (n-1) by default like PyTorch. */
  std(dim: number | number[] = [], unbiased = true, keepdim = false): Tensor {
    return new Tensor(O.std(this.handle, dim, unbiased, keepdim));
  }
  var(dim: number | number[] = [], unbiased = true, keepdim = false): Tensor {
    return new Tensor(O.var(this.handle, dim, unbiased, keepdim));
  }
  norm(p = 2): Tensor {
    return new Tensor(O.norm(this.handle, p));
  }
  countNonzero(dim?: number): Tensor {
    return new Tensor(O.countNonzero(this.handle, dim ?? null));
  }
  softmax(dim: number): Tensor {
    return new Tensor(O.softmax(this.handle, dim));
  }
  logSoftmax(dim: number): Tensor {
    return new Tensor(O.logSoftmax(this.handle, dim));
  }

  // ---- shape and layout ----
  reshape(...shape: (number | number[])[]): Tensor {
    return new Tensor(O.reshape(this.handle, shapeArgs(shape)));
  }
  view(...shape: (number | number[])[]): Tensor {
    return new Tensor(O.view(this.handle, shapeArgs(shape)));
  }
  permute(...dims: (number | number[])[]): Tensor {
    return new Tensor(O.permute(this.handle, shapeArgs(dims)));
  }
  transpose(dim0: number, dim1: number): Tensor {
    return new Tensor(O.transpose(this.handle, dim0, dim1));
  }
  flatten(startDim = 0, endDim = -1): Tensor {
    return new Tensor(O.flatten(this.handle, startDim, endDim));
  }
  expand(...shape: (number | number[])[]): Tensor {
    return new Tensor(O.expand(this.handle, shapeArgs(shape)));
  }
  expandAs(other: Tensor): Tensor {
    return this.expand(other.shape);
  }
  squeeze(dim?: number): Tensor {
    return new Tensor(dim === undefined ? O.squeeze(this.handle) : O.squeezeDim(this.handle, dim));
  }
  unsqueeze(dim: number): Tensor {
    return new Tensor(O.unsqueeze(this.handle, dim));
  }
  /** A contiguous copy (or this memory, if already so) in row-major or channels-last (NHWC) order. */
  contiguous(memoryFormat: 'contiguous' | 'channelsLast' = 'contiguous'): Tensor {
    return new Tensor(memoryFormat === 'channelsLast' ? O.channelsLast(this.handle) : O.contiguous(this.handle));
  }
  repeat(...sizes: (number | number[])[]): Tensor {
    return new Tensor(O.repeat(this.handle, shapeArgs(sizes)));
  }
  flip(dims: number | number[]): Tensor {
    return new Tensor(O.flip(this.handle, dims));
  }
  /** Splits into chunks of `size` (a number) or of the given sizes (an array) along `dim`. */
  split(sizeOrSizes: number | number[], dim = 0): Tensor[] {
    const hs: Handle[] =
      typeof sizeOrSizes === 'number'
        ? O.split(this.handle, sizeOrSizes, dim)
        : O.splitSizes(this.handle, sizeOrSizes, dim);
    return hs.map((h) => new Tensor(h));
  }
  chunk(chunks: number, dim = 0): Tensor[] {
    return (O.chunk(this.handle, chunks, dim) as Handle[]).map((h) => new Tensor(h));
  }
  /** this[start:end:step] along `dim` (a view); negative and out-of-range bounds behave as in Python. */
  slice(dim: number, start: number | null = null, end: number | null = null, step = 1): Tensor {
    return new Tensor(O.slice(this.handle, dim, start, end, step));
  }
  /** The sub-tensor at `index` along `dim`, which is removed (a view). */
  select(dim: number, index: number): Tensor {
    return new Tensor(O.select(this.handle, dim, index));
  }
  narrow(dim: number, start: number, length: number): Tensor {
    return new Tensor(O.narrow(this.handle, dim, start, length));
  }

  // ---- indexing ----
  gather(dim: number, index: Tensor): Tensor {
    return new Tensor(O.gather(this.handle, dim, index.handle));
  }
  /** Out-of-place scatter of `src` (a tensor or a scalar) at `index` along `dim`. */
  scatter(dim: number, index: Tensor, src: TensorOrScalar): Tensor {
    if (src instanceof Tensor) return new Tensor(O.scatter(this.handle, dim, index.handle, src.handle));
    return new Tensor(O.scatterS(this.handle, dim, index.handle, src));
  }
  scatterAdd(dim: number, index: Tensor, src: Tensor): Tensor {
    return new Tensor(O.scatterAdd(this.handle, dim, index.handle, src.handle));
  }
  indexSelect(dim: number, index: Tensor): Tensor {
    return new Tensor(O.indexSelect(this.handle, dim, index.handle));
  }
  /** Advanced indexing this[i0, i1, ...] with integer or boolean tensors on the leading dimensions. */
  index(indices: Tensor[]): Tensor {
    return new Tensor(O.index(this.handle, indices.map((t) => t.handle)));
  }
  maskedFill(mask: Tensor, value: TensorOrScalar): Tensor {
    checkMask(mask, 'maskedFill');
    if (value instanceof Tensor) return new Tensor(O.maskedFillT(this.handle, mask.handle, value.handle));
    return new Tensor(O.maskedFill(this.handle, mask.handle, value));
  }
  maskedSelect(mask: Tensor): Tensor {
    checkMask(mask, 'maskedSelect');
    return new Tensor(O.maskedSelect(this.handle, mask.handle));
  }
  /** Indices of non-zero elements, shape (n, ndim). */
  nonzero(): Tensor {
    return new Tensor(O.nonzero(this.handle));
  }
  /** [values, indices] sorted along `dim`; `stable` keeps the order of equal elements. */
  sort(dim = -1, descending = false, stable = false): [Tensor, Tensor] {
    return pair(O.sort(this.handle, dim, descending, stable));
  }
  argsort(dim = -1, descending = false, stable = false): Tensor {
    return new Tensor(O.argsort(this.handle, dim, descending, stable));
  }
  /** [values, indices] of the k largest (or smallest) elements along `dim`. */
  topk(k: number, dim = -1, largest = true, sorted = true): [Tensor, Tensor] {
    return pair(O.topk(this.handle, k, dim, largest, sorted));
  }

  // ---- linear algebra ----
  matmul(other: Tensor): Tensor {
    return new Tensor(O.matmul(this.handle, other.handle));
  }
  mm(other: Tensor): Tensor {
    return new Tensor(O.mm(this.handle, other.handle));
  }
  bmm(other: Tensor): Tensor {
    return new Tensor(O.bmm(this.handle, other.handle));
  }

  // ---- autograd ----
  get requiresGrad(): boolean {
    return O.requiresGrad(this.handle);
  }
  set requiresGrad(flag: boolean) {
    O.requiresGrad_(this.handle, flag);
  }
  requiresGrad_(flag = true): this {
    O.requiresGrad_(this.handle, flag);
    return this;
  }
  get isLeaf(): boolean {
    return O.isLeaf(this.handle);
  }
  /** The accumulated gradient (a new handle to it), or null. */
  get grad(): Tensor | null {
    const h: Handle | null = O.grad(this.handle);
    return h === null ? null : new Tensor(h);
  }
  set grad(g: Tensor | null) {
    if (g === null) {
      O.clearGrad(this.handle);
      return;
    }
    const [s, gs] = [this.shape, g.shape];
    if (s.length !== gs.length || s.some((d, i) => d !== gs[i])) {
      throw new RangeError(`grad: assigned gradient has size [${gs.join(', ')}] but the tensor has size [${s.join(', ')}]`);
    }
    if (g.dtype !== this.dtype) throw new TypeError(`grad: assigned gradient has type ${g.dtype} but the tensor has type ${this.dtype}`);
    O.setGrad(this.handle, g.handle);
  }
  /** Drops the gradient (PyTorch's zero_grad(set_to_none=True)). */
  zeroGrad(): void {
    O.clearGrad(this.handle);
  }
  retainGrad(): void {
    O.retainGrad(this.handle);
  }
  /** Back-propagates from this tensor; `gradient` is required unless it has one element. */
  backward(gradient: Tensor | null = null, options: { retainGraph?: boolean } = {}): void {
    O.backward(this.handle, gradient?.handle ?? null, options.retainGraph ?? false);
  }
  detach(): Tensor {
    return new Tensor(O.detach(this.handle));
  }
  detach_(): this {
    O.detach_(this.handle);
    return this;
  }

  #bin(other: TensorOrScalar, op: string, opScalar: string, alpha?: number): Tensor {
    if (other instanceof Tensor) {
      return new Tensor(alpha === undefined ? O[op]!(this.handle, other.handle) : O[op]!(this.handle, other.handle, alpha));
    }
    if (typeof other !== 'number' && typeof other !== 'boolean') {
      throw new TypeError(`${op}: expected a Tensor or a number, got ${describe(other)}`);
    }
    return new Tensor(alpha === undefined ? O[opScalar]!(this.handle, other) : O[opScalar]!(this.handle, other, alpha));
  }
  #un(op: string): Tensor {
    return new Tensor(O[op]!(this.handle));
  }
}

function checkMask(mask: Tensor, op: string): void {
  if (!(mask instanceof Tensor)) throw new TypeError(`${op}: mask must be a bool Tensor, got ${describe(mask)}`);
  if (mask.dtype !== 'bool') throw new TypeError(`${op}: mask must have dtype bool, got ${mask.dtype} (use .bool() or a comparison)`);
}

function pair(hs: Handle[]): [Tensor, Tensor] {
  return [new Tensor(hs[0]!), new Tensor(hs[1]!)];
}

function asTensorLike(v: TensorOrScalar, like: Tensor): Tensor {
  return v instanceof Tensor ? v : new Tensor(O.fullLike(like.handle, v));
}

export function describe(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'an array';
  return typeof v === 'object' ? (v.constructor?.name ?? 'an object') : `${typeof v} ${String(v)}`;
}

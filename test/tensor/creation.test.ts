// Tensor creation against PyTorch/numpy fixtures: tensor() dtype inference, arange, linspace, eye, full, dtype
// conversions; plus zero-copy fromTypedArray, data read-back (item, tolist, toTypedArray) and tensor facts.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  tensor, fromTypedArray, zeros, ones, empty, full, zerosLike, onesLike, fullLike, arange, linspace, eye, tidy,
  memory, type DType, type NestedArray,
} from '../../src/tensor/index.js';
import { loadFixture } from '../helpers.js';
import { expectTensor, fromSpec, type TensorSpec } from './fixture-tensors.js';

interface CreationFixture {
  arange: { args: number[]; out: TensorSpec }[];
  linspace: { args: [number, number, number]; out: TensorSpec }[];
  eye: { n: number; out: TensorSpec }[];
  inference: { data: NestedArray; out: TensorSpec }[];
  conversions: { in: TensorSpec; to: DType; out: TensorSpec }[];
  full: { shape: number[]; value: number | boolean; dtype: DType | null; out: TensorSpec }[];
}
const fx = loadFixture<CreationFixture>('tensor_creation.json');

test('tensor() infers dtype and shape like torch.tensor', () => {
  for (const c of fx.inference) {
    tidy(() => expectTensor(tensor(c.data), c.out, `tensor(${JSON.stringify(c.data)})`, 0, 0));
  }
});

test('tensor() with an explicit dtype converts the values', () => {
  tidy(() => {
    const t = tensor([[1, 2], [3, 4]], { dtype: 'float64' });
    assert.equal(t.dtype, 'float64');
    assert.deepEqual(t.tolist(), [[1, 2], [3, 4]]);
    const b = tensor([0, 2, 0], { dtype: 'bool' });
    assert.deepEqual(b.tolist(), [false, true, false]);
    assert.deepEqual(tensor([1.9, -1.9], { dtype: 'int32' }).toArray(), [1, -1]);
  });
});

test('arange matches numpy (int64 for integer arguments, float32 otherwise)', () => {
  for (const c of fx.arange) {
    tidy(() => {
      const [a, b, s] = c.args;
      const t = c.args.length === 1 ? arange(a!) : arange(a!, b, s);
      expectTensor(t, c.out, `arange(${c.args.join(', ')})`);
    });
  }
});

test('linspace matches numpy', () => {
  for (const c of fx.linspace) {
    tidy(() => expectTensor(linspace(...c.args), c.out, `linspace(${c.args.join(', ')})`));
  }
});

test('eye, zeros, ones, empty and full give the requested shape, dtype and values', () => {
  for (const c of fx.eye) tidy(() => expectTensor(eye(c.n), c.out, `eye(${c.n})`, 0, 0));
  for (const c of fx.full) {
    tidy(() => {
      const t = c.dtype === null ? full(c.shape, c.value) : full(c.shape, c.value, { dtype: c.dtype });
      expectTensor(t, c.out, `full(${JSON.stringify(c.shape)}, ${c.value}, ${c.dtype})`, 0, 0);
    });
  }
  tidy(() => {
    for (const dtype of ['float32', 'float64', 'int64', 'int32', 'uint8', 'bool'] as DType[]) {
      const z = zeros([2, 3], { dtype });
      assert.equal(z.dtype, dtype);
      assert.deepEqual(z.shape, [2, 3]);
      assert.deepEqual(z.toArray(), [0, 0, 0, 0, 0, 0]);
      const o = ones([3], { dtype });
      assert.equal(o.dtype, dtype);
      assert.deepEqual(o.toArray(), [1, 1, 1]);
      const e = empty([4, 0, 2], { dtype });
      assert.equal(e.dtype, dtype);
      assert.deepEqual(e.shape, [4, 0, 2]);
      assert.equal(e.numel(), 0);
    }
    assert.equal(zeros([2]).dtype, 'float32', 'default dtype');
    assert.deepEqual(zeros([]).shape, []);
    assert.equal(zeros([]).item(), 0);
  });
});

test('zerosLike, onesLike and fullLike keep shape and dtype', () => {
  tidy(() => {
    const i = tensor([[1, 2, 3]]);
    const zl = zerosLike(i);
    assert.equal(zl.dtype, 'int64');
    assert.deepEqual(zl.tolist(), [[0, 0, 0]]);
    const ol = onesLike(tensor([true, false]));
    assert.equal(ol.dtype, 'bool');
    assert.deepEqual(ol.tolist(), [true, true]);
    const fl = fullLike(tensor([[0.5], [1]], { dtype: 'float64' }), 2.25);
    assert.equal(fl.dtype, 'float64');
    assert.deepEqual(fl.tolist(), [[2.25], [2.25]]);
    const fi = fullLike(i, 7);
    assert.equal(fi.dtype, 'int64');
    assert.deepEqual(fi.toArray(), [7, 7, 7]);
  });
});

test('dtype conversions (to, float, double, long, int, bool) match torch', () => {
  for (const c of fx.conversions) {
    tidy(() => expectTensor(fromSpec(c.in).to(c.to), c.out, `${c.in.dtype} ${JSON.stringify(c.in.data)} -> ${c.to}`, 0, 0));
  }
  tidy(() => {
    const x = tensor([1.5, -2.5]);
    assert.equal(x.double().dtype, 'float64');
    assert.deepEqual(x.long().toArray(), [1, -2]);
    assert.equal(x.long().dtype, 'int64');
    assert.equal(x.int().dtype, 'int32');
    assert.deepEqual(x.bool().tolist(), [true, true]);
    assert.equal(tensor([1, 2]).float().dtype, 'float32');
    assert.equal(x.to('cpu').device, 'cpu');
  });
});

test('clone is an independent copy', () => {
  tidy(() => {
    const a = tensor([1, 2, 3], { dtype: 'float32' });
    const b = a.clone();
    b.fill_(9);
    assert.deepEqual(a.toArray(), [1, 2, 3]);
    assert.deepEqual(b.toArray(), [9, 9, 9]);
  });
});

test('fromTypedArray shares memory by default and copies with {copy: true}', () => {
  tidy(() => {
    const buf = new Float32Array([1, 2, 3, 4, 5, 6]);
    const shared = fromTypedArray(buf, [2, 3]);
    const copied = fromTypedArray(buf, [2, 3], { copy: true });
    buf[4] = 42;
    assert.deepEqual(shared.tolist(), [[1, 2, 3], [4, 42, 6]], 'a write through the array is seen');
    assert.deepEqual(copied.toArray(), [1, 2, 3, 4, 5, 6], 'copy is independent');
    shared.mul_(2);
    assert.deepEqual(Array.from(buf), [2, 4, 6, 8, 84, 12], 'in-place op on the tensor writes the array');
    assert.deepEqual(copied.toArray(), [1, 2, 3, 4, 5, 6]);
  });
});

test('fromTypedArray reads every supported TypedArray, a subarray view, and Uint8Array as bool', () => {
  tidy(() => {
    assert.equal(fromTypedArray(new Float64Array([1.25])).dtype, 'float64');
    const i64 = fromTypedArray(new BigInt64Array([1n, -2n, 3n]), [3]);
    assert.equal(i64.dtype, 'int64');
    assert.deepEqual(i64.toArray(), [1, -2, 3]);
    assert.equal(fromTypedArray(new Int32Array([1, 2]), [2, 1]).dtype, 'int32');
    const u8 = fromTypedArray(new Uint8Array([0, 255]));
    assert.equal(u8.dtype, 'uint8');
    assert.deepEqual(u8.toArray(), [0, 255]);
    const b = fromTypedArray(new Uint8Array([0, 1, 1]), [3], { dtype: 'bool' });
    assert.deepEqual(b.tolist(), [false, true, true]);
    // a view with a byte offset into a larger buffer
    const big = new Float32Array([10, 11, 12, 13, 14, 15]);
    const sub = fromTypedArray(big.subarray(2, 5), [3]);
    assert.deepEqual(sub.toArray(), [12, 13, 14]);
    big[3] = -1;
    assert.deepEqual(sub.toArray(), [12, -1, 14]);
    assert.deepEqual(fromTypedArray(new Float32Array(0), [0, 5]).shape, [0, 5]);
  });
});

test('item, tolist and toTypedArray return the right JS types', () => {
  tidy(() => {
    assert.equal(tensor(2.5).item(), 2.5);
    assert.equal(tensor([[7]]).item(), 7);
    assert.equal(tensor(true).item() as unknown, true);
    assert.ok(tensor([1, 2]).toTypedArray() instanceof BigInt64Array);
    assert.ok(tensor([1.5]).toTypedArray() instanceof Float32Array);
    assert.ok(tensor([1.5], { dtype: 'float64' }).toTypedArray() instanceof Float64Array);
    assert.ok(tensor([1], { dtype: 'int32' }).toTypedArray() instanceof Int32Array);
    assert.ok(tensor([true]).toTypedArray() instanceof Uint8Array);
    assert.deepEqual(tensor([[true, false]]).tolist(), [[true, false]]);
    assert.deepEqual(tensor(3).tolist(), 3);
    // toTypedArray copies: writing to it does not change the tensor
    const t = tensor([1, 2], { dtype: 'float32' });
    const a = t.toTypedArray() as Float32Array;
    a[0] = 100;
    assert.deepEqual(t.toArray(), [1, 2]);
  });
});

test('tensor facts: shape, size, ndim, numel, strides, contiguity, device, toString', () => {
  tidy(() => {
    const t = zeros([2, 3, 4]);
    assert.deepEqual(t.shape, [2, 3, 4]);
    assert.equal(t.size(-1), 4);
    assert.deepEqual(t.size(), [2, 3, 4]);
    assert.equal(t.ndim, 3);
    assert.equal(t.dim(), 3);
    assert.equal(t.numel(), 24);
    assert.deepEqual(t.strides(), [12, 4, 1]);
    assert.equal(t.isContiguous(), true);
    const tr = t.transpose(0, 2);
    assert.deepEqual(tr.strides(), [1, 4, 12]);
    assert.equal(tr.isContiguous(), false);
    assert.equal(t.device, 'cpu');
    assert.equal(t.toString(), 'Tensor(shape=[2, 3, 4], dtype=float32)');
    assert.throws(() => t.size(3), /3 dimensions/);
  });
});

test('creation leaves no live tensors behind a tidy()', () => {
  const before = memory().liveTensors;
  tidy(() => {
    tensor([[1, 2], [3, 4]]);
    arange(10).reshape(2, 5);
    linspace(0, 1, 5);
    eye(3);
    full([2], 1);
    zerosLike(ones([3]));
    fromTypedArray(new Float32Array(4), [2, 2]);
    tensor([1.5]).to('int64');
  });
  assert.equal(memory().liveTensors, before);
});

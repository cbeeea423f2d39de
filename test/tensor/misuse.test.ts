// Misuse gives a JavaScript Error with a meaningful message, never a crash: shape mismatches, wrong dtypes, use
// after dispose, wrong argument types, bad shapes to creation functions, out-of-range indices and autograd misuse.
// The process keeps working afterwards and failed calls inside tidy() leak nothing.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as T from '../../src/tensor/index.js';
import { tensor, zeros, ones, tidy, memory, type Tensor } from '../../src/tensor/index.js';

/** Asserts fn throws an Error (of `kind`, default any Error) whose message matches every pattern. */
function throwsWith(fn: () => unknown, patterns: RegExp[], kind: new (...a: any[]) => Error = Error): void {
  assert.throws(fn, (e: unknown) => {
    assert.ok(e instanceof kind, `expected a ${kind.name}, got ${String(e)}`);
    for (const p of patterns) assert.match((e as Error).message, p);
    return true;
  });
}
const f32 = (data: T.NestedArray): Tensor => tensor(data, { dtype: 'float32' });

test('shape mismatches name the op and the sizes', () => {
  tidy(() => {
    throwsWith(() => f32([1, 2, 3]).add(f32([1, 2])), [/^add: /, /size of tensor a \(3\) must match the size of tensor b \(2\)/]);
    throwsWith(() => zeros([2, 3]).matmul(zeros([4, 5])), [/^matmul: /, /2x3 and 4x5/]);
    throwsWith(() => T.linear(zeros([2, 3]), zeros([4, 5])), [/^linear: /, /cannot be multiplied/]);
    throwsWith(() => zeros([2, 3, 4]).bmm(zeros([3, 4, 5])), [/^bmm: /]);
    throwsWith(() => T.conv2d(zeros([1, 3, 5, 5]), zeros([2, 4, 3, 3])), [/^conv2d: /, /to have 4 channels, but got 3/]);
    throwsWith(() => T.conv2d(zeros([1, 3, 5, 5]), zeros([2, 3, 3, 3]), null, { groups: 2 }), [/^conv2d: /, /groups=2/]);
    throwsWith(() => T.conv2d(zeros([3, 5, 5]), zeros([2, 3, 3, 3])), [/conv2d: input must be 4-D, got shape \[3, 5, 5\]/], RangeError);
    throwsWith(() => T.maxPool2d(zeros([1, 1, 2, 2]), { kernelSize: 3 }), [/^maxPool2d: /, /Output size is too small/]);
    throwsWith(() => T.cat([zeros([2, 3]), zeros([2, 4])], 0), [/^cat: /, /Expected size 3 but got size 4/]);
    throwsWith(() => T.stack([zeros([2]), zeros([3])]), [/^stack: /, /equal size/]);
    throwsWith(() => zeros([2, 3]).reshape(4, 2), [/^reshape: /, /shape '\[4, 2\]' is invalid for input of size 6/]);
    throwsWith(() => zeros([2, 3]).transpose(0, 1).view(6), [/^view: /, /Use \.reshape/]);
    throwsWith(() => zeros([2, 3]).expand(4, 3), [/^expand: /, /must match the existing size/]);
    throwsWith(() => zeros([5]).split([2, 2]), [/split/, /sum exactly to 5/]);
    throwsWith(() => T.huberLoss(zeros([3]), zeros([4])), [/^huberLoss: /]);
    throwsWith(() => T.batchNorm(zeros([2, 3, 4, 4]), zeros([4]), ones([4])), [/^batchNorm: /, /running_mean should contain 3 elements not 4/]);
    throwsWith(() => zeros([2, 3]).gather(1, tensor([0, 1])), [/^gather: /, /same number of dimensions/]);
  });
});

test('wrong dtypes are rejected with the expected dtype in the message', () => {
  tidy(() => {
    throwsWith(() => zeros([2, 3]).gather(1, zeros([2, 1])), [/^gather: /, /Expected dtype int64 for index/]);
    throwsWith(() => zeros([2, 3]).indexSelect(0, f32([0])), [/^indexSelect: /, /int32 or int64/]);
    throwsWith(() => zeros([2, 3]).index([f32([0])]), [/^index: /, /long, byte or bool/]);
    throwsWith(() => T.where(zeros([2]), zeros([2]), zeros([2])), [/^where: /, /boolean/]);
    throwsWith(() => T.nllLoss(zeros([2, 3]), zeros([2])), [/^nllLoss: /, /Long/]);
    throwsWith(() => T.oneHot(zeros([3])), [/^oneHot: /, /index tensor/]);
    throwsWith(() => tensor([1, 2]).div_(2), [/^divS_: /, /can't be cast to the desired output type Long/]);
    throwsWith(() => tensor([1, 2]).mul_(2.5), [/^mulS_: /, /Long/]);
    throwsWith(() => tensor([1, 2]).requiresGrad_(), [/floating point/]);
    throwsWith(() => T.setRngState(zeros([3])), [/^setRngState: /, /ByteTensor/]);
    throwsWith(() => zeros([2], { dtype: 'int16' as T.DType }), [/unknown dtype 'int16'/, /float32, float64, float16, bfloat16/], TypeError);
    throwsWith(() => T.fromTypedArray(new Float32Array(5), [5], { dtype: 'int64' }), [/Float32Array cannot be read as int64/], TypeError);
    throwsWith(() => T.fromTypedArray(new Int16Array(5) as unknown as Float32Array), [/unsupported TypedArray Int16Array/], TypeError);
  });
});

test('use after dispose throws a clear error, as the receiver or as an argument', () => {
  const t = zeros([2]);
  t.dispose();
  assert.equal(t.isDisposed, true);
  t.dispose(); // idempotent
  const disposed = /Tensor was disposed: it was freed by dispose\(\) or at the end of a tidy\(\) scope/;
  throwsWith(() => t.add(1), [disposed]);
  throwsWith(() => t.shape, [disposed]);
  throwsWith(() => t.toArray(), [disposed]);
  tidy(() => {
    throwsWith(() => zeros([2]).add(t), [disposed]);
    throwsWith(() => T.cat([zeros([2]), t]), [disposed]);
    throwsWith(() => T.conv2d(zeros([1, 1, 3, 3]), t), [disposed]);
  });
  let escaped: Tensor | undefined;
  tidy(() => {
    escaped = ones([1]);
  });
  throwsWith(() => escaped!.item(), [disposed, /keep\(\)/]);
  // disposing a view leaves its base usable, and the reverse
  const base = ones([4]);
  const view = base.narrow(0, 1, 2);
  view.dispose();
  assert.deepEqual(base.toArray(), [1, 1, 1, 1]);
  const v2 = base.narrow(0, 0, 2);
  base.dispose();
  assert.deepEqual(v2.toArray(), [1, 1], 'a view keeps the storage alive');
  v2.dispose();
});

test('wrong argument types give a TypeError naming what was expected', () => {
  tidy(() => {
    const x = zeros([2]);
    throwsWith(() => x.add('x' as unknown as number), [/add: expected a Tensor or a number, got string x/], TypeError);
    throwsWith(() => x.mul({} as unknown as number), [/mul: expected a Tensor or a number, got Object/], TypeError);
    throwsWith(() => x.sub(null as unknown as number), [/sub: expected a Tensor or a number, got null/], TypeError);
    throwsWith(() => x.reshape('a' as unknown as number), [/argument 1: expected an array of integers/], TypeError);
    throwsWith(() => x.sum('a' as unknown as number), [/expected an array of integers/], TypeError);
    throwsWith(() => x.unsqueeze(0.5), [/argument 1: expected an integer/], TypeError);
    throwsWith(() => x.unsqueeze(NaN), [/expected an integer/], TypeError);
    throwsWith(() => x.clamp('a' as unknown as number), [/expected a number/], TypeError);
    throwsWith(() => T.full([2], 'a' as unknown as number), [/expected a number/], TypeError);
    throwsWith(() => T.conv2d(zeros([1, 1, 4, 4]), zeros([1, 1, 3, 3]), null, { stride: 'a' as unknown as number }),
      [/conv2d: stride must be an integer or a pair of integers, got "a"/], TypeError);
    throwsWith(() => T.maxPool2d(zeros([1, 1, 4, 4]), { kernelSize: 1.5 }), [/maxPool2d: kernelSize must be an integer or a pair/], TypeError);
    throwsWith(() => T.maxPool2d(zeros([1, 1, 4, 4]), {} as T.Pool2dOptions), [/kernelSize .* got undefined/], TypeError);
    throwsWith(() => T.conv2d('x' as unknown as Tensor, zeros([1, 1, 3, 3])), [/conv2d: input must be a Tensor/], TypeError);
    throwsWith(() => tensor(['a'] as unknown as number[]), [/tensor\(\): elements must be numbers or booleans, got string a/], TypeError);
    throwsWith(() => T.manualSeed(-1), [/manualSeed: seed must be a non-negative integer, got -1/], RangeError);
    throwsWith(() => T.manualSeed(1.5), [/non-negative integer/], RangeError);
    throwsWith(() => T.tidy(async () => 1), [/tidy\(\): the function returned a Promise/]);
  });
});

test('bad shapes and sizes to creation functions are rejected', () => {
  tidy(() => {
    const shapeMsg = /shape must be an array of non-negative integers/;
    throwsWith(() => zeros([-1]), [/^zeros: /, shapeMsg, /\[-1\]/], TypeError);
    throwsWith(() => ones([1.5]), [/^ones: /, shapeMsg], TypeError);
    throwsWith(() => T.rand(3 as unknown as number[]), [/^rand: /, shapeMsg], TypeError);
    throwsWith(() => T.empty([NaN]), [shapeMsg], TypeError);
    throwsWith(() => T.randn([2, -3]), [shapeMsg], TypeError);
    throwsWith(() => tensor([[1, 2], [3]]), [/tensor\(\): ragged nested array \(length 1 at depth 1 where 2 was expected\)/], RangeError);
    throwsWith(() => tensor([[1], 2] as unknown as number[]), [/ragged/], RangeError);
    throwsWith(() => T.fromTypedArray(new Float32Array(5), [2, 3]), [/shape needs 24 bytes but the array has 20/], RangeError);
    throwsWith(() => T.fromTypedArray(new Float32Array(2), [-1, -2]), [shapeMsg], TypeError);
    throwsWith(() => T.randperm(-1), [/^randperm: /, /negative dimension/]);
    throwsWith(() => T.randint(5, 2, [3]), [/^randint: /, /from=5 >= to=2/]);
    throwsWith(() => T.eye(-2), [/^eye: /, /greater or equal to 0/]);
    throwsWith(() => T.linspace(0, 1, -1), [/^linspace: /, /non-negative/]);
    throwsWith(() => T.arange(0, 5, 0), [/^arange: /, /step must be nonzero/]);
    throwsWith(() => zeros([2 ** 40, 2 ** 40]), [/^zeros: /, /overflow/]);
  });
});

test('out-of-range indices and dims are errors, not crashes', () => {
  tidy(() => {
    const x = zeros([2, 3]);
    throwsWith(() => x.gather(1, tensor([[7], [0]])), [/^gather: /, /index 7 is out of bounds for dimension 1 with size 3/]);
    throwsWith(() => x.indexSelect(0, tensor([5])), [/^indexSelect: /, /out of range/]);
    throwsWith(() => x.index([tensor([2])]), [/^index: /, /out of bounds/]);
    throwsWith(() => x.scatter(1, tensor([[3]]), 1), [/^scatterS?: /, /out of bounds/]);
    throwsWith(() => x.select(0, 5), [/^select: /, /index 5 out of range/]);
    throwsWith(() => x.narrow(1, 2, 5), [/^narrow: /, /exceeds dimension size/]);
    throwsWith(() => x.sum(2), [/^sum: /, /Dimension out of range/]);
    throwsWith(() => x.squeeze(3), [/Dimension out of range/]);
    throwsWith(() => x.permute(0, 0), [/^permute: /, /duplicate dims/]);
    throwsWith(() => x.topk(5), [/^topk: /, /out of range/]);
    throwsWith(() => T.nllLoss(zeros([2, 3]), tensor([0, 5])), [/^nllLoss: /, /Target 5 is out of bounds/]);
    throwsWith(() => T.oneHot(tensor([-1, 2])), [/^oneHot: /, /non-negative/]);
    throwsWith(() => T.oneHot(tensor([0, 4]), 3), [/^oneHot: /, /smaller than num_classes/]);
    throwsWith(() => x.item(), [/item: tensor has 6 elements, expected 1/], RangeError);
    throwsWith(() => x.size(5), [/size\(5\): tensor has 2 dimensions/], RangeError);
    throwsWith(() => T.dropout(x, 1.5), [/^dropout: /, /between 0 and 1/]);
  });
});

test('autograd misuse: non-scalar backward, no graph, in-place on a leaf', () => {
  tidy(() => {
    throwsWith(() => zeros([2]).requiresGrad_().mul(2).backward(), [/^backward: /, /only for scalar outputs/]);
    throwsWith(() => zeros([]).backward(), [/^backward: /, /does not require grad/]);
    throwsWith(() => zeros([2]).requiresGrad_().add_(1), [/leaf Variable that requires grad .* in-place/]);
    const x = zeros([2]).requiresGrad_();
    const y = x.mul(x).sum();
    y.backward();
    throwsWith(() => y.backward(), [/^backward: /, /second time/]);
  });
});

test('a mask must be boolean (float masks are silently misread by libtorch 1.13)', () => {
  tidy(() => {
    throwsWith(() => zeros([2]).maskedFill(f32([0, 1]), 1), [/mask/i, /bool/i]);
    throwsWith(() => zeros([2]).maskedSelect(f32([0, 1])), [/mask/i, /bool/i]);
  });
});

test('setting .grad checks shape and dtype like PyTorch', () => {
  tidy(() => {
    const x = zeros([2]).requiresGrad_();
    throwsWith(() => { x.grad = zeros([3]); }, [/size/]);
    throwsWith(() => { x.grad = tensor([1, 2]); }, [/type/]);
  });
});

test('tensor() rejects nested arrays whose depth varies', () => {
  tidy(() => {
    throwsWith(() => tensor([1, [2]] as unknown as number[]), [/ragged/], RangeError);
    throwsWith(() => tensor([1, [2, 3]] as unknown as number[]), [/ragged/], RangeError);
    throwsWith(() => tensor([[1, 2], [[3], [4]]] as unknown as number[]), [/ragged/], RangeError);
  });
});

test('errors from argument decoding name the op', () => {
  tidy(() => {
    throwsWith(() => zeros([2]).reshape('a' as unknown as number), [/^reshape: /]);
    throwsWith(() => zeros([2]).to('int16' as T.DType), [/dtype/]);
    throwsWith(() => zeros([2]).unsqueeze(Infinity), [/expected an integer/], TypeError);
  });
});

test('after all these errors the process keeps working and nothing leaked', () => {
  const before = memory().liveTensors;
  for (let i = 0; i < 20; i++) {
    assert.throws(() => tidy(() => zeros([2, 3]).add(ones([2])).matmul(ones([9]))));
    assert.throws(() => tidy(() => ones([3]).gather(0, zeros([1]))));
    assert.throws(() => tidy(() => T.conv2d(ones([1, 2, 4, 4]), ones([1, 3, 3, 3]))));
  }
  assert.equal(memory().liveTensors, before, 'tensors made before the throw inside tidy() were freed');
  const r = tidy(() => T.conv2d(ones([1, 1, 3, 3]), ones([1, 1, 3, 3])).sum().item());
  assert.equal(r, 9);
  assert.equal(memory().liveTensors, before);
});

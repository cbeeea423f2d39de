// Autocast through libtorch (torch.autocast): on the CPU (libtorch 1.13: bfloat16 only) a convolution under
// withAutocast runs in bfloat16 and matches the float32 convolution within bfloat16's precision; the state
// is restored after the scope, also when it throws; gradients of float32 weights stay float32.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { conv2d, manualSeed, randn, tidy, withAutocast, isAutocastEnabled, autocastDtype, winogradAvailable, withConvAlgorithm } from '../../src/tensor/index.js';
import { assertClose } from '../helpers.js';

test('autocast: a conv on the CPU gives bfloat16 output close to the float32 conv', () => tidy(() => {
  manualSeed(3);
  const x = randn([2, 3, 8, 8]);
  const w = randn([4, 3, 3, 3]);
  const b = randn([4]);
  const ref = conv2d(x, w, b, { padding: 1 });
  const y = withAutocast('cpu', 'bfloat16', () => conv2d(x, w, b, { padding: 1 }));
  assert.equal(ref.dtype, 'float32');
  assert.equal(y.dtype, 'bfloat16');
  // inputs rounded to 8 significant bits, 27 products summed: |error| well under 0.1 for N(0,1) data (|y| ~ 5)
  assertClose(y.float(), ref.toArray(), 2 ** -6, 0.1, 'bf16 conv');
  assert.ok(y.float().sub(ref).abs().max().item() > 0, 'the autocast conv really ran in lower precision');
}));

test('autocast: state is restored after the scope, nested scopes, and a throwing body', () => {
  assert.equal(isAutocastEnabled('cpu'), false);
  const before = autocastDtype('cpu');
  withAutocast('cpu', 'bfloat16', () => {
    assert.equal(isAutocastEnabled('cpu'), true);
    withAutocast('cpu', 'bfloat16', () => assert.equal(isAutocastEnabled('cpu'), true));
    assert.equal(isAutocastEnabled('cpu'), true, 'an inner scope keeps the outer one on');
  });
  assert.equal(isAutocastEnabled('cpu'), false);
  assert.throws(() => withAutocast('cpu', 'bfloat16', () => { throw new Error('boom'); }), /boom/);
  assert.equal(isAutocastEnabled('cpu'), false);
  assert.equal(autocastDtype('cpu'), before);
  assert.throws(() => withAutocast('tpu', 'bfloat16', () => 0), /device must be cpu or cuda/);
  assert.throws(() => withAutocast('cpu', 'float32' as never, () => 0), /dtype must be float16 or bfloat16/);
});

test('autocast: backward through a bfloat16 conv gives float32 gradients for float32 weights', () => tidy(() => {
  manualSeed(4);
  const x = randn([1, 2, 5, 5]);
  const w = randn([3, 2, 3, 3]).requiresGrad_();
  const loss = withAutocast('cpu', 'bfloat16', () => conv2d(x, w, null, { padding: 1 }).float().square().mean());
  loss.backward();
  assert.equal(w.grad!.dtype, 'float32');
  // reference: the float32 gradient; bfloat16 forward/backward agree to ~1%
  const w32 = w.detach().requiresGrad_();
  conv2d(x, w32, null, { padding: 1 }).square().mean().backward();
  assertClose(w.grad!, w32.grad!.toArray(), 0.05, 0.02, 'dL/dw');
}));

test('autocast: the Winograd conv steps aside inside a CPU autocast scope', { skip: !winogradAvailable() && 'Winograd unavailable in this build' }, () => tidy(() => {
  manualSeed(5);
  const x = randn([1, 16, 12, 12]);
  const w = randn([16, 16, 3, 3]);
  const y = withConvAlgorithm('winograd', () => withAutocast('cpu', 'bfloat16', () => conv2d(x, w, null, { padding: 1 })));
  assert.equal(y.dtype, 'bfloat16');
}));

// Autocast through libtorch (torch.autocast): on the CPU (libtorch 1.13: bfloat16 only) a convolution under
// withAutocast runs in bfloat16 and matches the float32 convolution within bfloat16's precision; the state
// is restored after the scope, also when it throws; gradients of float32 weights stay float32; the strided
// convolutions whose bfloat16 weight gradient libtorch 1.13 gets wrong run in float32.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { conv2d, full, manualSeed, randn, tidy, withAutocast, isAutocastEnabled, autocastDtype, winogradAvailable, withConvAlgorithm } from '../../src/tensor/index.js';
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

test('autocast: a strided conv with a 1-pixel output side runs in float32 on the CPU, so its weight gradient is right', () => {
  // libtorch 1.13's bfloat16 conv leaves garbage (often NaN) in such weight gradients: in 1x1 / 3x1 inputs, kernel 3,
  // stride 2, pad 1, the taps that see only padding must get exactly 0 (scripts/fixtures/bf16_conv_grad.py).
  manualSeed(6);
  for (const [h, w] of [[1, 1], [3, 1], [1, 2]] as const) {
    for (let trial = 0; trial < 5; trial++) tidy(() => {
      for (let j = 0; j < 4; j++) full([16 * 16 * 9 * 4], Number.NaN).dispose(); // NaN where the kernel may read
      const x = randn([2, 16, h, w]).to('bfloat16');
      const wt = randn([16, 16, 3, 3]).requiresGrad_();
      const y = withAutocast('cpu', 'bfloat16', () => conv2d(x, wt, null, { stride: 2, padding: 1 }));
      assert.equal(y.dtype, 'float32', `${h}x${w}: routed to float32`);
      y.square().sum().backward();
      const w32 = wt.detach().requiresGrad_();
      conv2d(x.float(), w32, null, { stride: 2, padding: 1 }).square().sum().backward();
      assertClose(wt.grad!, w32.grad!.toArray(), 1e-5, 1e-4, `${h}x${w} trial ${trial}: dL/dw`);
    });
  }
  // A strided conv with a larger output stays in bfloat16.
  tidy(() => assert.equal(withAutocast('cpu', 'bfloat16', () => conv2d(randn([1, 4, 6, 6]), randn([4, 4, 3, 3]), null, { stride: 2, padding: 1 })).dtype, 'bfloat16'));
});

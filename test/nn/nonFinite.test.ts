// firstNonFinite: the sum-based fast path must agree with an element-wise isfinite check on every case where
// a sum can mislead (NaN, +inf, -inf, +inf and -inf together, finite values whose float32 sum overflows).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { tensor, tidy, type Tensor } from '../../src/tensor/index.js';
import { firstNonFinite } from '../../src/nn/index.js';

const f32 = (v: number[]): Tensor => tensor(v, { dtype: 'float32' });

test('firstNonFinite: null when every element is finite, even where a float32 sum overflows', () => {
  tidy(() => {
    assert.equal(firstNonFinite([['a', f32([1, 2])], ['b', f32([3e38, 3e38, -1])], ['c', null]]), null);
    assert.equal(firstNonFinite([]), null);
  });
});

test('firstNonFinite: names the first tensor holding NaN, +inf, -inf or both infinities', () => {
  tidy(() => {
    for (const bad of [[1, NaN], [Infinity, 0], [-Infinity], [Infinity, -Infinity]]) {
      assert.equal(firstNonFinite([['ok', f32([1, 2])], ['big', f32([3e38, 3e38])], ['bad', f32(bad)], ['later', f32([NaN])]]), 'bad', `[${bad.join(', ')}]`);
    }
    assert.equal(firstNonFinite([['w', f32([5]).reshape(1, 1)], ['g', f32([0, 0, NaN, 0]).reshape(2, 2)]]), 'g');
  });
});

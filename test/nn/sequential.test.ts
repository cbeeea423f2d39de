// Sequential.forward (src/nn/sequential.ts) disposes each intermediate once the next layer has consumed it, as
// PyTorch frees an activation with its last reference: the live tensors during a chain stay bounded, the input
// and output survive, an identity (or in-place) layer's result is not disposed, and gradients still flow.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Block, Sequential } from '../../src/nn/index.js';
import { memory, randn, tidy, type Tensor } from '../../src/tensor/index.js';

const live = (): number => memory().liveTensors;

test('Sequential disposes consumed intermediates; input, output and pass-through results survive; backward works', () => {
  const seen: number[] = [];
  class Double extends Block {
    forward(x: Tensor): Tensor {
      seen.push(live());
      return x.mul(2);
    }
  }
  class Identity extends Block {
    forward(x: Tensor): Tensor {
      return x;
    }
  }
  const seq = new Sequential();
  seq.add(...Array.from({ length: 8 }, () => new Double()), new Identity(), new Double());
  tidy(() => {
    const x = randn([3]).requiresGrad_();
    const start = live();
    const y = seq.forward(x);
    assert.ok(!x.isDisposed && !y.isDisposed);
    assert.ok(Math.max(...seen) - start <= 1, `at most one intermediate alive between layers, saw ${seen.map((n) => n - start).join(',')}`);
    assert.equal(live() - start, 1, 'only the output is new after the chain');
    y.sum().backward();
    const g = x.grad!.toArray();
    g.forEach((v: number) => assert.equal(v, 2 ** 9, 'd(2^9 x)/dx through disposed intermediates'));
  });
});

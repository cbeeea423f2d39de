// Shape and layout ops against numpy fixtures: reshape/view/permute/transpose/flatten/expand/squeeze/unsqueeze/
// repeat/flip/cat/stack/split/chunk/slice/select/narrow/pad; plus view semantics, contiguity and channels-last.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { cat, stack, pad, tidy, memory, arange, zeros, tensor, type Tensor } from '../../src/tensor/index.js';
import { loadFixture } from '../helpers.js';
import { decode, expectOut, runOpCases, type OpCase } from './fixture-tensors.js';

const fx = loadFixture<{ cases: OpCase[]; channelsLastStrides: { shape: number[]; strides: number[] } }>('tensor_shape.json');

const OPS: Record<string, (...a: any[]) => Tensor | Tensor[]> = {
  reshape: (x, s) => x.reshape(s),
  view: (x, s) => x.view(...s),
  permute: (x, d) => x.permute(d),
  transpose: (x, a, b) => x.transpose(a, b),
  flatten: (x, s, e) => x.flatten(s, e),
  expand: (x, s) => x.expand(s),
  squeeze: (x, d) => x.squeeze(d),
  unsqueeze: (x, d) => x.unsqueeze(d),
  repeat: (x, r) => x.repeat(...r),
  flip: (x, d) => x.flip(d),
  cat: (ts, d) => cat(ts, d),
  stack: (ts, d) => stack(ts, d),
  split: (x, s, d) => x.split(s, d),
  chunk: (x, n, d) => x.chunk(n, d),
  slice: (x, d, s, e, st) => x.slice(d, s, e, st),
  select: (x, d, i) => x.select(d, i),
  narrow: (x, d, s, l) => x.narrow(d, s, l),
  pad: (x, p, v) => pad(x, p, v),
};

test('shape ops match numpy', async (t) => {
  await runOpCases(t, fx.cases, OPS, 0, 0);
});

test('views share memory with their base; reshape of a non-contiguous tensor copies', () => {
  tidy(() => {
    const base = arange(12).reshape(3, 4).float();
    const v = base.view(4, 3);
    v.fill_(1);
    assert.equal(base.sum().item(), 12, 'view writes through');
    const tr = base.transpose(0, 1);
    tr.select(0, 0).fill_(5); // column 0 of base
    assert.deepEqual(base.select(1, 0).toArray(), [5, 5, 5]);
    const n = base.narrow(1, 1, 2);
    n.zero_();
    assert.deepEqual(base.tolist(), [[5, 0, 0, 1], [5, 0, 0, 1], [5, 0, 0, 1]]);
    const e = tensor([1, 2], { dtype: 'float32' }).unsqueeze(1).expand(2, 3);
    assert.deepEqual(e.strides(), [1, 0], 'expand does not copy');
    const r = tr.reshape(-1); // not viewable: a copy, in transposed order
    assert.deepEqual(r.toArray(), [5, 5, 5, 0, 0, 0, 0, 0, 0, 1, 1, 1]);
    r.fill_(7);
    assert.equal(base.sum().item(), 18, 'writing the reshaped copy leaves base unchanged');
  });
});

test('contiguous() and channels-last layout', () => {
  tidy(() => {
    const t = arange(24).reshape(1, 2, 3, 4).float().permute(0, 2, 3, 1);
    assert.equal(t.isContiguous(), false);
    const c = t.contiguous();
    assert.equal(c.isContiguous(), true);
    assert.deepEqual(c.toArray(), t.toArray(), 'same logical values');
    const { shape, strides } = fx.channelsLastStrides;
    const cl = zeros(shape).contiguous('channelsLast');
    assert.deepEqual(cl.strides(), strides, 'strides equal torch channels_last');
    assert.equal(cl.isChannelsLast(), true);
    assert.equal(zeros(shape).isChannelsLast(), false);
    const x = arange(120).reshape(shape).float();
    const xcl = x.contiguous('channelsLast');
    assert.ok(x.sub(xcl).abs().max().item() === 0, 'channels-last keeps logical values');
    assert.deepEqual(xcl.shape, shape);
  });
});

test('expandAs and split/chunk outputs are views of the input', () => {
  tidy(() => {
    const a = tensor([[1], [2]], { dtype: 'float32' });
    assert.deepEqual(a.expandAs(zeros([2, 3])).tolist(), [[1, 1, 1], [2, 2, 2]]);
    const x = arange(6).float();
    const [p] = x.split(2);
    p!.fill_(-1);
    const [, q] = x.chunk(3);
    q!.fill_(-2);
    assert.deepEqual(x.toArray(), [-1, -1, -2, -2, 4, 5]);
  });
});

test('shape ops leave no live tensors behind a tidy()', () => {
  const before = memory().liveTensors;
  tidy(() => {
    for (const c of fx.cases) OPS[c.op]!(...decode(c.args));
    zeros([2, 3, 4, 5]).contiguous('channelsLast').contiguous();
  });
  assert.equal(memory().liveTensors, before);
});

// SSDAnchorGeneratorBlock (spec §2.5): the constant anchor grid `anchor_{i}`, the top-left H x W slice for a
// feature map, and maps larger than the precomputed grid.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { memory, tidy, zeros } from '../../src/tensor/index.js';
import { resetNameCounters } from '../../src/nn/index.js';
import { SSDAnchorGenerator } from '../../src/detection/index.js';
import { SSDAnchorGeneratorBlock } from '../../src/models/index.js';

test('the anchor constant is the generator grid; forward slices the top-left H x W, or computes larger maps', () => {
  const before = memory().liveTensors;
  resetNameCounters();
  const opts = { index: 2, imSize: [300, 300] as [number, number], sizes: [111, 162] as [number, number], ratios: [1, 2, 0.5, 3, 1 / 3], step: 32 };
  const block = new SSDAnchorGeneratorBlock({ ...opts, allocSize: [4, 4] });
  const gen = new SSDAnchorGenerator(opts);
  assert.equal(block.anchors.name, 'ssdanchorgenerator0_anchor_2');
  assert.deepEqual(block.anchors.shape, [1, 1, 4, 4, 24]);
  assert.equal(block.anchors.gradReq, 'null');
  assert.equal(block.numDepth, 6);
  block.initialize();
  tidy(() => {
    assert.deepEqual(block.anchors.data().reshape(-1).toArray(), Array.from(gen.fill(4, 4)));
    // 3 x 2 map: rows 0..2, columns 0..1 of the grid, in (y, x, anchor) order.
    const a = block.forward(zeros([1, 8, 3, 2]));
    assert.deepEqual(a.shape, [1, 3 * 2 * 6, 4]);
    assert.deepEqual(a.reshape(-1).toArray(), Array.from(gen.fill(3, 2)));
    const big = block.forward(zeros([1, 8, 6, 5]));
    assert.deepEqual(big.shape, [1, 6 * 5 * 6, 4]);
    assert.deepEqual(big.reshape(-1).toArray(), Array.from(gen.fill(6, 5)));
  });
  block.dispose();
  assert.equal(memory().liveTensors, before);
});

// The ONNX ops of single blocks (src/export/blockOps.ts) run by onnxruntime-node against the block's own forward
// (eval mode): the residual blocks of ResNet v1 and v1b (with and without a downsampling shortcut), MaxPool2D in
// MXNet's ceil mode where libtorch would drop the last window (the -inf end pad case), AvgPool2D, Dense and
// L2Normalization; an unknown block kind is an error naming it.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import ort from 'onnxruntime-node';
import { manualSeed, noGrad, randn, tidy, type Tensor } from '../../src/tensor/index.js';
import { AvgPool2D, Block, Dense, L2Normalization, MaxPool2D, Sequential, init } from '../../src/nn/index.js';
import { BasicBlockV1, BottleneckV1, BasicBlockV1b, BottleneckV1b } from '../../src/models/index.js';
import { Conv2D, BatchNorm } from '../../src/nn/index.js';
import { GraphBuilder } from '../../src/export/graph.js';
import { emitLayer } from '../../src/export/blockOps.js';
import { encodeModel } from '../../src/export/onnxWriter.js';
import { randomizeBatchNorms } from './randomStats.js';

type LayerBlock = Block & { forward(x: Tensor): Tensor };

async function compare(block: LayerBlock, shape: number[]): Promise<number> {
  block.initialize(init.Normal(0.3));
  randomizeBatchNorms(block);
  const g = new GraphBuilder();
  const y = emitLayer(g, block, g.input('data', [-1, ...shape.slice(1)]));
  g.output('y', y);
  const session = await ort.InferenceSession.create(encodeModel(g.toModel({ opset: 13, producer: 'test' })));
  const x = randn(shape);
  const want = noGrad(() => tidy(() => block.forward(x).contiguous().toTypedArray() as Float32Array));
  const out = (await session.run({ data: new ort.Tensor('float32', x.toTypedArray() as Float32Array, shape) })).y!;
  assert.deepEqual(out.dims, g.shape(y).map((d, i) => (d < 0 ? shape[i] : d)));
  x.dispose();
  await session.release();
  block.dispose();
  const got = out.data as Float32Array;
  assert.equal(got.length, want.length);
  let err = 0;
  for (let i = 0; i < got.length; i++) {
    if (got[i] === want[i]) continue; // also equal infinities (a max-pool window wholly in the padding)
    err = Math.max(err, Math.abs(got[i]! - want[i]!) / Math.max(1, Math.abs(want[i]!)));
  }
  return err;
}

function downsample(inChannels: number, channels: number, stride: number): Sequential {
  return new Sequential().add(new Conv2D({ channels, inChannels, kernelSize: 1, strides: stride, useBias: false }), new BatchNorm({ inChannels: channels }));
}

const CASES: [string, () => LayerBlock, number[]][] = [
  ['BasicBlockV1 with downsample', () => new BasicBlockV1({ channels: 8, stride: 2, downsample: true, inChannels: 4 }), [2, 4, 9, 9]],
  ['BottleneckV1 identity shortcut', () => new BottleneckV1({ channels: 8, stride: 1, downsample: false, inChannels: 8 }), [2, 8, 7, 7]],
  ['BasicBlockV1b with downsample', () => new BasicBlockV1b({ planes: 8, inChannels: 4, strides: 2, downsample: downsample(4, 8, 2) }), [2, 4, 9, 9]],
  ['BottleneckV1b with downsample', () => new BottleneckV1b({ planes: 4, inChannels: 8, strides: 2, downsample: downsample(8, 16, 2) }), [1, 8, 8, 8]],
  // 2x2/2 ceil on 5: MXNet's 'full' gives 3 windows, the last one starting at the last row/column.
  ['MaxPool2D ceil mode, odd size', () => new MaxPool2D({ poolSize: 2, strides: 2, ceilMode: true }), [2, 3, 5, 7]],
  // 3x3/2 pad 1 ceil on 6: ceil((6+2-3)/2)+1 = 4 windows, the last one reaching one past the padding.
  ['MaxPool2D ceil mode, end pad beyond the padding', () => new MaxPool2D({ poolSize: 3, strides: 2, padding: 1, ceilMode: true }), [1, 2, 6, 6]],
  // 2x2/2 pad 1 ceil on 5: 4 windows in MXNet, the last starting in the right padding (libtorch drops it).
  ['MaxPool2D ceil mode, last window in the padding', () => new MaxPool2D({ poolSize: 2, strides: 2, padding: 1, ceilMode: true }), [1, 2, 5, 5]],
  ['AvgPool2D', () => new AvgPool2D({ poolSize: 3, strides: 2, padding: 1 }), [1, 2, 7, 7]],
  ['Dense (flatten)', () => new Dense({ units: 5, inUnits: 3 * 4 * 4, activation: 'relu' }), [2, 3, 4, 4]],
  ['L2Normalization', () => new L2Normalization({ channels: 6, initial: 20 }), [2, 6, 3, 3]],
];

for (const [name, make, shape] of CASES) {
  test(`ONNX ops of ${name} equal its forward`, async () => {
    manualSeed(11);
    const err = await compare(make(), shape);
    assert.ok(err <= 1e-5, `max relative error ${err}`);
  });
}

test('a block kind without ONNX ops is an error naming it', () => {
  class Mystery extends Block {
    forward(x: Tensor): Tensor {
      return x;
    }
  }
  const g = new GraphBuilder();
  assert.throws(() => emitLayer(g, new Mystery(), g.input('data', [-1, 3, 4, 4])), /no ONNX ops for block Mystery \(mystery0\)/);
});

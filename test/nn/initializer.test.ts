// Initializers (spec §5): statistics of every variant against MXNet 1.9.1's formulas on the SSD predictor shape
// (84, 512, 3, 3), reproducibility under manualSeed, and initialize()/forceReinit precedence and warnings.
import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { type Tensor, empty, manualSeed, tidy, noGrad, tensor } from '../../src/tensor/index.js';
import { Block, Conv2D, Dense, Parameter, init, xavierScale, resetNameCounters, type Initializer } from '../../src/nn/index.js';
import { stats } from './util.js';

const SHAPE = [84, 512, 3, 3]; // the first class predictor of SSD300-VGG VOC
const FAN_IN = 512 * 9;
const FAN_OUT = 84 * 9;

function draw(initializer: Initializer, shape = SHAPE): Tensor {
  return noGrad(() => {
    const t = empty(shape);
    initializer.initWeight('test_weight', t);
    return t;
  });
}

/** Asserts the draws look like U(-bound, bound): inside, reaching close to both ends, std bound/sqrt(3). */
function assertUniform(initializer: Initializer, bound: number, what: string): void {
  tidy(() => {
    const s = stats(draw(initializer));
    assert.ok(s.min >= -bound && s.max <= bound, `${what}: range [${s.min}, ${s.max}] exceeds ±${bound}`);
    assert.ok(s.max > bound * 0.999 && s.min < -bound * 0.999, `${what}: range [${s.min}, ${s.max}] does not reach ±${bound}`);
    const std = bound / Math.sqrt(3);
    assert.ok(Math.abs(s.std - std) < 0.01 * std, `${what}: std ${s.std}, expected ${std}`);
    assert.ok(Math.abs(s.mean) < (5 * std) / Math.sqrt(s.n), `${what}: mean ${s.mean}`);
  });
}

/** Asserts the draws look like N(0, sigma): std within 1%, mean near 0, tails beyond 4 sigma (not uniform). */
function assertGaussian(initializer: Initializer, sigma: number, what: string): void {
  tidy(() => {
    const s = stats(draw(initializer));
    assert.ok(Math.abs(s.std - sigma) < 0.01 * sigma, `${what}: std ${s.std}, expected ${sigma}`);
    assert.ok(Math.abs(s.mean) < (5 * sigma) / Math.sqrt(s.n), `${what}: mean ${s.mean}`);
    assert.ok(s.max > 4 * sigma && s.min < -4 * sigma, `${what}: range [${s.min}, ${s.max}] has no gaussian tails`);
  });
}

test('Uniform(scale) is U(-scale, scale), default 0.07', () => {
  manualSeed(1);
  assertUniform(init.Uniform(), 0.07, 'Uniform()');
  assertUniform(init.Uniform(0.5), 0.5, 'Uniform(0.5)');
});

test('Normal(sigma) is N(0, sigma), default 0.01', () => {
  manualSeed(2);
  assertGaussian(init.Normal(), 0.01, 'Normal()');
  assertGaussian(init.Normal(0.2), 0.2, 'Normal(0.2)');
});

test('xavierScale matches the spec table (predictor bounds, extras stds)', () => {
  assert.ok(Math.abs(xavierScale([84, 512, 3, 3], 'avg', 2) - 0.027308) < 1e-6);
  assert.ok(Math.abs(xavierScale([16, 512, 3, 3], 'avg', 2) - 0.029013) < 1e-6);
  assert.ok(Math.abs(xavierScale([126, 1024, 3, 3], 'avg', 2) - 0.019659) < 1e-6);
  assert.ok(Math.abs(xavierScale([256, 1024, 1, 1], 'out', 2) - 0.0884) < 1e-4);
  assert.ok(Math.abs(xavierScale([512, 256, 3, 3], 'out', 2) - 0.02083) < 1e-5);
  assert.equal(xavierScale([10, 20], 'in', 3), Math.sqrt(3 / 20), '2-D shapes have no kernel factor');
});

test('Xavier: every rndType x factorType, with the fans of (84, 512, 3, 3)', () => {
  manualSeed(3);
  const factors = { avg: (FAN_IN + FAN_OUT) / 2, in: FAN_IN, out: FAN_OUT } as const;
  for (const factorType of ['avg', 'in', 'out'] as const) {
    for (const magnitude of [2, 3]) {
      const scale = Math.sqrt(magnitude / factors[factorType]);
      assertUniform(init.Xavier({ rndType: 'uniform', factorType, magnitude }), scale, `Xavier(uniform, ${factorType}, ${magnitude})`);
      assertGaussian(init.Xavier({ rndType: 'gaussian', factorType, magnitude }), scale, `Xavier(gaussian, ${factorType}, ${magnitude})`);
    }
  }
  // MXNet's defaults: uniform, avg, magnitude 3
  assertUniform(init.Xavier(), Math.sqrt(3 / factors.avg), 'Xavier()');
});

test('MSRAPrelu is Xavier(gaussian, factorType, 2 / (1 + slope^2))', () => {
  manualSeed(4);
  assertGaussian(init.MSRAPrelu(), Math.sqrt(2 / 1.0625 / ((FAN_IN + FAN_OUT) / 2)), 'MSRAPrelu()');
  assertGaussian(init.MSRAPrelu({ factorType: 'in', slope: 0 }), Math.sqrt(2 / FAN_IN), 'MSRAPrelu(in, 0)');
});

test('Constant, Zero and One fill exactly; Constant broadcasts an array value', () => {
  tidy(() => {
    assert.deepEqual([...new Set(draw(init.Constant(20), [3, 4]).toArray())], [20]);
    assert.deepEqual([...new Set(draw(init.Zero(), [5]).toArray())], [0]);
    assert.deepEqual([...new Set(draw(init.One(), [2, 2]).toArray())], [1]);
    assert.deepEqual(draw(init.Constant([[[[1]], [[2]], [[3]]]]), [1, 3, 1, 2]).toArray(), [1, 1, 2, 2, 3, 3]);
    assert.deepEqual(draw(init.Constant(tensor([1.5, -2])), [2, 2]).toArray(), [1.5, -2, 1.5, -2]);
    assert.throws(() => draw(init.Constant([1, 2, 3]), [2, 2]), /does not fit/);
  });
});

test('Xavier refuses vectors; bad options are rejected', () => {
  assert.throws(() => tidy(() => draw(init.Xavier(), [16])), /cannot be applied to vector test_weight/);
  assert.throws(() => init.Xavier({ rndType: 'normal' as never }), /unknown rndType/);
  assert.throws(() => init.Xavier({ factorType: 'sum' as never }), /incorrect factorType/);
});

test('draws come from libtorch\'s generator: manualSeed reproduces them', () => {
  tidy(() => {
    manualSeed(233);
    const a = draw(init.Xavier({ rndType: 'gaussian', factorType: 'out', magnitude: 2 }), [8, 4, 3, 3]).toArray();
    const b = draw(init.Uniform(), [5]).toArray();
    manualSeed(233);
    assert.deepEqual(draw(init.Xavier({ rndType: 'gaussian', factorType: 'out', magnitude: 2 }), [8, 4, 3, 3]).toArray(), a);
    assert.deepEqual(draw(init.Uniform(), [5]).toArray(), b);
    assert.notDeepEqual(draw(init.Uniform(), [5]).toArray(), b);
  });
});

class Head extends Block {
  readonly conv: Conv2D;
  readonly dense: Dense;
  constructor() {
    super();
    const [conv, dense] = this.nameScope(() => [
      new Conv2D({ channels: 84, inChannels: 512, kernelSize: 3, padding: 1, weightInitializer: init.Xavier({ rndType: 'gaussian', factorType: 'out', magnitude: 2 }) }),
      new Dense({ units: 64, inUnits: 600 }),
    ] as const);
    this.conv = this.registerChild('conv', conv);
    this.dense = this.registerChild('dense', dense);
  }
}

function captureWarnings(t: TestContext): () => string[] {
  const m = t.mock.method(process, 'emitWarning', () => undefined);
  return () => m.mock.calls.map((c) => String(c.arguments[0]));
}

test("block.initialize(init): a parameter's own initializer wins over the argument, which is only the default", (t) => {
  resetNameCounters();
  manualSeed(5);
  const net = new Head();
  try {
    net.initialize(init.Normal(0.5));
    const own = stats(net.conv.weight.data());
    assert.ok(Math.abs(own.std - Math.sqrt(2 / FAN_OUT)) < 0.01 * Math.sqrt(2 / FAN_OUT), `conv weight std ${own.std}: its own Xavier`);
    const dflt = stats(net.dense.weight.data());
    assert.ok(Math.abs(dflt.std - 0.5) < 0.02 * 0.5, `dense weight std ${dflt.std}: the Normal(0.5) default`);
    assert.deepEqual([...new Set(net.conv.bias!.data().toArray())], [0], 'bias keeps its own Zero');

    // no argument: MXNet's default Uniform(0.07) for parameters without their own
    const bare = new Head();
    bare.initialize();
    const u = stats(bare.dense.weight.data());
    assert.ok(u.max <= 0.07 && u.min >= -0.07 && u.max > 0.069, `default Uniform range [${u.min}, ${u.max}]`);
    bare.dispose();

    // re-initializing without forceReinit warns once and changes nothing
    const warnings = captureWarnings(t);
    const before = net.dense.weight.data().toArray().slice(0, 10);
    net.initialize(init.Normal(3));
    assert.deepEqual(net.dense.weight.data().toArray().slice(0, 10), before);
    assert.equal(warnings().length, 1);
    assert.match(warnings()[0]!, /4 parameters are already initialized \(head0_conv0_weight, .*\), ignoring\. Set forceReinit/);

    // forceReinit re-draws in place (same tensor), own initializers still first
    const handle = net.dense.weight.data();
    net.initialize(init.Normal(3), { forceReinit: true });
    assert.equal(net.dense.weight.data(), handle);
    assert.ok(Math.abs(stats(handle).std - 3) < 0.06, 'dense re-drawn from the new default');
    assert.ok(stats(net.conv.weight.data()).std < 0.06, 'conv re-drawn from its own Xavier');
  } finally {
    net.dispose();
  }
});

test('parameter.initialize(init, { forceReinit }): the explicit initializer beats the own one (the tutorial tip)', (t) => {
  resetNameCounters();
  manualSeed(6);
  const net = new Head().initialize();
  try {
    const pred = net.collectParams('.*conv0_weight').get('head0_conv0_weight')!;
    assert.equal(pred.initialize(init.Uniform(), { forceReinit: true }), true);
    const u = stats(pred.data());
    assert.ok(u.max <= 0.07 && u.min >= -0.07 && Math.abs(u.std - 0.07 / Math.sqrt(3)) < 0.001, `Uniform: ${JSON.stringify(u)}`);
    pred.initialize(init.Xavier({ rndType: 'gaussian', magnitude: 2, factorType: 'out' }), { forceReinit: true });
    assert.ok(Math.abs(stats(pred.data()).std - Math.sqrt(2 / FAN_OUT)) < 0.01 * Math.sqrt(2 / FAN_OUT));

    const warnings = captureWarnings(t);
    const before = pred.data().toArray().slice(0, 5);
    assert.equal(pred.initialize(init.Zero()), false);
    assert.deepEqual(pred.data().toArray().slice(0, 5), before);
    assert.deepEqual(warnings(), ["Parameter 'head0_conv0_weight' is already initialized, ignoring. Set forceReinit: true to re-initialize."]);
  } finally {
    net.dispose();
  }
});

test('a bare parameter falls back to defaultInit, then Uniform; forceReinit drops its gradient', () => {
  const p = new Parameter('w', { shape: [1000] });
  const q = new Parameter('v', { shape: [1000] });
  try {
    p.initialize(null, { defaultInit: init.One() });
    assert.deepEqual([...new Set(p.data().toArray())], [1]);
    q.initialize();
    const s = stats(q.data());
    assert.ok(s.max <= 0.07 && s.min >= -0.07 && s.std > 0.03);
    tidy(() => p.data().mul(2).sum().backward());
    assert.ok(p.grad() !== null);
    p.initialize(init.Zero(), { forceReinit: true });
    assert.equal(p.grad(), null);
    assert.equal(p.data().requiresGrad, true);
  } finally {
    p.dispose();
    q.dispose();
  }
});

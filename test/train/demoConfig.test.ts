// The demo's schedule (hand-derived): linear warm-up from 0, then cosine to 0 at the last epoch; and the recipe's
// anchors reach the preset.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { DEMO_RECIPE, demoSchedule, demoTrainOptions } from '../../src/train/demoConfig.js';
import { buildFromSpec, demoPreset, type DemoBase } from '../../src/train/modelSpec.js';

test('demoSchedule: 0 -> lr over the warm-up, lr/2 half way through the cosine, 0 at the end', () => {
  const at = demoSchedule({ lr: 0.004, warmupEpochs: 0.5, epochs: 10.5 });
  assert.equal(at(0), 0);
  assert.ok(Math.abs(at(0.25) - 0.002) < 0.004 / 400, `warm-up half way ${at(0.25)}`);
  assert.ok(Math.abs(at(0.5) - 0.004) < 1e-12);
  assert.ok(Math.abs(at(5.5) - 0.002) < 0.004 / 5000, `cosine half way ${at(5.5)}`); // (1 + cos(pi/2)) / 2
  assert.ok(Math.abs(at(3) - 0.004 * (1 + Math.cos(Math.PI / 4)) / 2) < 0.004 / 5000, `cosine a quarter in ${at(3)}`);
  assert.ok(at(10.5) < 1e-9 && at(12) < 1e-9, 'zero at and after the end');
  assert.equal(demoTrainOptions().lrAt!(0.5), DEMO_RECIPE.lr);
});

test("demoPreset: the recipe's anchor sizes as fractions of the input; bad lists are refused", () => {
  const p = demoPreset(192, DEMO_RECIPE.anchorSizes);
  assert.deepEqual(p.sizes, DEMO_RECIPE.anchorSizes.map((f) => f * 192));
  assert.deepEqual(p.featureSizes, [24, 12, 6, 3, 2, 1]);
  assert.deepEqual(p.steps, [8, 16, 32, 64, 96, 192]);
  assert.throws(() => demoPreset(192, [0.1, 0.2]), /7 increasing positive fractions/);
  assert.throws(() => demoPreset(192, [0.1, 0.2, 0.3, 0.3, 0.5, 0.6, 0.7]), /7 increasing/);
});

test('demoPreset: the backbone width is the recipe\'s choice, and the network it builds has that width', () => {
  const p = demoPreset(64, DEMO_RECIPE.anchorSizes, 'mobilenet0.5');
  assert.equal(p.base, 'mobilenet0.5');
  assert.equal(p.name, 'ssd_64_mobilenet0.5_demo');
  const convWidth = (base: DemoBase): number => {
    const net = buildFromSpec({ name: 'w', preset: demoPreset(64, DEMO_RECIPE.anchorSizes, base), classes: ['a'] });
    const w = [...net.collectParams().values()].find((q) => q.shape.length === 4)!;
    net.dispose();
    return w.shape[0]!;
  };
  assert.equal(convWidth('mobilenet0.25'), 8, "MobileNet0.25's first convolution: 32 x 0.25 filters");
  assert.equal(convWidth('mobilenet0.5'), 16);
  assert.throws(() => demoPreset(64, DEMO_RECIPE.anchorSizes, 'mobilenet2' as DemoBase), /base must be one of mobilenet0.25, mobilenet0.5/);
});

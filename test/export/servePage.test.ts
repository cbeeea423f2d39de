// The `ssdkit serve` page in a real browser (issue 17 part 4): Debian's Chromium, driven by playwright-core
// (never a downloaded browser), loads the page that `ssdkit serve --prefix RUN` serves, gets a synthetic 128×128
// PNG through the page's file input, runs the model with onnxruntime-web (WASM) and GluonCV's per-class NMS in
// JavaScript; the detections read from the page must equal `detectImages` (libtorch, box_nms on tensors) on the
// same file: one-to-one, same classes, scores within 1e-4, boxes within 1e-3 pixels. The image has the
// model's input size, so both sides feed the network the same pixels (no resampling).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { chromium } from 'playwright-core';
import { manualSeed } from '../../src/tensor/index.js';
import { saveParameters } from '../../src/nn/index.js';
import { buildFromSpec, demoPreset, loadTrainedModel, saveModelSpec, type ModelSpec } from '../../src/train/modelSpec.js';
import { detectImages } from '../../src/train/detectImages.js';
import { ROOT } from '../helpers.js';
import { randomizeBatchNorms, spread } from './randomStats.js';

const CHROMIUM = '/usr/bin/chromium';
/** As root Chromium needs --no-sandbox (playwright adds it); the rest keep it off the closed network. */
const CHROMIUM_ARGS = ['--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'];
const S = 128;

/**
 * A 128×128 PNG: two rectangles on a gradient, with pixel noise everywhere (flat areas would give anchors exactly
 * equal scores, whose order then hangs on the last float bit).
 */
async function syntheticImage(path: string): Promise<void> {
  const data = Buffer.alloc(S * S * 3);
  let seed = 12345;
  const noise = (): number => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) % 24) - 12;
  const clamp = (v: number): number => Math.max(0, Math.min(255, v));
  for (let y = 0; y < S; y++) {
    for (let x = 0; x < S; x++) {
      const i = (y * S + x) * 3;
      const inA = x > 20 && x < 70 && y > 30 && y < 100;
      const inB = x > 80 && x < 120 && y > 10 && y < 50;
      data[i] = clamp((inA ? 230 : inB ? 30 : 2 * x) + noise());
      data[i + 1] = clamp((inA ? 40 : inB ? 200 : 2 * y) + noise());
      data[i + 2] = clamp((inA ? 50 : inB ? 60 : 128) + noise());
    }
  }
  await sharp(data, { raw: { width: S, height: S, channels: 3 } }).png().toFile(path);
}

/** Starts `ssdkit serve` on a free port; resolves with its address once it prints it. */
function startServe(prefix: string): Promise<{ child: ChildProcess; url: string }> {
  const child = spawn(process.execPath, [join(ROOT, 'dist/src/cli/main.js'), 'serve', '--prefix', prefix, '--port', '0'], { stdio: ['ignore', 'pipe', 'pipe'] });
  return new Promise((resolve, reject) => {
    let out = '';
    const onData = (b: Buffer): void => {
      out += b.toString();
      const m = /open (http:\/\/127\.0\.0\.1:\d+\/)/.exec(out);
      if (m) resolve({ child, url: m[1]! });
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', (b: Buffer) => (out += b.toString()));
    child.on('exit', (code) => reject(new Error(`ssdkit serve exited with ${code}:\n${out}`)));
  });
}

interface PageDetection {
  classId: number;
  score: number;
  box: number[];
}


test('ssdkit serve: the page detects in Chromium (onnxruntime-web + JS box_nms) what ssdkit detects', { skip: existsSync(CHROMIUM) ? false : `${CHROMIUM} is not installed (scripts/setup.sh installs Debian's chromium as root)` }, async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'ssdkit-serve-'));
  let serve: ChildProcess | undefined;
  const t0 = Date.now();
  const phases: string[] = [];
  const phase = (name: string): void => void phases.push(`${name} ${((Date.now() - t0) / 1000).toFixed(1)} s`);
  const browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS, headless: true });
  phase('browser started');
  try {
    manualSeed(4);
    const spec: ModelSpec = { name: `ssd_${S}_mobilenet0.25_demo`, preset: demoPreset(S), classes: ['square', 'bar', 'blob'] };
    const prefix = join(dir, 'run');
    const net0 = buildFromSpec(spec);
    randomizeBatchNorms(net0);
    saveParameters(`${prefix}_best.safetensors`, net0);
    saveModelSpec(`${prefix}_model.json`, spec);
    net0.dispose();
    const image = join(dir, 'scene.png');
    await syntheticImage(image);
    const { net } = loadTrainedModel(`${prefix}_model.json`, `${prefix}_best.safetensors`);
    const [expected] = await detectImages(net, [image], { dataShape: S, classes: spec.classes });
    const kept = net.postNms; // detections kept per image: where the list is cut
    net.dispose();

    phase('reference computed');
    const started = await startServe(prefix);
    phase('server up');
    serve = started.child;
    const page = await browser.newPage();
    const logs: string[] = [];
    page.on('console', (m) => logs.push(m.text()));
    await page.goto(`${started.url}?ep=wasm`);
    const settled = (states: string[]): Promise<unknown> =>
      page.waitForFunction(`${JSON.stringify(states)}.includes(document.body.dataset.state)`, undefined, { timeout: 60_000 });
    await settled(['ready', 'error']);
    phase('page ready');
    await page.setInputFiles('#file', image);
    await settled(['done', 'error']);
    phase('detections shown');
    const status = await page.textContent('#status');
    assert.equal(await page.getAttribute('body', 'data-state'), 'done', `page: ${status}\n${logs.join('\n')}`);
    const result = (await page.evaluate('window.ssdkitResult')) as { provider: string; width: number; detections: PageDetection[] };
    assert.equal(result.provider, 'wasm');
    assert.equal(result.width, S);

    const want = expected!.detections;
    const got = result.detections;
    assert.ok(want.length > 0, 'the reference has detections to compare');
    assert.ok(spread(want.map((d) => d.score)) > 0.01, 'the reference scores vary (not a degenerate network)');
    assert.equal(got.length, want.length, `page ${got.length} detections, ssdkit ${want.length}`);
    // Matched as sets: detections whose scores tie to float32 rounding may come in either order. The untrained
    // network scores flat parts of the image identically, so many anchors tie at the score where the list is cut
    // (postNms detections); which of those the two sorts keep is arbitrary, so a detection tied with the cut may have
    // no equal (the counts still agree, checked above). Every detection above the cut must have one.
    const cut = Math.min(...want.map((w) => w.score));
    const unused = new Set(want.keys());
    let scoreErr = 0;
    let boxErr = 0;
    let tiedAtCut = 0;
    for (const [i, d] of got.entries()) {
      const boxDiff = (j: number): number => Math.max(...d.box.map((v, k) => Math.abs(v - want[j]!.box[k]!)));
      const j = [...unused].find((k) => want[k]!.classId === d.classId && Math.abs(want[k]!.score - d.score) <= 1e-4 && boxDiff(k) <= 1e-3);
      if (j === undefined && want.length === kept && Math.abs(d.score - cut) <= 1e-4) {
        tiedAtCut++;
        continue;
      }
      assert.ok(j !== undefined, `page detection ${i} (${JSON.stringify(d)}) has no equal in ssdkit's`);
      unused.delete(j);
      scoreErr = Math.max(scoreErr, Math.abs(d.score - want[j]!.score));
      boxErr = Math.max(boxErr, boxDiff(j));
    }
    t.diagnostic(`elapsed: ${phases.join(', ')}`);
    t.diagnostic(`${got.length} detections (${tiedAtCut} tied with the cut and kept differently); max |score difference| ${scoreErr.toExponential(2)}, max |box difference| ${boxErr.toExponential(2)} px`);
    assert.ok(tiedAtCut <= 10, `${tiedAtCut} detections differ at the cut`);
    assert.ok(scoreErr <= 1e-4, `scores differ by ${scoreErr}`);
    assert.ok(boxErr <= 1e-3, `boxes differ by ${boxErr} px`);
    if (process.env.SSDKIT_SCREENSHOT) {
      // Boxes of the untrained model score about 0.3: show those above 0.3 for the picture.
      await page.evaluate(`(() => { const t = document.getElementById('thresh'); t.value = '0.3'; t.dispatchEvent(new Event('input')); })()`);
      await page.screenshot({ path: process.env.SSDKIT_SCREENSHOT, fullPage: true });
    }
  } finally {
    await browser.close();
    serve?.kill('SIGTERM');
    rmSync(dir, { recursive: true, force: true });
  }
});

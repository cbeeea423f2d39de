// `ssdkit export` and `ssdkit serve --onnx` from the command line: the exported file runs in onnxruntime-node with
// the run's classes and input size in its metadata, and with NMS has the extra output; the server hands out the
// model, its description and onnxruntime-web's files, nothing outside them, and nothing to another Host name; bad flags are usage errors.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { request } from 'node:http';
import { join } from 'node:path';
import ort from 'onnxruntime-node';
import { saveParameters } from '../../src/nn/index.js';
import { buildFromSpec, demoPreset, saveModelSpec, type ModelSpec } from '../../src/train/modelSpec.js';
import { parseOnnxMetadata } from '../../src/export/exportOnnx.js';
import { readModelMetadata } from '../../src/export/onnxWriter.js';
import { ROOT } from '../helpers.js';

const MAIN = join(ROOT, 'dist/src/cli/main.js');

function ssdkit(...args: string[]): { status: number | null; out: string } {
  const r = spawnSync(process.execPath, [MAIN, ...args], { encoding: 'utf8' });
  return { status: r.status, out: r.stdout + r.stderr };
}

function makeRun(dir: string): string {
  const spec: ModelSpec = { name: 'ssd_64_mobilenet0.25_demo', preset: demoPreset(64), classes: ['cat', 'dog'] };
  const prefix = join(dir, 'run');
  const net = buildFromSpec(spec);
  saveParameters(`${prefix}_best.safetensors`, net);
  saveModelSpec(`${prefix}_model.json`, spec);
  net.dispose();
  return prefix;
}

test('ssdkit export writes an ONNX file of a training run (with and without --nms); bad flags are usage errors', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'ssdkit-export-'));
  try {
    const prefix = makeRun(dir);
    const file = join(dir, 'model.onnx');
    const r = ssdkit('export', '--prefix', prefix, '--format', 'onnx', '--out', file);
    assert.equal(r.status, 0, r.out);
    assert.match(r.out, /wrote .*model\.onnx .*input data \(batch, 3, 64, 64\), 2 classes/);
    const meta = parseOnnxMetadata(readModelMetadata(readFileSync(file), file), file);
    assert.deepEqual(meta.classes, ['cat', 'dog']);
    assert.equal(meta.dataShape, 64);
    const session = await ort.InferenceSession.create(file);
    assert.deepEqual(session.outputNames, ['bboxes', 'scores']);
    await session.release();
    const withNms = join(dir, 'nms.onnx');
    assert.equal(ssdkit('export', '--prefix', prefix, '--out', withNms, '--nms').status, 0);
    const s2 = await ort.InferenceSession.create(withNms);
    assert.deepEqual(s2.outputNames, ['bboxes', 'scores', 'selected_indices']);
    await s2.release();

    for (const [args, message] of [
      [['--prefix', prefix], /--out FILE is required/],
      [['--prefix', prefix, '--model', 'ssd_300_vgg16_atrous_voc', '--out', file], /give one of --prefix RUN or --model NAME/],
      [['--prefix', prefix, '--format', 'tflite', '--out', file], /--format must be one of onnx, got 'tflite'/],
      [['--prefix', join(dir, 'missing'), '--out', file], /missing_model\.json: model description not found/],
    ] as const) {
      const bad = ssdkit('export', ...args);
      assert.notEqual(bad.status, 0);
      assert.match(bad.out, message);
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('ssdkit serve --onnx serves the page, the model, its description and onnxruntime-web, and nothing else', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'ssdkit-serve-'));
  const file = join(dir, 'model.onnx');
  assert.equal(ssdkit('export', '--prefix', makeRun(dir), '--out', file).status, 0);
  const child = spawn(process.execPath, [MAIN, 'serve', '--onnx', file, '--port', '0'], { stdio: ['ignore', 'pipe', 'pipe'] });
  try {
    const url = await new Promise<string>((resolve, reject) => {
      let out = '';
      child.stdout.on('data', (b: Buffer) => {
        out += b.toString();
        const m = /open (http:\/\/127\.0\.0\.1:\d+\/)/.exec(out);
        if (m) resolve(m[1]!);
      });
      child.on('exit', (code) => reject(new Error(`serve exited with ${code}: ${out}`)));
    });
    const get = (path: string): Promise<Response> => fetch(new URL(path, url));
    const page = await get('/');
    assert.equal(page.status, 200);
    assert.match(await page.text(), /<script type="module" src="\/app.js">/);
    const info = (await (await get('/model.json')).json()) as { classes: string[]; dataShape: number; nms: { nmsThresh: number } };
    assert.deepEqual(info.classes, ['cat', 'dog']);
    assert.equal(info.dataShape, 64);
    assert.equal(info.nms.nmsThresh, 0.45);
    assert.deepEqual(new Uint8Array(await (await get('/model.onnx')).arrayBuffer()), new Uint8Array(readFileSync(file)));
    const ortJs = await get('/ort/ort.all.min.mjs');
    assert.equal(ortJs.status, 200);
    assert.equal(ortJs.headers.get('content-type'), 'text/javascript');
    assert.equal((await get('/ort/ort-wasm-simd-threaded.jsep.wasm')).headers.get('content-type'), 'application/wasm');
    assert.match(await (await get('/nms.js')).text(), /export function perClassNms/);
    const foreignHost = await new Promise<number>((resolve, reject) =>
      request(new URL('/model.json', url), { headers: { Host: 'attacker.example' } }, (res) => resolve(res.statusCode ?? 0)).on('error', reject).end(),
    );
    assert.equal(foreignHost, 403, 'a request addressed to another host name is refused');
    for (const path of ['/ort/../package.json', '/ort/%2e%2e%2fpackage.json', '/ort/ort.min.js.map', '/etc/passwd']) assert.equal((await get(path)).status, 404, path);
  } finally {
    child.kill('SIGTERM');
    rmSync(dir, { recursive: true, force: true });
  }
});

test('ssdkit serve --onnx refuses a file that is not an ONNX model written by ssdkit', () => {
  const dir = mkdtempSync(join(tmpdir(), 'ssdkit-serve-'));
  try {
    const bad = join(dir, 'bad.onnx');
    writeFileSync(bad, 'not a model at all');
    const r = ssdkit('serve', '--onnx', bad, '--port', '0');
    assert.notEqual(r.status, 0);
    assert.match(r.out, /bad\.onnx: (not an ONNX model|no ssdkit\.classes)/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

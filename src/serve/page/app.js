// The `ssdkit serve` page's script: loads /model.onnx with onnxruntime-web (WebGPU when the browser offers it,
// WASM otherwise; `?ep=wasm` forces WASM), and for each dropped image: resizes it to the model's S×S input,
// normalizes it as SSDDefaultValTransform ((rgb/255 - mean) / std), runs the model (decoded boxes and class
// scores), runs GluonCV's per-class box_nms (/nms.js = src/detection/nmsArrays.ts), maps the boxes back to the
// image's pixels (clipped to the input first, as `ssdkit detect`), and draws them with labels and scores.
// The last result is kept in window.ssdkitResult (read by the browser test) and body[data-state] says 'ready',
// 'running', 'done' or 'error'.
import { perClassNms } from '/nms.js';

const $ = (id) => document.getElementById(id);
const COLORS = ['#e6194b', '#3cb44b', '#4363d8', '#f58231', '#911eb4', '#42d4f4', '#f032e6', '#bfef45', '#469990', '#9a6324'];
let info;
let ort;
let session;
let provider;
let last = null;

function setState(state, text) {
  document.body.dataset.state = state;
  $('status').textContent = text;
}

/** Whether to try WebGPU: `?ep=` decides, else whether the browser offers an adapter. */
async function wantWebGpu(forced) {
  if (forced) return forced === 'webgpu';
  if (!('gpu' in navigator)) return false;
  try {
    return (await navigator.gpu.requestAdapter()) !== null;
  } catch {
    return false;
  }
}

async function createSession() {
  const forced = new URLSearchParams(location.search).get('ep');
  const gpu = await wantWebGpu(forced);
  // ort.all has WebGPU (and a larger WASM build); ort.wasm is the plain WASM runtime, half the download.
  ort = await import(gpu ? '/ort/ort.all.min.mjs' : '/ort/ort.wasm.min.mjs');
  ort.env.wasm.wasmPaths = '/ort/';
  const bytes = new Uint8Array(await (await fetch('/model.onnx')).arrayBuffer());
  const candidates = gpu ? ['webgpu', 'wasm'] : ['wasm'];
  for (const ep of candidates) {
    try {
      session = await ort.InferenceSession.create(bytes, { executionProviders: [ep] });
      provider = ep;
      return;
    } catch (e) {
      console.warn(`onnxruntime-web: ${ep} unavailable`, e);
    }
  }
  throw new Error(`no execution provider worked (${candidates.join(', ')})`);
}

/** The image as the model's normalized (1, 3, S, S) input. */
function toInput(bitmap, S) {
  const canvas = document.createElement('canvas');
  canvas.width = S;
  canvas.height = S;
  const ctx = canvas.getContext('2d', { willReadFrequently: true });
  ctx.imageSmoothingQuality = 'high';
  ctx.drawImage(bitmap, 0, 0, S, S);
  const rgba = ctx.getImageData(0, 0, S, S).data;
  const plane = S * S;
  const x = new Float32Array(3 * plane);
  for (let c = 0; c < 3; c++) {
    const scale = 1 / (255 * info.std[c]);
    const shift = info.mean[c] / info.std[c];
    for (let i = 0; i < plane; i++) x[c * plane + i] = rgba[4 * i + c] * scale - shift;
  }
  return new ort.Tensor('float32', x, [1, 3, S, S]);
}

async function detect(file) {
  setState('running', `running on ${file.name}…`);
  const bitmap = await createImageBitmap(file, { colorSpaceConversion: 'none', premultiplyAlpha: 'none' });
  const S = info.dataShape;
  const t0 = performance.now();
  const out = await session.run({ data: toInput(bitmap, S) });
  const [, N, C] = out.scores.dims;
  const dets = perClassNms(out.bboxes.data, out.scores.data, N, C, info.nms);
  const ms = performance.now() - t0;
  const sx = bitmap.width / S;
  const sy = bitmap.height / S;
  const clip = (v) => Math.min(Math.max(v, 0), S);
  const detections = dets.map((d) => ({
    classId: d.classId,
    className: info.classes[d.classId] ?? String(d.classId),
    score: d.score,
    box: [clip(d.box[0]) * sx, clip(d.box[1]) * sy, clip(d.box[2]) * sx, clip(d.box[3]) * sy],
  }));
  last = { bitmap, detections };
  window.ssdkitResult = { file: file.name, width: bitmap.width, height: bitmap.height, provider, ms, detections };
  draw();
  setState('done', `${file.name}: ${detections.length} detections in ${ms.toFixed(0)} ms (${provider})`);
}

function draw() {
  if (!last) return;
  const thresh = Number($('thresh').value);
  const { bitmap, detections } = last;
  const canvas = $('view');
  // Small images are shown enlarged (up to 4x, to about 512 pixels) so that labels stay readable.
  const k = Math.max(1, Math.min(4, 512 / Math.max(bitmap.width, bitmap.height)));
  canvas.width = Math.round(bitmap.width * k);
  canvas.height = Math.round(bitmap.height * k);
  const ctx = canvas.getContext('2d');
  ctx.imageSmoothingEnabled = k === 1;
  ctx.drawImage(bitmap, 0, 0, canvas.width, canvas.height);
  const line = Math.max(2, Math.round(canvas.width / 300));
  ctx.font = `${6 * line + 6}px system-ui, sans-serif`;
  const shown = detections.filter((d) => d.score >= thresh);
  for (const d of shown) {
    const [x0, y0, x1, y1] = d.box.map((v) => v * k);
    const color = COLORS[d.classId % COLORS.length];
    ctx.strokeStyle = color;
    ctx.lineWidth = line;
    ctx.strokeRect(x0, y0, x1 - x0, y1 - y0);
    const label = `${d.className} ${d.score.toFixed(2)}`;
    const h = 6 * line + 10;
    ctx.fillStyle = color;
    ctx.fillRect(x0, Math.max(0, y0 - h), ctx.measureText(label).width + 8, h);
    ctx.fillStyle = '#fff';
    ctx.fillText(label, x0 + 4, Math.max(0, y0 - h) + h - 5);
  }
  $('table').innerHTML = '<tr><th>class</th><th>score</th><th>box (xmin, ymin, xmax, ymax)</th></tr>' +
    shown.map((d) => `<tr><td>${d.className}</td><td>${d.score.toFixed(3)}</td><td>${d.box.map((v) => v.toFixed(1)).join(', ')}</td></tr>`).join('');
}

function wireInput() {
  const drop = $('drop');
  drop.addEventListener('dragover', (e) => { e.preventDefault(); drop.classList.add('over'); });
  drop.addEventListener('dragleave', () => drop.classList.remove('over'));
  drop.addEventListener('drop', (e) => {
    e.preventDefault();
    drop.classList.remove('over');
    const file = e.dataTransfer.files[0];
    if (file) detect(file).catch(fail);
  });
  $('file').addEventListener('change', (e) => {
    const file = e.target.files[0];
    if (file) detect(file).catch(fail);
  });
  $('thresh').addEventListener('input', () => {
    $('threshValue').textContent = Number($('thresh').value).toFixed(2);
    draw();
  });
}

function fail(e) {
  console.error(e);
  setState('error', `error: ${e.message ?? e}`);
}

async function main() {
  info = await (await fetch('/model.json')).json();
  $('model').textContent = `${info.title}: ${info.classes.length} classes (${info.classes.slice(0, 8).join(', ')}${info.classes.length > 8 ? ', …' : ''}), input ${info.dataShape}×${info.dataShape}`;
  await createSession();
  wireInput();
  setState('ready', `model loaded (${provider}); drop an image`);
}

main().catch(fail);

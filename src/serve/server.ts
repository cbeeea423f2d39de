// The `ssdkit serve` web server (issue 17 part 4): a page where a person drops an image and sees the boxes of an
// exported ONNX model, run in the browser by onnxruntime-web (WebGPU when the browser has it, else WASM), with
// GluonCV's per-class box_nms done on the page by src/detection/nmsArrays.ts. Every asset is served from here
// (the page, the model, onnxruntime-web's files from node_modules), so the page works offline. It listens on
// 127.0.0.1 only and answers only requests addressed to a local name (Host 127.0.0.1, localhost).
//
//   const server = await startServer({ onnx: bytes, metadata, port: 8080 });   // server.url, server.close()
//
// Routes: /  /app.js  /nms.js  /model.onnx  /model.json (classes, input size, normalization, NMS settings)
//         /ort/<file>  (onnxruntime-web's dist: .mjs, .js, .wasm only, no sub-paths)
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { readFileSync, existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type AddressInfo } from 'node:net';
import { type OnnxModelMetadata } from '../export/exportOnnx.js';

const PAGE_DIR = fileURLToPath(new URL('../../../src/serve/page/', import.meta.url));
const NMS_JS = fileURLToPath(new URL('../detection/nmsArrays.js', import.meta.url));

/** onnxruntime-web's dist folder (resolved through its package, so any node_modules layout works). */
function ortDistDir(): string {
  return dirname(createRequire(import.meta.url).resolve('onnxruntime-web'));
}

export interface ServeOptions {
  /** The ONNX model bytes (written by exportSSDToOnnx, without NMS). */
  onnx: Uint8Array;
  metadata: OnnxModelMetadata;
  /** 0 picks a free port. */
  port: number;
  /** Shown on the page. */
  title?: string;
}

export interface RunningServer {
  url: string;
  close(): Promise<void>;
}

const TYPES: Record<string, string> = { html: 'text/html; charset=utf-8', js: 'text/javascript', mjs: 'text/javascript', wasm: 'application/wasm', json: 'application/json', onnx: 'application/octet-stream' };

function send(res: ServerResponse, status: number, body: Uint8Array | string, type: string): void {
  res.writeHead(status, {
    'Content-Type': type,
    'Cache-Control': 'no-store',
    // Cross-origin isolation lets onnxruntime-web use WASM threads (SharedArrayBuffer).
    'Cross-Origin-Opener-Policy': 'same-origin',
    'Cross-Origin-Embedder-Policy': 'require-corp',
    'X-Content-Type-Options': 'nosniff',
  });
  res.end(body);
}

function sendFile(res: ServerResponse, path: string): void {
  if (!existsSync(path)) return send(res, 404, 'not found', 'text/plain');
  send(res, 200, readFileSync(path), TYPES[path.slice(path.lastIndexOf('.') + 1)] ?? 'application/octet-stream');
}

/** Only local names may address the server (a page elsewhere cannot reach it through DNS rebinding). */
function localHost(host: string | undefined): boolean {
  return host !== undefined && /^(127\.0\.0\.1|localhost|\[::1\])(:\d+)?$/.test(host);
}

function handler(o: ServeOptions, ortDir: string): (req: IncomingMessage, res: ServerResponse) => void {
  const info = JSON.stringify({ ...o.metadata, title: o.title ?? 'ssdkit' });
  return (req, res) => {
    if (!localHost(req.headers.host)) return send(res, 403, 'forbidden: not a local address', 'text/plain');
    if (req.method !== 'GET' && req.method !== 'HEAD') return send(res, 405, 'method not allowed', 'text/plain');
    const path = new URL(req.url ?? '/', 'http://localhost').pathname;
    if (path === '/' || path === '/index.html') return sendFile(res, join(PAGE_DIR, 'index.html'));
    if (path === '/app.js') return sendFile(res, join(PAGE_DIR, 'app.js'));
    if (path === '/nms.js') return sendFile(res, NMS_JS);
    if (path === '/model.onnx') return send(res, 200, o.onnx, TYPES.onnx!);
    if (path === '/model.json') return send(res, 200, info, TYPES.json!);
    if (path === '/favicon.ico') return send(res, 204, '', 'image/x-icon');
    const ort = /^\/ort\/([\w.-]+\.(?:mjs|js|wasm))$/.exec(path);
    if (ort && !ort[1]!.startsWith('.')) return sendFile(res, join(ortDir, ort[1]!));
    send(res, 404, 'not found', 'text/plain');
  };
}

/** Starts the server on 127.0.0.1. */
export async function startServer(o: ServeOptions): Promise<RunningServer> {
  const server = createServer(handler(o, ortDistDir()));
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(o.port, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

// Line charts for people: training curves (loss terms, mAP per epoch) and ablation plots, drawn as SVG and
// rasterized to PNG with sharp. One or more panels, each with its own y axis and any number of series.
//
//   await writeLineChartPNG('curves.png', [{ title: 'loss', series: [{ name: 'CE', points: [[0, 5.1], [1, 3.2]] }] }]);
import sharp from 'sharp';
import { atomicWriteFileSync } from '../util/atomicWrite.js';

export interface Series {
  name: string;
  points: readonly (readonly [number, number])[];
  /** Optional error bars: +- this much at each point (same length as points). */
  spread?: readonly number[];
}

export interface Panel {
  title: string;
  xLabel?: string;
  yLabel?: string;
  series: readonly Series[];
}

const COLORS = ['#1f5fbf', '#d9480f', '#2b8a3e', '#862e9c', '#c92a2a', '#087f8c', '#5c940d', '#495057'];
const W = 420;
const H = 280;
const M = { left: 52, right: 12, top: 28, bottom: 40 };

function esc(s: string): string {
  return s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

function niceTicks(lo: number, hi: number, n = 5): number[] {
  if (!(hi > lo)) return [lo];
  const step0 = (hi - lo) / n;
  const mag = 10 ** Math.floor(Math.log10(step0));
  const step = [1, 2, 5, 10].map((m) => m * mag).find((s) => s >= step0) ?? step0;
  const out: number[] = [];
  for (let v = Math.ceil(lo / step) * step; v <= hi + step * 1e-9; v += step) out.push(Number(v.toPrecision(12)));
  return out;
}

function fmt(v: number): string {
  const a = Math.abs(v);
  return a !== 0 && (a < 1e-2 || a >= 1e4) ? v.toExponential(1) : String(Number(v.toPrecision(4)));
}

function panelSVG(p: Panel, ox: number, oy: number): string {
  const pts = p.series.flatMap((s) => s.points.map(([x, y], i) => [x, y, s.spread?.[i] ?? 0] as const)).filter(([x, y]) => Number.isFinite(x) && Number.isFinite(y));
  const xs = pts.map(([x]) => x);
  const ys = pts.flatMap(([, y, e]) => [y - e, y + e]);
  let [x0, x1] = xs.length ? [Math.min(...xs), Math.max(...xs)] : [0, 1];
  let [y0, y1] = ys.length ? [Math.min(...ys), Math.max(...ys)] : [0, 1];
  if (x1 === x0) [x0, x1] = [x0 - 1, x1 + 1];
  if (y1 === y0) [y0, y1] = [y0 - 1, y1 + 1];
  const pad = (y1 - y0) * 0.05;
  [y0, y1] = [y0 - pad, y1 + pad];
  const pw = W - M.left - M.right;
  const ph = H - M.top - M.bottom;
  const sx = (x: number) => ox + M.left + ((x - x0) / (x1 - x0)) * pw;
  const sy = (y: number) => oy + M.top + (1 - (y - y0) / (y1 - y0)) * ph;
  const parts: string[] = [];
  parts.push(`<rect x="${ox + M.left}" y="${oy + M.top}" width="${pw}" height="${ph}" fill="#fff" stroke="#adb5bd"/>`);
  for (const t of niceTicks(y0, y1)) {
    parts.push(`<line x1="${ox + M.left}" x2="${ox + M.left + pw}" y1="${sy(t)}" y2="${sy(t)}" stroke="#e9ecef"/>`);
    parts.push(`<text x="${ox + M.left - 4}" y="${sy(t) + 4}" font-size="10" text-anchor="end" fill="#495057">${fmt(t)}</text>`);
  }
  for (const t of niceTicks(x0, x1)) {
    parts.push(`<text x="${sx(t)}" y="${oy + M.top + ph + 14}" font-size="10" text-anchor="middle" fill="#495057">${fmt(t)}</text>`);
  }
  parts.push(`<text x="${ox + W / 2}" y="${oy + 18}" font-size="13" font-weight="bold" text-anchor="middle">${esc(p.title)}</text>`);
  if (p.xLabel) parts.push(`<text x="${ox + M.left + pw / 2}" y="${oy + H - 8}" font-size="11" text-anchor="middle">${esc(p.xLabel)}</text>`);
  if (p.yLabel) parts.push(`<text x="${ox + 12}" y="${oy + M.top + ph / 2}" font-size="11" text-anchor="middle" transform="rotate(-90 ${ox + 12} ${oy + M.top + ph / 2})">${esc(p.yLabel)}</text>`);
  p.series.forEach((s, k) => {
    const color = COLORS[k % COLORS.length]!;
    const good = s.points.map(([x, y], i) => [x, y, s.spread?.[i] ?? 0] as const).filter(([x, y]) => Number.isFinite(x) && Number.isFinite(y));
    if (good.length === 0) return;
    for (const [x, y, e] of good) {
      if (e > 0) parts.push(`<line x1="${sx(x)}" x2="${sx(x)}" y1="${sy(y - e)}" y2="${sy(y + e)}" stroke="${color}" stroke-width="1.5"/>`);
    }
    const d = good.map(([x, y], i) => `${i ? 'L' : 'M'}${sx(x).toFixed(1)},${sy(y).toFixed(1)}`).join(' ');
    parts.push(`<path d="${d}" fill="none" stroke="${color}" stroke-width="2"/>`);
    if (good.length <= 40) for (const [x, y] of good) parts.push(`<circle cx="${sx(x)}" cy="${sy(y)}" r="2.5" fill="${color}"/>`);
    const ly = oy + M.top + 12 + k * 13;
    parts.push(`<rect x="${ox + M.left + 8}" y="${ly - 8}" width="10" height="3" fill="${color}"/>`);
    parts.push(`<text x="${ox + M.left + 22}" y="${ly}" font-size="10" fill="#212529">${esc(s.name)}</text>`);
  });
  return parts.join('');
}

/** An SVG with the panels side by side (up to `columns` per row). */
export function lineChartSVG(panels: readonly Panel[], columns = 3): { svg: string; width: number; height: number } {
  if (panels.length === 0) throw new RangeError('lineChartSVG: no panels');
  const cols = Math.min(columns, panels.length);
  const rows = Math.ceil(panels.length / cols);
  const width = cols * W;
  const height = rows * H;
  const body = panels.map((p, i) => panelSVG(p, (i % cols) * W, Math.floor(i / cols) * H)).join('');
  const svg = `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" font-family="DejaVu Sans, sans-serif"><rect width="100%" height="100%" fill="#f8f9fa"/>${body}</svg>`;
  return { svg, width, height };
}

/** Writes the panels as a PNG (atomically); returns the image size. */
export async function writeLineChartPNG(path: string, panels: readonly Panel[], columns = 3): Promise<{ width: number; height: number }> {
  const { svg, width, height } = lineChartSVG(panels, columns);
  const png = await sharp(Buffer.from(svg)).png().toBuffer();
  atomicWriteFileSync(path, png);
  return { width, height };
}

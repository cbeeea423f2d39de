// Per-class precision–recall plots for people (spec §7.7 metrics, `ssdkit eval`): small multiples, one cell
// per class with its raw PR curve, the shaded monotone precision envelope (whose area is the continuous AP)
// and the AP in the title, drawn as SVG and rasterized to PNG with sharp. Pass one curve for a per-class image.
import sharp from 'sharp';
import { atomicWriteFileSync } from '../util/atomicWrite.js';
import type { PRCurve } from './types.js';

export interface PRPlotOptions {
  /** Cells per row (default: ceil(sqrt(number of curves)), at most 5). */
  columns?: number;
  /** Cell size in pixels (default 240 × 200). */
  cellWidth?: number;
  cellHeight?: number;
  /** A heading above the grid. */
  title?: string;
}

export interface PRPlot {
  svg: string;
  width: number;
  height: number;
}

const CURVE = '#1f5fbf';
const FILL = '#c9daf5';
const MARGIN = { left: 34, right: 10, top: 24, bottom: 26 };

function esc(s: string): string {
  return s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

function r2(v: number): string {
  return (Math.round(v * 100) / 100).toString();
}

/** Points (recall, precision) of a curve with NaN precision dropped, plus its right-to-left envelope. */
function points(c: PRCurve): { raw: [number, number][]; envelope: [number, number][] } {
  const raw: [number, number][] = [];
  for (let i = 0; i < c.recall.length; i++) {
    const p = c.precision[i]!;
    if (Number.isFinite(p) && Number.isFinite(c.recall[i]!)) raw.push([c.recall[i]!, p]);
  }
  const env = raw.map(([r, p]) => [r, p] as [number, number]);
  for (let i = env.length - 2; i >= 0; i--) env[i]![1] = Math.max(env[i]![1], env[i + 1]![1]);
  return { raw, envelope: env };
}

/** Builds the small-multiples SVG. */
export function prCurvesSVG(curves: readonly PRCurve[], options: PRPlotOptions = {}): PRPlot {
  if (curves.length === 0) throw new RangeError('prCurvesSVG: no curves');
  const cw = options.cellWidth ?? 240;
  const ch = options.cellHeight ?? 200;
  const cols = Math.max(1, Math.min(options.columns ?? Math.min(5, Math.ceil(Math.sqrt(curves.length))), curves.length));
  const rows = Math.ceil(curves.length / cols);
  const top = options.title ? 30 : 0;
  const width = cols * cw;
  const height = top + rows * ch;
  const pw = cw - MARGIN.left - MARGIN.right;
  const ph = ch - MARGIN.top - MARGIN.bottom;
  const out: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="DejaVu Sans, Arial, sans-serif">`,
    `<rect width="${width}" height="${height}" fill="#ffffff"/>`,
  ];
  if (options.title) out.push(`<text x="${width / 2}" y="20" font-size="15" text-anchor="middle" fill="#000">${esc(options.title)}</text>`);
  curves.forEach((c, n) => {
    const ox = (n % cols) * cw + MARGIN.left;
    const oy = top + Math.floor(n / cols) * ch + MARGIN.top;
    const X = (r: number): string => r2(ox + r * pw);
    const Y = (p: number): string => r2(oy + (1 - p) * ph);
    const title = `${c.name}  ${Number.isFinite(c.ap) ? `AP ${c.ap.toFixed(3)}` : 'no GT'}`;
    out.push(`<text x="${ox + pw / 2}" y="${oy - 8}" font-size="12" text-anchor="middle" fill="#000">${esc(title)}</text>`);
    for (let g = 0; g <= 4; g++) {
      const v = g / 4;
      out.push(`<line x1="${X(0)}" y1="${Y(v)}" x2="${X(1)}" y2="${Y(v)}" stroke="#e4e4e4" stroke-width="1"/>`);
      out.push(`<line x1="${X(v)}" y1="${Y(0)}" x2="${X(v)}" y2="${Y(1)}" stroke="#e4e4e4" stroke-width="1"/>`);
    }
    const { raw, envelope } = points(c);
    if (envelope.length > 0) {
      // Area under the envelope as steps: from recall r_{i-1} to r_i at the precision of point i.
      const poly: string[] = [`${X(0)},${Y(0)}`];
      let prevR = 0;
      for (const [r, p] of envelope) {
        poly.push(`${X(prevR)},${Y(p)}`, `${X(r)},${Y(p)}`);
        prevR = r;
      }
      poly.push(`${X(prevR)},${Y(0)}`);
      out.push(`<polygon points="${poly.join(' ')}" fill="${FILL}" stroke="none"/>`);
      out.push(`<polyline points="${raw.map(([r, p]) => `${X(r)},${Y(p)}`).join(' ')}" fill="none" stroke="${CURVE}" stroke-width="2" stroke-linejoin="round"/>`);
    }
    out.push(`<rect x="${X(0)}" y="${Y(1)}" width="${pw}" height="${ph}" fill="none" stroke="#333" stroke-width="1"/>`);
    for (const v of [0, 0.5, 1]) {
      out.push(`<text x="${X(v)}" y="${oy + ph + 14}" font-size="10" text-anchor="middle" fill="#333">${v}</text>`);
      out.push(`<text x="${ox - 4}" y="${Number(Y(v)) + 3}" font-size="10" text-anchor="end" fill="#333">${v}</text>`);
    }
    out.push(`<text x="${ox + pw / 2}" y="${oy + ph + 24}" font-size="9" text-anchor="middle" fill="#666">recall</text>`);
  });
  out.push('</svg>');
  return { svg: out.join('\n'), width, height };
}

/** Renders the curves to a PNG file (written atomically); resolves to its path and size. */
export async function writePRCurvesPNG(curves: readonly PRCurve[], path: string, options: PRPlotOptions = {}): Promise<{ path: string; width: number; height: number }> {
  const { svg, width, height } = prCurvesSVG(curves, options);
  const png = await sharp(Buffer.from(svg)).png().toBuffer();
  atomicWriteFileSync(path, png);
  return { path, width, height };
}

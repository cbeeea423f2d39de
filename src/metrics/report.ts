// Reports for people (spec §7.7 outputs, for `ssdkit eval` and training logs): per-class AP + mAP as an aligned
// text table or as JSON, and the 12 COCO numbers in pycocotools' summarize() layout.
import { COCO_STAT_NAMES } from './cocoEval.js';

export interface APTableOptions {
  /** Digits after the decimal point (default 4). */
  digits?: number;
  /** Show values ×100 (GluonCV's COCO style); default false. */
  percent?: boolean;
  /** Column headers (default ['class', 'AP']). */
  header?: readonly [string, string];
  /** A line printed above the table. */
  title?: string;
}

function fmt(v: number, digits: number, percent: boolean): string {
  return Number.isFinite(v) ? (percent ? v * 100 : v).toFixed(digits) : 'n/a';
}

/** An aligned text table of [names, values] (e.g. a metric's get()): names left, values right-aligned, NaN as
 * 'n/a'; a trailing 'mAP' row is set off by a rule. Ends without a newline. */
export function formatAPTable(names: readonly string[], values: readonly number[], options: APTableOptions = {}): string {
  if (names.length !== values.length) throw new RangeError(`formatAPTable: ${names.length} names for ${values.length} values`);
  const digits = options.digits ?? 4;
  const percent = options.percent ?? false;
  const [h0, h1] = options.header ?? ['class', 'AP'];
  const cells = values.map((v) => fmt(v, digits, percent));
  const w0 = Math.max(h0.length, ...names.map((n) => n.length));
  const w1 = Math.max(h1.length, ...cells.map((c) => c.length));
  const row = (a: string, b: string): string => `${a.padEnd(w0)}  ${b.padStart(w1)}`;
  const rule = (ch: string): string => `${ch.repeat(w0)}  ${ch.repeat(w1)}`;
  const lines: string[] = [];
  if (options.title) lines.push(options.title);
  lines.push(row(h0, h1), rule('-'));
  names.forEach((n, i) => {
    if (i === names.length - 1 && n === 'mAP' && names.length > 1) lines.push(rule('='));
    lines.push(row(n, cells[i]!));
  });
  return lines.join('\n');
}

export interface APReport {
  /** Free-form metric name, e.g. 'VOC07MApMetric'. */
  metric?: string;
  classes: { name: string; ap: number | null }[];
  /** The 'mAP' entry of the values, null when absent or NaN. */
  mAP: number | null;
  [extra: string]: unknown;
}

/** [names, values] as a JSON-ready object: per-class APs (null for NaN, which JSON lacks) and mAP. */
export function apReport(names: readonly string[], values: readonly number[], extra: Record<string, unknown> = {}): APReport {
  if (names.length !== values.length) throw new RangeError(`apReport: ${names.length} names for ${values.length} values`);
  const num = (v: number): number | null => (Number.isFinite(v) ? v : null);
  const classes: APReport['classes'] = [];
  let mAP: number | null = null;
  names.forEach((name, i) => {
    if (name === 'mAP') mAP = num(values[i]!);
    else classes.push({ name, ap: num(values[i]!) });
  });
  return { ...extra, classes, mAP };
}

/** apReport as a JSON string (2-space indented). */
export function apReportJSON(names: readonly string[], values: readonly number[], extra: Record<string, unknown> = {}): string {
  return JSON.stringify(apReport(names, values, extra), null, 2);
}

/** The 12 COCO numbers as pycocotools' summarize() prints them (-1 where undefined). */
export function formatCOCOSummary(stats: readonly number[]): string {
  if (stats.length !== COCO_STAT_NAMES.length) throw new RangeError(`formatCOCOSummary: expected 12 stats, got ${stats.length}`);
  const spec: [boolean, string, string, number][] = [
    [true, '0.50:0.95', 'all', 100], [true, '0.50', 'all', 100], [true, '0.75', 'all', 100],
    [true, '0.50:0.95', 'small', 100], [true, '0.50:0.95', 'medium', 100], [true, '0.50:0.95', 'large', 100],
    [false, '0.50:0.95', 'all', 1], [false, '0.50:0.95', 'all', 10], [false, '0.50:0.95', 'all', 100],
    [false, '0.50:0.95', 'small', 100], [false, '0.50:0.95', 'medium', 100], [false, '0.50:0.95', 'large', 100],
  ];
  return spec
    .map(([ap, iou, area, md], i) => {
      const title = (ap ? 'Average Precision' : 'Average Recall').padEnd(18);
      const type = ap ? '(AP)' : '(AR)';
      return ` ${title} ${type} @[ IoU=${iou.padEnd(9)} | area=${area.padStart(6)} | maxDets=${String(md).padStart(3)} ] = ${stats[i]!.toFixed(3)}`;
    })
    .join('\n');
}

// `ssdkit match`: which anchors of a model match given ground-truth boxes, with their training targets
// (SSDTargetGenerator as train_ssd.py runs it: bipartite + IoU >= 0.5 matching, NaiveSampler), as text or JSON,
// and optionally a PNG showing the boxes and their matched anchors.
import { parseArgs } from 'node:util';
import sharp from 'sharp';
import { UsageError, type Command } from './command.js';
import { tensor, tidy } from '../tensor/index.js';
import { SSDTargetGenerator, ssdAnchors } from '../detection/index.js';
import { SSD_PRESETS, presetNames, type SSDPreset } from '../models/presets.js';

export interface MatchedAnchor {
  /** Anchor index in the model's prediction order. */
  anchor: number;
  /** Matched ground-truth box (index into --boxes). */
  gt: number;
  /** Class target: the box's id + 1 (0 is background). */
  classTarget: number;
  /** Encoded box target (stds 0.1, 0.1, 0.2, 0.2). */
  boxTarget: [number, number, number, number];
  /** The anchor, center format (cx, cy, w, h) in input pixels. */
  anchorBox: [number, number, number, number];
}

export interface MatchReport {
  model: string;
  inputSize: number;
  numAnchors: number;
  boxes: number[][];
  ids: number[];
  numPositives: number;
  /** Positive anchors per box. */
  perBox: number[];
  positives: MatchedAnchor[];
}

type Box = [number, number, number, number];

/** Parses --boxes: a JSON array of [xmin, ymin, xmax, ymax] with xmax > xmin and ymax > ymin. */
export function parseBoxes(text: string): Box[] {
  const value = parseJson(text, '--boxes');
  if (!Array.isArray(value)) throw new UsageError(`--boxes must be a JSON array of [xmin, ymin, xmax, ymax] boxes, got ${describe(value)}`);
  return value.map((b, i) => {
    if (!Array.isArray(b) || b.length !== 4) {
      throw new UsageError(`--boxes: box ${i} must have 4 numbers [xmin, ymin, xmax, ymax], got ${JSON.stringify(b)}`);
    }
    if (!b.every((v) => typeof v === 'number' && Number.isFinite(v))) {
      throw new UsageError(`--boxes: box ${i} must hold finite numbers, got ${JSON.stringify(b)}`);
    }
    const [x1, y1, x2, y2] = b as Box;
    if (!(x2 > x1)) throw new UsageError(`--boxes: box ${i} has xmax ${x2} <= xmin ${x1}`);
    if (!(y2 > y1)) throw new UsageError(`--boxes: box ${i} has ymax ${y2} <= ymin ${y1}`);
    return [x1, y1, x2, y2];
  });
}

/** Parses --ids: a JSON array of non-negative integer class ids, one per box (default: all 0). */
export function parseIds(text: string | undefined, count: number): number[] {
  if (text === undefined) return new Array<number>(count).fill(0);
  const value = parseJson(text, '--ids');
  if (!Array.isArray(value)) throw new UsageError(`--ids must be a JSON array of class ids, got ${describe(value)}`);
  if (value.length !== count) throw new UsageError(`--ids has ${value.length} ids for ${count} boxes`);
  value.forEach((v, i) => {
    if (!(typeof v === 'number' && Number.isInteger(v) && v >= 0)) {
      throw new UsageError(`--ids: id ${i} must be a non-negative integer, got ${JSON.stringify(v)}`);
    }
  });
  return value as number[];
}

function parseJson(text: string, flag: string): unknown {
  try {
    return JSON.parse(text);
  } catch (err) {
    throw new UsageError(`${flag} is not valid JSON (${err instanceof Error ? err.message : String(err)}): ${text}`);
  }
}

function describe(v: unknown): string {
  return v === null ? 'null' : typeof v === 'object' ? 'an object' : `${typeof v} ${JSON.stringify(v)}`;
}

/** The preset of --model, or a UsageError listing the known names. */
export function presetFor(name: string | undefined): SSDPreset {
  if (!name) throw new UsageError('--model is required');
  const p = SSD_PRESETS[name];
  if (!p) throw new UsageError(`unknown model '${name}'; known models: ${presetNames().join(', ')}`);
  return p;
}

/** Runs SSDTargetGenerator (NaiveSampler) for one image with these boxes over the preset's anchors. */
export function matchReport(preset: SSDPreset, boxes: Box[], ids: number[]): MatchReport {
  const result = tidy(() => {
    const anchors = ssdAnchors(preset);
    const N = anchors.shape[0]!;
    const M = boxes.length;
    const gen = new SSDTargetGenerator({ negativeMiningRatio: -1 });
    const gt = M > 0 ? tensor([boxes], { dtype: 'float32' }) : tensor([[[0, 0, 0, 0]]], { dtype: 'float32' }).narrow(1, 0, 0);
    const gtIds = M > 0 ? tensor([ids], { dtype: 'int64' }) : tensor([[0]], { dtype: 'int64' }).narrow(1, 0, 0);
    const t = gen.generate(anchors, null, gt, gtIds);
    return {
      N,
      cls: t.clsTargets.toArray(),
      match: t.matches.toArray(),
      box: t.boxTargets.toTypedArray() as Float32Array,
      anchors: anchors.toTypedArray() as Float32Array,
    };
  });
  const positives: MatchedAnchor[] = [];
  const perBox = new Array<number>(boxes.length).fill(0);
  result.cls.forEach((c, a) => {
    if (c <= 0) return;
    const gt = result.match[a]!;
    perBox[gt]!++;
    const q = (arr: Float32Array): [number, number, number, number] => [arr[a * 4]!, arr[a * 4 + 1]!, arr[a * 4 + 2]!, arr[a * 4 + 3]!];
    positives.push({ anchor: a, gt, classTarget: c, boxTarget: q(result.box), anchorBox: q(result.anchors) });
  });
  return {
    model: preset.name,
    inputSize: preset.baseSize,
    numAnchors: result.N,
    boxes,
    ids,
    numPositives: positives.length,
    perBox,
    positives,
  };
}

const COLORS = ['#e6194b', '#3cb44b', '#4363d8', '#f58231', '#911eb4', '#42d4f4', '#f032e6', '#9a6324', '#469990', '#808000'];

/** The overlay: matched anchors (thin, dashed, the box's colour) under their ground-truth boxes (thick). */
export function matchSvg(report: MatchReport): string {
  const S = report.inputSize;
  const rect = (x1: number, y1: number, x2: number, y2: number, color: string, extra: string) =>
    `<rect x="${x1}" y="${y1}" width="${x2 - x1}" height="${y2 - y1}" fill="none" stroke="${color}" ${extra}/>`;
  const parts = report.positives.map((p) => {
    const [cx, cy, w, h] = p.anchorBox;
    return rect(cx - w / 2, cy - h / 2, cx + w / 2, cy + h / 2, COLORS[p.gt % COLORS.length]!, 'stroke-width="1" stroke-dasharray="3,2" stroke-opacity="0.8"');
  });
  report.boxes.forEach((b, i) => {
    const color = COLORS[i % COLORS.length]!;
    parts.push(rect(b[0]!, b[1]!, b[2]!, b[3]!, color, 'stroke-width="3"'));
    parts.push(
      `<text x="${b[0]! + 3}" y="${b[1]! + 14}" font-family="sans-serif" font-size="12" fill="${color}">${i}: ${report.perBox[i]}</text>`,
    );
  });
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${S}" height="${S}" viewBox="0 0 ${S} ${S}">${parts.join('')}</svg>`;
}

/** Draws the report onto a blank canvas, or onto `image` resized to the model's input size, as a PNG file. */
export async function renderMatchPng(report: MatchReport, file: string, image?: string): Promise<void> {
  const S = report.inputSize;
  const canvas = image
    ? await sharp(image).resize(S, S, { fit: 'fill' }).removeAlpha().png().toBuffer()
    : await sharp({ create: { width: S, height: S, channels: 3, background: '#ffffff' } }).png().toBuffer();
  await sharp(canvas).composite([{ input: Buffer.from(matchSvg(report)), top: 0, left: 0 }]).png().toFile(file);
}

function text(report: MatchReport): string {
  const lines = [`${report.model}: ${report.numAnchors} anchors, ${report.inputSize}x${report.inputSize} input`];
  report.boxes.forEach((b, i) => lines.push(`box ${i} [${b.join(', ')}] id ${report.ids[i]}: ${report.perBox[i]} positive anchors`));
  lines.push(`${report.numPositives} positive anchors`);
  if (report.positives.length > 0) {
    lines.push('anchor  gt  class  anchor (cx, cy, w, h)              box target');
    for (const p of report.positives) {
      const anchor = p.anchorBox.map((v) => v.toFixed(2)).join(', ');
      const target = p.boxTarget.map((v) => v.toFixed(4)).join(', ');
      lines.push(`${String(p.anchor).padStart(6)}  ${String(p.gt).padStart(2)}  ${String(p.classTarget).padStart(5)}  (${anchor})`.padEnd(56) + `  [${target}]`);
    }
  }
  return lines.join('\n');
}

export const matchCommand: Command = {
  name: 'match',
  summary: "show which of a model's anchors match ground-truth boxes, with their class and box targets",
  usage: [
    "usage: ssdkit match --model NAME --boxes '[[xmin,ymin,xmax,ymax],...]' [--ids '[id,...]'] [--json] [--png FILE [--image FILE]]",
    '',
    '  --model NAME   an SSD preset, e.g. ssd_300_vgg16_atrous_voc (its anchors and input size)',
    '  --boxes JSON   ground-truth boxes in input pixels (corner format, xmax > xmin, ymax > ymin)',
    '  --ids JSON     class ids, one per box (default 0); class target = id + 1',
    '  --json         print the report as JSON (positive anchors, matched box, class and box targets)',
    '  --png FILE     draw the boxes (thick) and their matched anchors (dashed) to a PNG',
    '  --image FILE   draw onto this image, resized to the input size (default: a blank canvas)',
  ].join('\n'),
  async run(argv) {
    let values: Record<string, string | boolean | undefined>;
    try {
      ({ values } = parseArgs({
        args: argv,
        options: {
          model: { type: 'string' },
          boxes: { type: 'string' },
          ids: { type: 'string' },
          json: { type: 'boolean' },
          png: { type: 'string' },
          image: { type: 'string' },
        },
        strict: true,
        allowPositionals: false,
      }) as { values: Record<string, string | boolean | undefined> });
    } catch (err) {
      throw new UsageError(err instanceof Error ? err.message : String(err));
    }
    const preset = presetFor(values['model'] as string | undefined);
    if (values['boxes'] === undefined) throw new UsageError('--boxes is required');
    const boxes = parseBoxes(values['boxes'] as string);
    const ids = parseIds(values['ids'] as string | undefined, boxes.length);
    if (values['image'] !== undefined && values['png'] === undefined) throw new UsageError('--image needs --png FILE');
    const report = matchReport(preset, boxes, ids);
    if (values['png'] !== undefined) await renderMatchPng(report, values['png'] as string, values['image'] as string | undefined);
    console.log(values['json'] ? JSON.stringify(report, null, 2) : text(report));
    return 0;
  },
};

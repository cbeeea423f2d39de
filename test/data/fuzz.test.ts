// Hostile-input fuzzing of the data pipeline's parsers (issue 9, part 3): at least 10,000 seeded generated,
// mutated and handcrafted inputs each for VOC XML annotations, COCO instances JSON, LST files and RecordIO (image
// decoding: fuzzImages.test.ts). Every input must either parse into well-formed output (finite numbers, boxes inside the image, class
// ids in range, paths inside the dataset root) or fail with one of the project's errors naming the file; never
// another exception type, never a hang, never unbounded memory. Failures are collected with their seed and case number and reported together.
// SSDKIT_FUZZ_N changes the number of inputs per target (e.g. 100000 for a longer local run).
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join, relative, isAbsolute } from 'node:path';
import { Random } from '../../src/data/random.js';
import { XmlError } from '../../src/data/xml.js';
import { parseVOCAnnotation, formatVOCAnnotation, parseImageSetIds, VOCDetection } from '../../src/data/voc.js';
import { parseCOCOInstances, COCODetection, type COCOLoadOptions } from '../../src/data/coco.js';
import { parseLstText, LstDetection } from '../../src/data/lst.js';
import { bufferSource, scanRecords, RecordIOError } from '../../src/data/recordio.js';
import { parseRecordLabels } from '../../src/data/recordFileDetection.js';
import { readFileSync } from 'node:fs';
import { fixturePath } from '../helpers.js';
import { DataWarnings } from '../../src/data/warnings.js';
import type { Label } from '../../src/data/types.js';
import {
  vocDocument, vocAttacks, mutateText, randomText, VOC_TOKENS, cocoDocument, cocoAttacks, toJson, JSON_TOKENS,
  lstDocument, lstAttacks, LST_TOKENS, imageSetDocument, mutateRecordIO, recordIOAttacks, HOSTILE_IDS, IMAGESET_TOKENS, randomBytes,
} from './fuzzInputs.js';
import { tempDir } from './util.js';
import { N, MAX_MESSAGE, Findings, errorProblem } from './fuzzFindings.js';

const tmp = tempDir('fuzz');
after(() => tmp.cleanup());

function messageProblems(messages: readonly string[], file: string): string | null {
  for (const m of messages) {
    if (!m.includes(file)) return `warning does not name the file: ${m}`;
    if (m.length > MAX_MESSAGE) return `warning is ${m.length} characters`;
  }
  return null;
}

/** Why a label row set is malformed (non-finite, empty or outside [0, maxX]×[0, maxY], bad class), or null. */
function labelProblem(label: Label, maxX: number, maxY: number, numClasses: number, minWidth = 6): string | null {
  for (const r of label) {
    if (r.length < minWidth) return `row [${r.join(', ')}] has ${r.length} columns`;
    if (!r.every((v) => typeof v === 'number' && Number.isFinite(v))) return `row [${r.join(', ')}] has a non-finite value`;
    const [x0, y0, x1, y1, c] = r as [number, number, number, number, number];
    if (!(0 <= x0 && x0 < x1 && x1 <= maxX && 0 <= y0 && y0 < y1 && y1 <= maxY)) return `box [${r.slice(0, 4).join(', ')}] is empty or outside ${maxX}x${maxY}`;
    if (!(Number.isInteger(c) && c >= 0 && c < numClasses)) return `class ${c} outside [0, ${numClasses})`;
  }
  return null;
}

function isSize(v: unknown): v is number {
  return typeof v === 'number' && Number.isFinite(v) && v > 0;
}

/** Runs a synchronous parse, timing it; returns the result or records why the failure is not acceptable. */
function attempt<T>(f: Findings, where: string, file: string, input: string | Buffer, kinds: readonly (abstract new (...a: never[]) => Error)[], run: () => T): T | undefined {
  f.cases++;
  const t0 = performance.now();
  try {
    return run();
  } catch (err) {
    const p = errorProblem(err, file, kinds);
    if (p) f.add(p, where, input);
    return undefined;
  } finally {
    f.time(performance.now() - t0, where, input);
  }
}

// ---------------------------------------------------------------------------------------------------------

const VOC_CLASSES = ['dog', 'person', 'car', 'cat'];

test(`VOC XML annotations: ${N} generated, mutated and handcrafted inputs parse or fail clearly`, () => {
  const f = new Findings();
  const rng = new Random(9_301);
  const classIndex = new Map(VOC_CLASSES.map((c, i) => [c, i]));
  const seeds = [
    formatVOCAnnotation('VOC2007', '000001.jpg', 353, 500, [{ name: 'dog', box: [47, 239, 194, 370] }, { name: 'person', box: [7, 10, 351, 497], difficult: true }]),
    vocDocument(new Random(1), VOC_CLASSES),
  ];
  const attacks = vocAttacks();
  for (let i = 0; i < N; i++) {
    const file = `fuzz/voc/${i}.xml`;
    let xml: string;
    let limits: { maxBytes?: number; maxDepth?: number } = {};
    let kind: string;
    if (i < attacks.length) ({ xml, limits = {}, name: kind } = attacks[i]!);
    else {
      const r = rng.random();
      kind = r < 0.4 ? 'generated' : r < 0.95 ? 'mutated' : 'random';
      if (kind === 'generated') xml = vocDocument(rng, VOC_CLASSES);
      else if (kind === 'mutated') xml = mutateText(rng, rng.bernoulli(0.2) ? rng.choice(seeds) : vocDocument(rng, VOC_CLASSES), VOC_TOKENS);
      else xml = randomText(rng);
    }
    const size = rng.bernoulli(0.2) ? { width: 1 + rng.randrange(600), height: 1 + rng.randrange(600) } : undefined;
    const warnings: string[] = [];
    const where = `voc case ${i} (${kind})`;
    const out = attempt(f, where, file, xml, [Error, XmlError], () => parseVOCAnnotation(xml, file, classIndex, (m) => warnings.push(m), limits, size));
    const mp = messageProblems(warnings, file);
    if (mp) f.add(mp, where, xml);
    if (out === undefined) continue;
    if (!isSize(out.width) || !isSize(out.height)) f.add(`size ${out.width}x${out.height} is not finite and positive`, where, xml);
    else {
      const lp = labelProblem(out.label, out.width, out.height, VOC_CLASSES.length);
      if (lp) f.add(lp, where, xml);
      if (out.label.some((r) => r.length !== 6 || !Number.isSafeInteger(r[5]))) f.add('difficult is not a safe integer', where, xml);
    }
  }
  f.assertNone('VOC');
});

// ---------------------------------------------------------------------------------------------------------

const ROOT = '/data/coco';

test(`VOC ImageSets lists: ${N} generated, mutated and handcrafted lists give ids inside the dataset or fail naming file:line`, () => {
  const f = new Findings();
  const rng = new Random(9_306);
  const root = '/data/voc/VOC2007';
  for (let i = 0; i < N; i++) {
    const file = `fuzz/ImageSets/Main/${i}.txt`;
    let text: string;
    let kind: string;
    if (i < HOSTILE_IDS.length) [text, kind] = [`2007_000001\n${HOSTILE_IDS[i]!}\n2007_000002`, `hostile id ${i}`];
    else {
      const r = rng.random();
      kind = r < 0.45 ? 'generated' : r < 0.97 ? 'mutated' : 'random';
      text = kind === 'generated' ? imageSetDocument(rng) : kind === 'mutated' ? mutateText(rng, imageSetDocument(rng), IMAGESET_TOKENS) : randomText(rng);
    }
    const where = `imageset case ${i} (${kind})`;
    const ids = attempt(f, where, file, text, [Error], () => parseImageSetIds(text, file));
    if (ids === undefined) continue;
    for (const id of ids) {
      for (const sub of ['Annotations', 'JPEGImages']) {
        const dir = join(root, sub);
        const rel = relative(dir, join(dir, `${id}.xml`));
        if (rel.split('/').includes('..') || isAbsolute(rel) || rel.includes('/') || id.includes('\0')) f.add(`id ${JSON.stringify(id.slice(0, 60))} leaves ${sub}`, where, text);
      }
    }
  }
  f.assertNone('ImageSets');
});

test(`RecordIO files: ${N} mutated, random and handcrafted .rec files parse or fail clearly, with bounded records`, () => {
  const f = new Findings();
  const rng = new Random(9_307);
  const seed = readFileSync(fixturePath('detection.rec'));
  const attacks = recordIOAttacks(seed.subarray(0, 600));
  const maxRecordBytes = 1 << 20;
  for (let i = 0; i < N; i++) {
    const file = `fuzz/rec/${i}.rec`;
    let bytes: Buffer;
    let kind: string;
    if (i < attacks.length) ({ bytes, name: kind } = attacks[i]!);
    else {
      kind = rng.random() < 0.97 ? 'mutated' : 'random';
      bytes = kind === 'mutated' ? mutateRecordIO(rng, seed) : randomBytes(rng, rng.randrange(2000));
    }
    const where = `rec case ${i} (${kind})`;
    const src = bufferSource(bytes, file);
    const warnings = new DataWarnings(() => undefined);
    const out = attempt(f, where, file, bytes, [RecordIOError], () => {
      const entries = scanRecords(src, maxRecordBytes).map((offset, k) => ({ key: String(k), offset }));
      return parseRecordLabels(src, entries, { maxRecordBytes }, warnings);
    });
    const mp = messageProblems(warnings.messages, file);
    if (mp) f.add(mp, where, bytes);
    if (out === undefined) continue;
    if (out.classes.length > 100_000) f.add(`${out.classes.length} classes generated`, where, bytes);
    for (const rec of out.records) {
      if (!(Number.isSafeInteger(rec.recordOffset) && rec.recordOffset! < bytes.length)) f.add(`record offset ${rec.recordOffset} outside the file`, where, bytes);
      const lp = labelProblem(rec.label, 1, 1, out.classes.length);
      if (lp) f.add(lp, where, bytes);
    }
  }
  f.assertNone('RecordIO');
});

test(`COCO instances JSON: ${N} generated, mutated and handcrafted inputs parse or fail clearly`, () => {
  const f = new Findings();
  const rng = new Random(9_302);
  const attacks = cocoAttacks();
  for (let i = 0; i < N; i++) {
    const file = `fuzz/coco/${i}.json`;
    let text: string;
    let kind: string;
    if (i < attacks.length) ({ text, name: kind } = attacks[i]!);
    else {
      const r = rng.random();
      kind = r < 0.5 ? 'generated' : r < 0.97 ? 'mutated' : 'random';
      if (kind === 'generated') text = toJson(rng, cocoDocument(rng));
      else if (kind === 'mutated') text = mutateText(rng, toJson(rng, cocoDocument(rng)), JSON_TOKENS);
      else text = randomText(rng);
    }
    const opts: COCOLoadOptions = { skipEmpty: rng.bernoulli(0.7), useCrowd: rng.bernoulli(0.7), minObjectArea: rng.bernoulli(0.8) ? 0 : rng.uniform(0, 100) };
    const warnings = new DataWarnings(() => undefined);
    const where = `coco case ${i} (${kind})`;
    const out = attempt(f, where, file, text, [Error], () => parseCOCOInstances(text, file, ROOT, 'val2017', opts, warnings));
    const mp = messageProblems(warnings.messages, file);
    if (mp) f.add(mp, where, text);
    if (out === undefined) continue;
    const C = out.classes.length;
    if (!out.classes.every((c) => typeof c === 'string')) f.add('a class name is not a string', where, text);
    if (out.map.size !== C || ![...out.map.values()].every((v, k) => v === k)) f.add('category map is not 0..C-1', where, text);
    const ids = new Set<string>();
    for (const rec of out.records) {
      if (typeof rec.id !== 'string' || ids.has(rec.id)) f.add(`image id '${String(rec.id).slice(0, 40)}' repeated or not a string`, where, text);
      ids.add(rec.id);
      const rel = relative(ROOT, rec.imagePath);
      if (rec.imagePath.includes('\0') || rel.startsWith('..') || isAbsolute(rel)) f.add(`image path '${rec.imagePath.slice(0, 80)}' leaves the dataset root`, where, text);
      if (!Number.isSafeInteger(rec.width) || !Number.isSafeInteger(rec.height) || !(rec.width! > 0 && rec.height! > 0)) {
        f.add(`image size ${String(rec.width).slice(0, 40)}x${String(rec.height).slice(0, 40)} is not two positive integers`, where, text);
        continue;
      }
      const dummy = rec.label.length === 1 && rec.label[0]!.every((v) => v === -1);
      if (dummy && opts.skipEmpty) f.add('dummy row with skipEmpty', where, text);
      const lp = dummy ? null : labelProblem(rec.label, rec.width! - 1, rec.height! - 1, C);
      if (lp) f.add(lp, where, text);
      if (rec.label.length === 0) f.add('record with an empty label', where, text);
    }
  }
  f.assertNone('COCO');
});

// ---------------------------------------------------------------------------------------------------------

test(`LST files: ${N} generated, mutated and handcrafted inputs parse or fail clearly`, () => {
  const f = new Findings();
  const rng = new Random(9_303);
  const attacks = lstAttacks();
  for (let i = 0; i < N; i++) {
    const file = `fuzz/lst/${i}.lst`;
    let text: string;
    let kind: string;
    let classes: string[] | undefined;
    const normalized = rng.bernoulli(0.7);
    if (i < attacks.length) ({ text, name: kind, classes } = attacks[i]!);
    else {
      const r = rng.random();
      kind = r < 0.45 ? 'generated' : r < 0.97 ? 'mutated' : 'random';
      if (kind === 'generated') text = lstDocument(rng, normalized);
      else if (kind === 'mutated') text = mutateText(rng, lstDocument(rng, normalized), LST_TOKENS);
      else text = randomText(rng);
      if (rng.bernoulli(0.2)) classes = ['a', 'b', 'c'];
    }
    const warnings = new DataWarnings(() => undefined);
    const where = `lst case ${i} (${kind})`;
    const opts = { root: '/data/lst', coordNormalized: normalized, ...(classes ? { classes } : {}) };
    const out = attempt(f, where, file, text, [Error], () => parseLstText(text, file, opts, warnings));
    const mp = messageProblems(warnings.messages, file);
    if (mp) f.add(mp, where, text);
    if (out === undefined) continue;
    if (out.classes.length > 100_000) f.add(`${out.classes.length} classes generated`, where, text);
    for (const rec of out.records) {
      if (rec.imagePath === '' || rec.imagePath.includes('\0') || rec.imagePath === opts.root) f.add(`image path '${rec.imagePath.slice(0, 60)}' is empty or has a NUL`, where, text);
      if (!rec.source?.includes(file)) f.add('record source does not name the file', where, text);
      const lp = labelProblem(rec.label, normalized ? 1 : Infinity, normalized ? 1 : Infinity, out.classes.length);
      if (lp) f.add(lp, where, text);
    }
  }
  f.assertNone('LST');
});

// ---------------------------------------------------------------------------------------------------------

test('the file-reading loaders name the file for hostile VOC, COCO and LST files', async () => {
  const rng = new Random(9_305);
  const problems: string[] = [];
  // VOC: one split of 60 fuzzed annotations (images not checked; a missing <size> falls back to the missing image).
  const voc = join(tmp.dir, 'voc', 'VOC2007');
  mkdirSync(join(voc, 'Annotations'), { recursive: true });
  mkdirSync(join(voc, 'ImageSets', 'Main'), { recursive: true });
  const ids = Array.from({ length: 60 }, (_, k) => `f${k}`);
  ids.forEach((id) => writeFileSync(join(voc, 'Annotations', `${id}.xml`), mutateText(rng, vocDocument(rng, VOC_CLASSES), VOC_TOKENS)));
  writeFileSync(join(voc, 'ImageSets', 'Main', 'trainval.txt'), ids.join('\n'));
  const warnings: string[] = [];
  const ds = await VOCDetection.load(join(tmp.dir, 'voc'), ['2007/trainval'], { classes: VOC_CLASSES, checkImages: false, onWarning: (m) => warnings.push(m) });
  for (let k = 0; k < ds.length; k++) {
    const r = ds.record(k);
    const lp = labelProblem(r.label, r.width!, r.height!, VOC_CLASSES.length);
    if (lp) problems.push(`VOC record ${r.id}: ${lp}`);
  }
  if (!warnings.every((w) => w.includes(join(tmp.dir, 'voc')))) problems.push('a VOC warning does not name its file');
  // An ImageSets list with an id that leaves the dataset: the load is refused naming the list file and line.
  const list = join(voc, 'ImageSets', 'Main', 'escape.txt');
  writeFileSync(list, `${ids[0]}\n../../../somewhere/x\n`);
  await assert.rejects(VOCDetection.load(join(tmp.dir, 'voc'), ['2007/escape'], { classes: VOC_CLASSES, checkImages: false, onWarning: () => undefined }),
    (e: Error) => e.message.includes(`${list}:2`) && e.message.includes('../../../somewhere/x'));

  // COCO and LST: 60 fuzzed files each through load().
  const coco = join(tmp.dir, 'coco');
  mkdirSync(join(coco, 'annotations'), { recursive: true });
  for (let k = 0; k < 60; k++) {
    const file = join(coco, 'annotations', `s${k}.json`);
    writeFileSync(file, mutateText(rng, toJson(rng, cocoDocument(rng)), JSON_TOKENS));
    try {
      await COCODetection.load(coco, [`s${k}`], { onWarning: () => undefined });
    } catch (err) {
      const p = errorProblem(err, file, [Error]);
      if (p) problems.push(`COCO ${file}: ${p}`);
    }
    const lst = join(tmp.dir, `l${k}.lst`);
    writeFileSync(lst, mutateText(rng, lstDocument(rng, true), LST_TOKENS));
    try {
      await LstDetection.load(lst, { onWarning: () => undefined });
    } catch (err) {
      const p = errorProblem(err, lst, [Error]);
      if (p) problems.push(`LST ${lst}: ${p}`);
    }
  }
  assert.deepEqual(problems, []);
});

// Opens the training and validation sets the commands name: 'voc' (VOC2007/2012 layout, train 07+12 trainval,
// validate 07 test, spec §8.1), 'coco' (instances_train2017 / instances_val2017, §8.2), 'custom' (a VOC-format
// folder with the user's classes), 'synth' (the built-in synthetic dataset, generated on first use), and 'rec' /
// 'lst' (RecordFileDetection / LstDetection, spec §8.3: im2rec.py's train.rec + val.rec, or train.lst + val.lst
// with images relative to the root; any other file names through trainFile / valFile).
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { VOCDetection, CustomVOCDetection, COCODetection, LstDetection, RecordFileDetection, makeSyntheticVOC, SYNTH_CLASSES, DEFAULT_OBJECT_COUNTS, type DetectionDataset } from '../data/index.js';

export type DatasetKind = 'voc' | 'coco' | 'custom' | 'synth' | 'rec' | 'lst';
export const DATASET_KINDS: readonly DatasetKind[] = ['synth', 'voc', 'coco', 'custom', 'rec', 'lst'];

export interface DatasetOptions {
  kind: DatasetKind;
  root: string;
  /** Class names (custom); or a file with one name per line. */
  classes?: readonly string[];
  /** Splits to train on / validate on; defaults per kind. */
  trainSplits?: string[];
  valSplits?: string[];
  /**
   * synth: the images and seed to have under root (regenerated there if it holds another generator run). With
   * neither these nor synthObjectCounts given, any set already there is used as it is (eval and train on a demo's
   * data), and an empty root gets the default 600 images of seed 0.
   */
  synthImages?: number;
  synthSeed?: number;
  /** rec/lst: the training and validation files (default {root}/train.rec, {root}/val.rec; .lst likewise). */
  trainFile?: string;
  valFile?: string;
  /** Open only the validation set (evaluation): `train` is the validation set too. */
  valOnly?: boolean;
  /** synth: the list each image's number of shapes is drawn from (makeSyntheticVOC's objectCounts). */
  synthObjectCounts?: readonly number[];
  log?: (line: string) => void;
}

export interface OpenedDatasets {
  train: DetectionDataset;
  val: DetectionDataset;
  classes: readonly string[];
}

/** Reads a class list: a comma-separated string, or a file with one name per line. */
export function parseClassList(v: string): string[] {
  const names = existsSync(v) ? readFileSync(v, 'utf8').split(/\r?\n/) : v.split(',');
  const out = names.map((s) => s.trim()).filter((s) => s.length > 0);
  if (out.length === 0) throw new Error(`class list '${v}' is empty`);
  return out;
}

/**
 * Makes the synthetic dataset under `root` unless the one there was generated with the same images, seed and
 * object counts (its synth.json says so). One generated with other settings is regenerated in place, said in the
 * log (it is the generator's deterministic output: the same flags make it again); a VOC folder without
 * synth.json is not the generator's and is used as it is.
 */
export async function ensureSynthetic(root: string, images: number, seed: number, log: (l: string) => void, objectCounts?: readonly number[]): Promise<void> {
  const counts = objectCounts ?? DEFAULT_OBJECT_COUNTS;
  if (holdsVocSet(root)) {
    const have = readSynthSettings(join(root, 'synth.json'));
    if (have === null) return;
    if (have.images === images && have.seed === seed && have.objectCounts === counts.join(',')) return;
    log(`regenerating ${root}: it holds ${have.images} images of seed ${have.seed} (objects ${have.objectCounts}), asked for ${images} of seed ${seed} (objects ${counts.join(',')})`);
  } else log(`writing ${images} synthetic images to ${root} ...`);
  await makeSyntheticVOC({ out: root, images, seed, objectCounts: counts });
}

/** The synthetic set made when a command names none: 600 images of seed 0. */
const SYNTH_DEFAULT = { images: 600, seed: 0 } as const;

/** Whether root holds a VOC2007-layout set with a test split (made by the generator or not). */
function holdsVocSet(root: string): boolean {
  return existsSync(join(root, 'VOC2007', 'ImageSets', 'Main', 'test.txt'));
}

/** The default synthetic set unless root already holds a VOC-layout set, which is kept as it is. */
export async function ensureSyntheticAsFound(root: string, log: (l: string) => void): Promise<void> {
  if (!holdsVocSet(root)) return ensureSynthetic(root, SYNTH_DEFAULT.images, SYNTH_DEFAULT.seed, log);
  const have = readSynthSettings(join(root, 'synth.json'));
  if (have) log(`using ${root} as it is: ${have.images} synthetic images of seed ${have.seed} (objects ${have.objectCounts})`);
}

/** The settings a synth.json records, or null when there is none (or it is not the generator's). */
function readSynthSettings(file: string): { images: number; seed: number; objectCounts: string } | null {
  if (!existsSync(file)) return null;
  let j: unknown;
  try {
    j = JSON.parse(readFileSync(file, 'utf8'));
  } catch {
    return null;
  }
  if (typeof j !== 'object' || j === null || (j as { generator?: unknown }).generator !== 'ssdkit synth') return null;
  const r = j as { images?: unknown; seed?: unknown; objectCounts?: unknown };
  return { images: Number(r.images), seed: Number(r.seed), objectCounts: Array.isArray(r.objectCounts) ? r.objectCounts.join(',') : String(r.objectCounts) };
}

export async function openDatasets(o: DatasetOptions): Promise<OpenedDatasets> {
  const log = o.log ?? (() => {});
  switch (o.kind) {
    case 'synth': {
      if (o.synthImages === undefined && o.synthSeed === undefined && o.synthObjectCounts === undefined) await ensureSyntheticAsFound(o.root, log);
      else await ensureSynthetic(o.root, o.synthImages ?? SYNTH_DEFAULT.images, o.synthSeed ?? SYNTH_DEFAULT.seed, log, o.synthObjectCounts);
      const train = await VOCDetection.load(o.root, o.trainSplits ?? ['2007/trainval'], { classes: SYNTH_CLASSES, onWarning: log });
      const val = await VOCDetection.load(o.root, o.valSplits ?? ['2007/test'], { classes: SYNTH_CLASSES, onWarning: log });
      return { train, val, classes: SYNTH_CLASSES };
    }
    case 'voc': {
      const val = await VOCDetection.load(o.root, o.valSplits ?? ['2007/test'], { onWarning: log });
      const train = o.valOnly ? val : await VOCDetection.load(o.root, o.trainSplits ?? ['2007/trainval', '2012/trainval'], { onWarning: log });
      return { train, val, classes: train.classes };
    }
    case 'custom': {
      const train = await CustomVOCDetection.loadCustom(o.root, o.trainSplits ?? ['VOC2007/trainval'], { classes: o.classes, onWarning: log });
      const val = await CustomVOCDetection.loadCustom(o.root, o.valSplits ?? ['VOC2007/test'], { classes: train.classes, onWarning: log });
      return { train, val, classes: train.classes };
    }
    case 'rec':
    case 'lst': {
      const file = (f: string | undefined, split: string): string => f ?? join(o.root, `${split}.${o.kind}`);
      const load = (path: string, classes: readonly string[] | undefined): Promise<DetectionDataset> =>
        o.kind === 'rec' ? RecordFileDetection.load(path, { classes, onWarning: log }) : LstDetection.load(path, { root: o.root, classes, onWarning: log });
      const val0 = o.valOnly ? await load(file(o.valFile, 'val'), o.classes) : undefined;
      const train = val0 ?? (await load(file(o.trainFile, 'train'), o.classes));
      const val = val0 ?? (await load(file(o.valFile, 'val'), train.classes));
      return { train, val, classes: train.classes };
    }
    case 'coco': {
      const val = await COCODetection.load(o.root, o.valSplits ?? ['instances_val2017'], { skipEmpty: false });
      const train = o.valOnly ? val : await COCODetection.load(o.root, o.trainSplits ?? ['instances_train2017'], {});
      return { train, val, classes: train.classes };
    }
  }
}

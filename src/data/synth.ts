// `makeSyntheticVOC`: writes a deterministic synthetic detection dataset as a real Pascal VOC folder (spec §8.1
// layout: {out}/VOC{year}/JPEGImages/*.jpg, Annotations/*.xml, ImageSets/Main/{train,val,trainval,test}.txt),
// readable by VOCDetection (classes: SYNTH_CLASSES) and CustomVOCDetection. Scenes come from synthScene.ts and
// are rendered from SVG by sharp. Also writes {out}/classes.txt and {out}/synth.json (what was generated).
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import sharp from 'sharp';
import { Random } from './random.js';
import { makeScene, SYNTH_CLASSES, DEFAULT_OBJECT_COUNTS } from './synthScene.js';
import { formatVOCAnnotation } from './voc.js';

export { SYNTH_CLASSES } from './synthScene.js';

export interface SyntheticVOCOptions {
  out: string;
  images: number;
  seed?: number;
  /** Nominal image side in pixels; each side is drawn from [0.75, 1.25] × size (default 320). */
  size?: number;
  /** VOC year of the folder name (default 2007 → VOC2007). */
  year?: number | string;
  /** The list each image's number of shapes is drawn from (default DEFAULT_OBJECT_COUNTS, 1-6; [1, 20]: very unequal). */
  objectCounts?: readonly number[];
  /** Images rendered at once (default 4). */
  concurrency?: number;
  onProgress?: (done: number, total: number) => void;
}

export interface SyntheticVOCSummary {
  root: string;
  /** The VOC{year} folder. */
  vocDir: string;
  /** Split argument for VOCDetection, e.g. '2007/trainval'. */
  year: string;
  classes: readonly string[];
  splits: Record<'train' | 'val' | 'trainval' | 'test', string[]>;
  objects: number;
  difficult: number;
}

/** Split assignment: a seeded permutation, 60% train, 20% val, the rest test. */
export function synthSplits(n: number, seed: number): SyntheticVOCSummary['splits'] {
  const ids = Array.from({ length: n }, (_, i) => synthId(i));
  const perm = Random.derive(seed, 0x59117).permutation(n);
  const nTrain = Math.round(n * 0.6);
  const nVal = Math.round(n * 0.2);
  const pick = (a: number, b: number): string[] => perm.slice(a, b).sort((x, y) => x - y).map((i) => ids[i]!);
  const train = pick(0, nTrain);
  const val = pick(nTrain, nTrain + nVal);
  const test = pick(nTrain + nVal, n);
  return { train, val, trainval: [...train, ...val].sort(), test };
}

export function synthId(i: number): string {
  return String(i + 1).padStart(6, '0');
}

export async function makeSyntheticVOC(opts: SyntheticVOCOptions): Promise<SyntheticVOCSummary> {
  const n = opts.images;
  if (!(Number.isInteger(n) && n > 0)) throw new RangeError(`images must be a positive integer, got ${n}`);
  const seed = opts.seed ?? 0;
  const size = opts.size ?? 320;
  if (!(Number.isFinite(size) && size >= 64 && size <= 4096)) throw new RangeError(`size must be in [64, 4096], got ${size}`);
  const objectCounts = opts.objectCounts ?? DEFAULT_OBJECT_COUNTS;
  if (objectCounts.length === 0 || objectCounts.some((c) => !Number.isInteger(c) || c < 0 || c > 100)) {
    throw new RangeError(`objectCounts must be a non-empty list of integers in [0, 100], got [${objectCounts.join(', ')}]`);
  }
  const year = String(opts.year ?? 2007);
  const folder = `VOC${year}`;
  const vocDir = join(opts.out, folder);
  await Promise.all(['JPEGImages', 'Annotations', join('ImageSets', 'Main')].map((d) => mkdir(join(vocDir, d), { recursive: true })));
  let next = 0;
  let done = 0;
  let objects = 0;
  let difficult = 0;
  const worker = async (): Promise<void> => {
    while (next < n) {
      const i = next++;
      const id = synthId(i);
      const scene = makeScene(seed, i, size, objectCounts);
      await sharp(Buffer.from(scene.svg)).flatten({ background: '#808080' }).removeAlpha().jpeg({ quality: scene.quality }).toFile(join(vocDir, 'JPEGImages', `${id}.jpg`));
      const xml = formatVOCAnnotation(folder, `${id}.jpg`, scene.width, scene.height, scene.objects);
      await writeFile(join(vocDir, 'Annotations', `${id}.xml`), xml);
      objects += scene.objects.length;
      difficult += scene.objects.filter((o) => o.difficult).length;
      opts.onProgress?.(++done, n);
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(opts.concurrency ?? 4, n)) }, worker));
  const splits = synthSplits(n, seed);
  for (const [name, ids] of Object.entries(splits)) {
    await writeFile(join(vocDir, 'ImageSets', 'Main', `${name}.txt`), ids.map((id) => `${id}\n`).join(''));
  }
  await writeFile(join(opts.out, 'classes.txt'), SYNTH_CLASSES.map((c) => `${c}\n`).join(''));
  await writeFile(
    join(opts.out, 'synth.json'),
    JSON.stringify({ generator: 'ssdkit synth', version: 1, images: n, seed, size, year, objectCounts, classes: SYNTH_CLASSES, objects, difficult }, null, 2) + '\n',
  );
  return { root: opts.out, vocDir, year, classes: SYNTH_CLASSES, splits, objects, difficult };
}

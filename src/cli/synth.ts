// `ssdkit synth`: writes the synthetic VOC-format detection dataset (src/data/synth.ts) used by the demo, the
// tests and the benchmarks.
import { parseArgs } from 'node:util';
import { UsageError, type Command } from './command.js';
import { makeSyntheticVOC } from '../data/synth.js';

function intFlag(name: string, v: string | undefined, fallback: number, min: number): number {
  if (v === undefined) return fallback;
  const n = Number(v);
  if (!Number.isInteger(n) || n < min) throw new UsageError(`--${name} must be an integer >= ${min}, got '${v}'`);
  return n;
}

export const synthCommand: Command = {
  name: 'synth',
  summary: 'write a synthetic VOC-format detection dataset (shapes on textured backgrounds)',
  usage: [
    'usage: ssdkit synth --out DIR --images N [--seed S] [--size PX] [--year Y] [--objects LIST]',
    '',
    '  --out DIR      folder to write (DIR/VOC{year}/JPEGImages, Annotations, ImageSets/Main)',
    '  --images N     number of images',
    '  --seed S       generator seed (default 0); the same seed gives the same files',
    '  --size PX      nominal image side, each side drawn from [0.75, 1.25]·PX (default 320)',
    '  --year Y       VOC folder year (default 2007: read with split 2007/trainval, 2007/test ...)',
    '  --objects LIST shapes per image, drawn from this list (default 1,1,2,2,2,3,3,3,4,4,5,6; 1,20: very unequal images)',
    '',
    'Classes: circle, square, triangle, star, cross (also written to DIR/classes.txt).',
  ].join('\n'),
  async run(argv) {
    let values: Record<string, string | undefined>;
    try {
      ({ values } = parseArgs({
        args: argv,
        options: { out: { type: 'string' }, images: { type: 'string' }, seed: { type: 'string' }, size: { type: 'string' }, year: { type: 'string' }, objects: { type: 'string' } },
        strict: true,
        allowPositionals: false,
      }) as { values: Record<string, string | undefined> });
    } catch (err) {
      throw new UsageError(err instanceof Error ? err.message : String(err));
    }
    if (!values['out']) throw new UsageError('--out is required');
    if (values['images'] === undefined) throw new UsageError('--images is required');
    const images = intFlag('images', values['images'], 0, 1);
    const seed = intFlag('seed', values['seed'], 0, 0);
    const size = intFlag('size', values['size'], 320, 64);
    const year = values['year'] ?? '2007';
    if (!/^[A-Za-z0-9_-]+$/.test(year)) throw new UsageError(`--year must be a plain name like 2007, got '${year}'`);
    const objectCounts = values['objects']?.split(',').map((x) => intFlag('objects', x.trim(), 0, 0));
    const t0 = Date.now();
    let last = 0;
    const s = await makeSyntheticVOC({
      out: values['out'],
      images,
      seed,
      size,
      year,
      objectCounts,
      onProgress: (done, total) => {
        if (process.stderr.isTTY && (Date.now() - last > 500 || done === total)) {
          last = Date.now();
          process.stderr.write(`\r${done}/${total} images`);
          if (done === total) process.stderr.write('\n');
        }
      },
    });
    const counts = Object.entries(s.splits).map(([k, v]) => `${k} ${v.length}`).join(', ');
    console.log(`wrote ${images} images (${s.objects} objects, ${s.difficult} difficult) to ${s.vocDir} in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
    console.log(`splits: ${counts}; classes: ${s.classes.join(', ')}`);
    return 0;
  },
};

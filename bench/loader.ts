// Loader throughput: images/s of the SSD300 train pipeline (decode + colour distortion, expand, constrained
// crop, random-interpolation resize to 300×300, flip, normalize; spec §7.4 without target generation) over
// the synthetic VOC dataset, in-process and with 1 and 2 worker threads. Each setting runs one warm-up epoch
// (worker start-up, JIT) and then timed epochs; reports the median.
//
//   node dist/bench/loader.js [--images 256] [--size 400] [--batch 32] [--epochs 3] [--workers 0,1,2]
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir, cpus } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { makeSyntheticVOC, SYNTH_CLASSES } from '../src/data/synth.js';
import { VOCDetection } from '../src/data/voc.js';
import { DataLoader } from '../src/data/loader.js';
import { ssdTrainTransformSpec } from '../src/data/transforms/ssdPresets.js';
import { nowMs, median, loadAverage } from './timing.js';

const { values } = parseArgs({
  options: {
    images: { type: 'string', default: '256' },
    size: { type: 'string', default: '400' },
    batch: { type: 'string', default: '32' },
    epochs: { type: 'string', default: '3' },
    workers: { type: 'string', default: '0,1,2' },
  },
});
const images = Number(values.images);
const batch = Number(values.batch);
const epochs = Number(values.epochs);
const workerCounts = values.workers.split(',').map(Number);

const dir = mkdtempSync(join(tmpdir(), 'ssdkit-bench-loader-'));
try {
  const t0 = nowMs();
  await makeSyntheticVOC({ out: dir, images, seed: 1, size: Number(values.size) });
  console.log(`synthetic data: ${images} images, nominal side ${values.size}, generated in ${((nowMs() - t0) / 1000).toFixed(1)} s`);
  const ds = await VOCDetection.load(dir, ['2007/trainval', '2007/test'], { classes: SYNTH_CLASSES });
  console.log(`machine: ${cpus().length} CPUs, load ${loadAverage()}`);
  for (const numWorkers of workerCounts) {
    const loader = new DataLoader(ds, { batchSize: batch, shuffle: true, lastBatch: 'rollover', numWorkers, seed: 7, transform: ssdTrainTransformSpec({ width: 300, height: 300 }) });
    const rates: number[] = [];
    for (let e = 0; e <= epochs; e++) {
      const t = nowMs();
      let n = 0;
      for await (const b of loader) n += b.indices.length;
      const rate = n / ((nowMs() - t) / 1000);
      if (e > 0) rates.push(rate);
    }
    await loader.close();
    const label = numWorkers === 0 ? 'in-process' : `${numWorkers} worker${numWorkers > 1 ? 's' : ''}`;
    console.log(`SSD300 train pipeline, ${label}: ${median(rates).toFixed(1)} images/s (epochs: ${rates.map((r) => r.toFixed(1)).join(', ')})`);
  }
} finally {
  rmSync(dir, { recursive: true, force: true });
}

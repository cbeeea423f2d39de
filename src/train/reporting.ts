// What train_ssd.py's logger reports (GluonCV scripts/detection/ssd/train_ssd.py: the per-batch speed and losses,
// the per-epoch line, validation mAP), here as a JSON-lines log, a progress bar with the global images/s, the
// epoch line and a PNG of the training curves. In data-parallel training only rank 0 reports.
import { appendFileSync } from 'node:fs';
import { ProgressBar } from '../util/progress.js';
import { writeLineChartPNG } from '../report/lineChart.js';
import type { EpochRecord, TrainOptions } from './trainOptions.js';
import type { TrainProcess } from './processGroup.js';

export class Reporter {
  readonly logPath: string;
  readonly #on: boolean;
  readonly #log: (line: string) => void;
  readonly #progress: boolean;

  constructor(o: Pick<TrainOptions, 'savePrefix' | 'log' | 'progress'>, proc: TrainProcess) {
    this.logPath = `${o.savePrefix}_train.jsonl`;
    this.#on = proc.isMain;
    this.#log = o.log ?? ((l: string) => process.stderr.write(l + '\n'));
    this.#progress = o.progress !== false && proc.isMain;
  }

  /** A line for a person (stderr by default); rank 0 only. */
  say(line: string): void {
    if (this.#on) this.#log(line);
  }

  /** A JSON-lines record with the time; rank 0 only. */
  record(rec: Record<string, unknown>): void {
    if (this.#on) appendFileSync(this.logPath, JSON.stringify({ time: new Date().toISOString(), ...rec }) + '\n');
  }

  /** An epoch's progress bar over the global images, or null off rank 0 / without progress. */
  bar(epoch: number, images: number): ProgressBar | null {
    return this.#progress ? new ProgressBar({ total: images, label: `epoch ${epoch}`, unit: 'img' }) : null;
  }

  epochLine(rec: EpochRecord): void {
    this.say(
      `[epoch ${rec.epoch}] lr=${rec.lr.toExponential(2)} CrossEntropy=${rec.CrossEntropy.toFixed(3)} SmoothL1=${rec.SmoothL1.toFixed(3)} ` +
        `${(rec.images / rec.seconds).toFixed(1)} img/s data-wait=${rec.dataWaitSeconds.toFixed(1)}s${rec.mAP !== undefined ? ` mAP=${rec.mAP.toFixed(4)}` : ''}`,
    );
  }

  /** The loss and mAP curves as `${prefix}_curves.png` (rank 0); null when nothing was trained or off rank 0. */
  async curves(savePrefix: string, epochs: EpochRecord[], metricName: string): Promise<string | null> {
    if (!this.#on || epochs.length === 0) return null;
    const path = `${savePrefix}_curves.png`;
    const panels = [
      { title: 'CrossEntropy', xLabel: 'epoch', series: [{ name: 'train', points: epochs.map((e) => [e.epoch, e.CrossEntropy] as [number, number]) }] },
      { title: 'SmoothL1', xLabel: 'epoch', series: [{ name: 'train', points: epochs.map((e) => [e.epoch, e.SmoothL1] as [number, number]) }] },
    ];
    const withMap = epochs.filter((e) => e.mAP !== undefined);
    if (withMap.length) panels.push({ title: `validation mAP (${metricName})`, xLabel: 'epoch', series: [{ name: 'mAP', points: withMap.map((e) => [e.epoch, e.mAP!] as [number, number]) }] });
    await writeLineChartPNG(path, panels);
    return path;
  }
}

// Crash safety (issue 9, part 1): a tiny training run (crashDriver.ts: the demo SSD at 64×64, a checkpoint every
// epoch) is killed with SIGKILL at seeded random moments, at least 10 times, each time resumed from its newest
// checkpoint. After every kill each checkpoint file on disk must load (format, SHA-256 digests, shapes, optimizer
// and schedule state) into a model, trainer and schedule. In the end every checkpoint and the best-weights file
// of the killed-and-resumed chain must equal, byte for byte, those of an uninterrupted run with the same seed.
//
// Why bitwise is possible: a kill loses only the epoch in progress; the run resumes from the last checkpoint,
// which holds the parameters, optimizer state, schedule, epoch, best mAP and libtorch's RNG, and the loader's
// order and augmentation depend only on (seed, epoch, position). The redone epoch therefore repeats the same
// operations on the same values. Half of the kills are aimed just after an epoch's log line, i.e. while that
// epoch's checkpoint is being written, where a non-atomic write would leave a torn file; the temporary file such
// a kill leaves is removed by the next run.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { makeSyntheticVOC } from '../../src/data/index.js';
import { Random } from '../../src/data/random.js';
import { Trainer, MultiStepEpochDecay, loadCheckpoint, loadParameters } from '../../src/nn/index.js';
import { buildFromSpec } from '../../src/train/modelSpec.js';
import { CRASH_RUN, crashSpec } from './crashDriver.js';

const EPOCHS = 30;
const KILLS = 12;
const DRIVER = fileURLToPath(new URL('./crashDriver.js', import.meta.url));

interface Attempt {
  /** 'done' when the run finished by itself, 'killed' otherwise. */
  outcome: 'done' | 'killed';
  epochLines: number;
}

/** When to send SIGKILL: `afterMs` after the start, or `delayMs` after the run's first epoch line. */
type Kill = { afterMs: number } | { delayMs: number };

/**
 * Runs the driver once (null kill: to the end). A killed attempt is killed at the latest on its second epoch
 * line, so one attempt advances the run by about two epochs at most and 30 epochs leave room for 12 kills.
 */
function runDriver(root: string, prefix: string, resume: string | undefined, kill: Kill | null): Promise<Attempt> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [DRIVER, root, prefix, String(EPOCHS), ...(resume ? [resume] : [])], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stderr = '';
    let epochLines = 0;
    let done = false;
    let timer: NodeJS.Timeout | undefined;
    const killNow = () => child.kill('SIGKILL');
    if (kill && 'afterMs' in kill) timer = setTimeout(killNow, kill.afterMs);
    let buffered = '';
    child.stdout.on('data', (d: Buffer) => {
      buffered += d.toString();
      const lines = buffered.split('\n');
      buffered = lines.pop()!;
      for (const line of lines) {
        if (line === 'done') done = true;
        if (!line.startsWith('epoch ')) continue;
        epochLines++;
        if (kill === null) continue;
        if (epochLines >= 2) killNow();
        else if ('delayMs' in kill) {
          if (kill.delayMs === 0) killNow();
          else timer = setTimeout(killNow, kill.delayMs);
        }
      }
    });
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('error', reject);
    child.on('exit', (code, signal) => {
      clearTimeout(timer);
      if (signal === 'SIGKILL') resolve({ outcome: 'killed', epochLines });
      else if (code === 0 && done) resolve({ outcome: 'done', epochLines });
      else reject(new Error(`driver exited with code ${code} signal ${signal}:\n${stderr}`));
    });
  });
}

/** The epoch-numbered checkpoints under a run prefix, oldest first. */
function checkpoints(dir: string, name: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir).filter((f) => new RegExp(`^${name}_\\d{4}\\.ckpt$`).test(f)).sort().map((f) => join(dir, f));
}

test(`SIGKILLed ${KILLS} times at random moments, every checkpoint stays loadable and the resumed run equals an uninterrupted one bitwise`, async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'ssdkit-crash-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const root = join(dir, 'data');
  await makeSyntheticVOC({ out: root, images: 24, seed: 5, size: 64 });

  // The uninterrupted reference.
  assert.equal((await runDriver(root, join(dir, 'ref', 'run'), undefined, null)).outcome, 'done');

  // What loads a checkpoint: the same model, an SGD trainer and the schedule, as `--resume` builds them.
  const net = buildFromSpec(crashSpec());
  const trainer = new Trainer(net.collectParams(), 'sgd', { learningRate: CRASH_RUN.lr, wd: CRASH_RUN.wd, momentum: CRASH_RUN.momentum });
  const schedule = new MultiStepEpochDecay({ baseLr: CRASH_RUN.lr, steps: [4], factor: 0.1 });
  t.after(() => {
    trainer.dispose?.();
    net.dispose();
  });
  // A file is re-read after each kill unless it is the very file (inode, size, mtime) already verified.
  const verified = new Set<string>();
  let loads = 0;
  const checkAll = (chainDir: string) => {
    for (const path of checkpoints(chainDir, 'run')) {
      const st = statSync(path);
      const key = `${path}:${st.ino}:${st.size}:${st.mtimeMs}`;
      if (verified.has(key)) continue;
      const info = loadCheckpoint(path, { net, trainer, schedule });
      assert.equal(info.epoch, Number(/_(\d{4})\.ckpt$/.exec(path)![1]), `${path}: epoch in the file`);
      assert.ok(info.hasTrainer && info.hasSchedule && info.hasRng, path);
      verified.add(key);
      loads++;
    }
    const best = join(chainDir, 'run_best.safetensors');
    if (existsSync(best)) loadParameters(best, net);
  };

  const chainDir = join(dir, 'chain');
  mkdirSync(chainDir, { recursive: true }); // a kill may come before the run has made its folder
  const rng = new Random(2024);
  const kinds: string[] = [];
  let kills = 0;
  let finished = false;
  const tornWrites = new Set<string>(); // temporary files of writes a kill interrupted
  while (kills < KILLS) {
    const latest = checkpoints(chainDir, 'run').at(-1);
    // Half the kills at a random time after the start (start-up, loading, training or validation), half a
    // random 0-250 ms after an epoch's log line, while that epoch's checkpoint is being written.
    const kill: Kill = kills % 2 === 0 ? { afterMs: rng.uniform(200, 4000) } : { delayMs: rng.randint(0, 250) };
    const r = await runDriver(root, join(chainDir, 'run'), latest, kill);
    if (r.outcome === 'done') {
      finished = true;
      break;
    }
    kills++;
    kinds.push('afterMs' in kill ? `${kill.afterMs.toFixed(0)}ms` : `epoch+${kill.delayMs}ms`);
    checkAll(chainDir);
    for (const f of readdirSync(chainDir)) if (f.includes('.tmp-')) tornWrites.add(f);
  }
  if (!finished) {
    const r = await runDriver(root, join(chainDir, 'run'), checkpoints(chainDir, 'run').at(-1), null);
    assert.equal(r.outcome, 'done');
  }
  checkAll(chainDir);
  t.diagnostic(`${kills} kills (${kinds.join(', ')}); ${loads} checkpoint versions loaded; ${tornWrites.size} write(s) interrupted mid-file`);
  assert.ok(kills >= 10, `only ${kills} kills before the run finished`);
  assert.deepEqual(readdirSync(chainDir).filter((f) => f.includes('.tmp-')), [], 'the next run removes the temporary files of interrupted writes');

  const ref = checkpoints(join(dir, 'ref'), 'run');
  const chain = checkpoints(chainDir, 'run');
  assert.equal(ref.length, EPOCHS);
  assert.deepEqual(chain.map((p) => p.replace(chainDir, '')), ref.map((p) => p.replace(join(dir, 'ref'), '')));
  for (const [i, p] of ref.entries()) assert.ok(readFileSync(p).equals(readFileSync(chain[i]!)), `${chain[i]} differs from the uninterrupted run's`);
  assert.ok(readFileSync(join(dir, 'ref', 'run_best.safetensors')).equals(readFileSync(join(chainDir, 'run_best.safetensors'))), 'best weights differ');
});

// End-to-end SSD300 VGG16 speed, ssdkit side by side with PyTorch 1.13 + torchvision 0.14 (the same libtorch
// build) in one run and the same thread count. The reference is torchvision's ssd300_vgg16(num_classes=21,
// random init), driven by a `/usr/bin/python3 bench/ssd_torch.py --serve` child; the two sides run alternating
// rounds (ABBA) so both see the same machine conditions. Lines report images/s from median step times.
//
//   node dist/bench/ssd.js [--rounds 3] [--cases train-b1,train-b4,...] [--profile [--profile-batch 4]] [--verbose]
//                          [--isa avx2]
//   → train-b4: ssdkit 0.55 images/s, torch 0.60 images/s, ratio 0.917
// --isa avx2 (or SSDKIT_BENCH_ISA=avx2): both sides capped at AVX2 kernels on an AVX-512 machine (bench/isa.ts);
// the first lines name the ISAs each side runs and the oneDNN kernels a probe convolution ran.
//
// Cases: train-bB (B = 1, 4, 8): one full training step on random images with 1–5 random boxes each (seeded):
//   ssdkit: forwardTrain, SSDTargetGenerator (NaiveSampler, train_ssd.py's), SSDMultiBoxLoss (3:1 hard-negative
//   mining), backward, Trainer 'sgd' (lr 1e-3, momentum 0.9, wd 5e-4) step;
//   torch: model(images, targets) (transform, backbone, heads, anchors, SSDMatcher, loss with 3:1 hard-negative
//   mining), sum, backward, torch.optim.SGD (same hyper-parameters) step.
// infer-bB (B = 1, 8): eval mode, no gradient, decoding + per-class NMS (ssdkit: net.detect; torch: model(images)),
//   on a second model holding the initial (untrained) weights on each side.
// Inputs: both networks see N(0, 1) images after their own input scaling (ssdkit: randn / 57.4, which the VGG
//   extractor's init_scale multiplies by ~57.4; torch: mean + std * randn, which its transform maps to randn).
// Weights: torchvision-like Kaiming init of ssdkit's feature convs (stableInit), so the loss stays finite.
// targets-b32, nms: bench/detection.ts's measurements against torchvision's per-image matching and encoding
// (box_iou, SSDMatcher, encode_single) and SSD.postprocess_detections, as images/s. loader: bench/loader.ts's 2-worker
// figure (`node dist/bench/loader.js --workers 2 --images 128 --epochs 2`, run as a child after the other cases).
// Thread count: SSDKIT_THREADS (default: all cores), the same on both sides. Conv algorithm: SSDKIT_CONV.
// SSDKIT_BENCH_CLOCK=cpu: steps timed by each process's CPU time (bench/timing.ts), for busy machines.
// --profile: a train-b4 step of each side split into phases (median ms per phase).
// Each case: 1 untimed warm-up step per side, then --rounds rounds of 1 timed step per side, ABBA order.
// --device cuda[:K] (the GPU benchmark, `npm run bench -- --device cuda`): both sides on that GPU, cases
// train/infer at batch 32 and 64, each in float32 and with -amp (float16 autocast; training through a
// GradScaler: ssdkit's createAmp, torch.amp.GradScaler); every timed step ends with a device synchronization.
// Peak GPU memory per process is nvidia-smi's used memory, sampled after every case (same measure both sides);
// torch's caching-allocator peaks are printed beside it. --ssdkit-only: no Python reference (a machine without
// torchvision); the torch columns read NaN.
import { spawnSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { getConvAlgorithm, getNumThreads, keep, manualSeed, winogradAvailable, noGrad, randn, tensor, tidy, zeros, parseDevice, synchronize, onDevice, type Tensor } from '../src/tensor/index.js';
import { getModel, type SSD } from '../src/models/index.js';
import { SSDMultiBoxLoss, SSDTargetGenerator } from '../src/detection/index.js';
import { Trainer, init, createAmp, type Amp } from '../src/nn/index.js';
import { GpuMemoryPeaks } from './gpuMemory.js';
import { benchNms, benchTargets, scenes } from './detection.js';
import { isaLines, reexecForIsa, requestedIsa, type BenchIsa } from './isa.js';
import { PythonChild, type Reply } from './pythonChild.js';
import { CPU_CLOCK, fmt, interleave, loadAverage, median, nowMs, summarize, timeReps } from './timing.js';

const HERE = dirname(fileURLToPath(import.meta.url)); // dist/bench
const SCRIPT = join(HERE, '..', '..', 'bench', 'ssd_torch.py');
const SIZE = 300;
const MAX_BOXES = 5;

// ---- scenes: 1..MAX_BOXES random boxes per image, seeded; both sides get the same boxes ----

interface Scene {
  /** Per image, its real boxes (corner, pixels of the 300x300 input). */
  boxes: number[][][];
  /** Per image, 0-based foreground class ids (0..19). */
  ids: number[][];
}

function makeScene(batch: number, seed: number): Scene {
  let s = seed >>> 0;
  const rnd = () => (s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 2 ** 32;
  const scene: Scene = { boxes: [], ids: [] };
  for (let b = 0; b < batch; b++) {
    const n = 1 + Math.floor(rnd() * MAX_BOXES);
    const boxes: number[][] = [];
    const ids: number[] = [];
    for (let i = 0; i < n; i++) {
      const w = 20 + rnd() * 200;
      const h = 20 + rnd() * 200;
      const x = rnd() * (SIZE - w);
      const y = rnd() * (SIZE - h);
      boxes.push([x, y, x + w, y + h].map((v) => Math.round(v * 100) / 100));
      ids.push(Math.floor(rnd() * 20));
    }
    scene.boxes.push(boxes);
    scene.ids.push(ids);
  }
  return scene;
}

/** ssdkit's padded form: gtBoxes (B, MAX_BOXES, 4), gtIds (B, MAX_BOXES) with -1 rows as padding. */
function sceneTensors(scene: Scene, device = 'cpu'): { gt: Tensor; ids: Tensor } {
  const boxes = scene.boxes.map((img) => [...img, ...Array.from({ length: MAX_BOXES - img.length }, () => [-1, -1, -1, -1])]);
  const ids = scene.ids.map((img) => [...img, ...Array.from({ length: MAX_BOXES - img.length }, () => -1)]);
  const [gt, idsT] = keep([tensor(boxes, { dtype: 'float32', device }), tensor(ids, { dtype: 'int64', device })]);
  return { gt: gt!, ids: idsT! };
}

// ---- the ssdkit side ----

/**
 * Re-draws the feature extractor's conv weights as torchvision's VGG does (Kaiming normal, fan_out; biases 0).
 * Without a pretrained base, getModel leaves them at Uniform(0.07) (train_ssd.py's `net.initialize()`), whose
 * activations grow ~2x per layer over the input's x255 init_scale: the first loss is ~2e3 and SGD at 1e-3
 * diverges to 3e6 on the next step, so a benchmark would soon time inf/NaN arithmetic. Values only; no shapes
 * or layers change.
 */
function stableInit(net: SSD): void {
  const params = [...net.collectParams('.*vggatrousextractor\\d+_.*conv\\d+_(weight|bias)')];
  if (params.length !== 2 * 23) throw new Error(`stableInit: expected 23 feature convs, found ${params.length / 2}`);
  for (const [name, p] of params) {
    p.initialize(name.endsWith('_weight') ? init.Xavier({ rndType: 'gaussian', factorType: 'out', magnitude: 2 }) : init.Zero(), { forceReinit: true });
  }
}

class SSDKitSide {
  readonly net: SSD;
  /** Inference runs on its own copy of the initial weights, independent of the train cases. */
  readonly inferNet: SSD;
  readonly trainer: Trainer;
  readonly gen = new SSDTargetGenerator({ negativeMiningRatio: -1 });
  readonly lossFn = new SSDMultiBoxLoss();
  readonly #images = new Map<number, Tensor>();
  /** Every training step's total loss, in order (a diverging run would show here). */
  readonly losses: number[] = [];
  readonly device: string;
  /** float16 autocast + GradScaler for the -amp cases. */
  readonly amp: Amp;

  constructor(device = 'cpu') {
    this.device = device;
    manualSeed(0);
    this.net = getModel('ssd_300_vgg16_atrous_voc', { pretrainedBase: false });
    this.net.train();
    noGrad(() => tidy(() => void this.net.forwardTrain(zeros([1, 3, SIZE, SIZE])))); // deferred shapes, as trainSSD
    stableInit(this.net);
    manualSeed(0);
    this.inferNet = getModel('ssd_300_vgg16_atrous_voc', { pretrainedBase: false });
    this.inferNet.eval();
    noGrad(() => tidy(() => void this.inferNet.detect(zeros([1, 3, SIZE, SIZE]))));
    stableInit(this.inferNet);
    this.net.resetDevice(device);
    this.inferNet.resetDevice(device);
    this.amp = createAmp({ device, enabled: device !== 'cpu', dtype: 'float16' });
    this.trainer = new Trainer(this.net.collectParams(), 'sgd', { learningRate: 1e-3, momentum: 0.9, wd: 5e-4 });
  }

  images(batch: number): Tensor {
    let x = this.#images.get(batch);
    if (x === undefined) {
      manualSeed(1000 + batch);
      // after the VGG extractor's init_scale (x 0.229..0.225 * 255) this is ~N(0, 1), as torch's input after
      // its transform (ssd_torch.py): both networks see the same input scale
      x = keep(tidy(() => onDevice(randn([batch, 3, SIZE, SIZE]).div(57.4), this.device)));
      this.#images.set(batch, x);
    }
    return x;
  }

  trainStep(x: Tensor, gt: Tensor, ids: Tensor, amp = false): void {
    this.net.train();
    const loss = tidy(() => {
      // under -amp the network runs in float16 (autocast); targets and loss in float32, as torchvision's
      const [clsPreds, boxPreds, anchors] = amp ? this.amp.autocast(() => this.net.forwardTrain(x)) : this.net.forwardTrain(x);
      const t = noGrad(() => this.gen.generate(anchors.float(), null, gt, ids));
      const losses = this.lossFn.compute(clsPreds.float(), boxPreds.float(), t.clsTargets, t.boxTargets);
      const total = losses.sum.sum();
      if (amp) {
        this.amp.backward(total);
        this.amp.step(this.trainer, 1);
      } else {
        total.backward();
        this.trainer.step(1);
      }
      return total.item();
    });
    this.losses.push(loss);
  }

  /** trainStep split into phases; adds each phase's ms to `ph`. */
  trainStepProfiled(x: Tensor, gt: Tensor, ids: Tensor, ph: Map<string, number[]>): void {
    this.net.train();
    let t = nowMs();
    const lap = (name: string) => {
      const now = nowMs();
      ph.set(name, [...(ph.get(name) ?? []), now - t]);
      t = now;
    };
    tidy(() => {
      const feats = this.net.features.forward(x);
      lap('features (backbone+expander)');
      const [clsPreds, boxPreds, anchors] = this.net.predict(feats);
      lap('heads (predictors+anchors+cat)');
      const tg = noGrad(() => this.gen.generate(anchors, null, gt, ids));
      lap('targets');
      const losses = this.lossFn.compute(clsPreds, boxPreds, tg.clsTargets, tg.boxTargets);
      const total = losses.sum.sum();
      lap('loss');
      total.backward();
      lap('backward');
      this.trainer.step(1);
      lap('optimizer');
    });
    lap('tidy dispose');
  }

  inferStep(x: Tensor, amp = false): void {
    if (amp) {
      // the network under autocast (float16 convs), decoding and NMS in float32
      noGrad(() => tidy(() => {
        const [cls, box, anchors] = this.amp.autocast(() => this.inferNet.forwardTrain(x));
        void this.inferNet.postprocess(cls.float(), box.float(), anchors.float());
      }));
    } else {
      tidy(() => void this.inferNet.detect(x));
    }
    synchronize(this.device);
  }
}

// ---- main ----

interface Args {
  rounds: number;
  cases: string[];
  profile: boolean;
  profileBatch: number;
  verbose: boolean;
  device: string;
  ssdkitOnly: boolean;
  isa: BenchIsa;
}

/** The reference side as main() uses it: the Python child, or NoReference for --ssdkit-only. */
type Reference = Pick<PythonChild, 'ready' | 'request' | 'samples' | 'close' | 'pid'>;

/** Answers every request with NaN, so that the ssdkit side runs alone. */
class NoReference implements Reference {
  readonly pid = undefined;
  async ready(): Promise<Reply> {
    return { ready: true, torch: 'none (--ssdkit-only)', torchvision: 'none', threads: NaN, mkldnn: false, gpu: 'n/a' };
  }
  async request(): Promise<Reply> {
    return { samples: [NaN], loss: NaN, params: NaN, maxrss_kb: NaN, max_reserved: NaN, max_allocated: NaN, phases: {} };
  }
  async samples(): Promise<number[]> {
    return [NaN];
  }
  close(): void {}
}

const ALL_CASES = ['train-b1', 'train-b4', 'train-b8', 'infer-b1', 'infer-b8', 'targets-b32', 'nms', 'loader'];
const GPU_CASES = ['train-b32', 'train-b32-amp', 'train-b64', 'train-b64-amp', 'infer-b32', 'infer-b32-amp', 'infer-b64', 'infer-b64-amp'];
const STEP_CASE = /^(train|infer)-b(\d+)(-amp)?$/;

function parseArgs(argv: string[]): Args {
  const val = (flag: string) => {
    const i = argv.indexOf(flag);
    return i >= 0 ? argv[i + 1] : undefined;
  };
  const rounds = Number(val('--rounds') ?? 3);
  if (!Number.isInteger(rounds) || rounds < 1) throw new Error('--rounds needs a positive integer');
  const device = parseDevice(val('--device') ?? 'cpu', '--device');
  const known = device === 'cpu' ? ALL_CASES : GPU_CASES;
  const cases = (val('--cases') ?? known.join(',')).split(',').filter(Boolean);
  for (const c of cases) {
    if (!known.includes(c) && !(device !== 'cpu' && STEP_CASE.test(c))) throw new Error(`unknown case '${c}' for --device ${device} (known: ${known.join(', ')})`);
    if (device === 'cpu' && c.endsWith('-amp')) throw new Error(`case '${c}': -amp cases need --device cuda`);
  }
  return { rounds, cases, profile: argv.includes('--profile'), profileBatch: Number(val('--profile-batch') ?? 4), verbose: argv.includes('--verbose'), device, ssdkitOnly: argv.includes('--ssdkit-only'), isa: requestedIsa(argv) };
}

function spread(label: string, s: number[]): string {
  const q = summarize(s);
  return `${label} min ${fmt(q.min)} median ${fmt(q.median)} max ${fmt(q.max)} ms (n=${q.n})`;
}

const mib = (kb: number) => `${(kb / 1024).toFixed(0)} MiB`;

/** bench/loader.ts's 2-worker figure, run as a child (it has no exports: its module body is the benchmark). */
function loaderFigure(): string {
  const args = [join(HERE, 'loader.js'), '--workers', '2', '--images', '128', '--epochs', '2'];
  const r = spawnSync(process.execPath, args, { encoding: 'utf8', timeout: 600_000 });
  const line = r.stdout?.split('\n').find((l) => l.includes('2 workers:'));
  const m = line?.match(/([\d.]+) images\/s/);
  return m ? `${m[1]} images/s (node dist/bench/loader.js --workers 2 --images 128 --epochs 2)` : `failed: ${(r.stderr || r.stdout || String(r.error)).trim().split('\n').pop()}`;
}

async function main(): Promise<number> {
  const o = parseArgs(process.argv.slice(2));
  const forced = reexecForIsa(o.isa);
  if (forced !== null) return forced;
  const threads = getNumThreads();
  const torch: Reference = o.ssdkitOnly ? new NoReference() : new PythonChild(SCRIPT, threads, 'python3, python3-torch, python3-torchvision', ['--device', o.device]);
  const gpuMem = o.device === 'cpu' ? null : new GpuMemoryPeaks();
  let info: Reply;
  try {
    info = await torch.ready();
  } catch (e) {
    console.error(`bench:ssd: PyTorch reference unavailable: ${(e as Error).message}`);
    console.error('It needs /usr/bin/python3 with torch and torchvision (Debian: apt-get install python3-torch python3-torchvision).');
    torch.close();
    return 2;
  }
  console.log(
    `threads: ssdkit ${threads}, torch ${String(info.threads)} (torch ${String(info.torch)}, torchvision ${String(info.torchvision)}, ` +
      `mkldnn ${info.mkldnn ? 'on' : 'off'}); rounds ${o.rounds} (+1 warm-up step per side per case)`,
  );
  for (const line of isaLines(info.isa)) console.log(line);
  if (gpuMem) console.log(`device: ${o.device} (${String(info.gpu)})`);
  console.log(`load before: ${loadAverage()}`);
  console.log(`train/infer lines: images/s from the median step ${CPU_CLOCK ? 'CPU time (SSDKIT_BENCH_CLOCK=cpu)' : 'time'} (higher is better); ratio = ssdkit / torch`);
  let torchRssKb = NaN;
  try {
    const side = new SSDKitSide(o.device);
    // the same network on both sides: GluonCV's and torchvision's SSD300 VGG16 for 21 classes have the same
    // trainable parameters (ssdkit's constants, the input scale and the anchor grids, are not counted)
    const ours = [...side.net.collectParams().values()].filter((p) => p.gradReq !== 'null').reduce((n, p) => n + p.shape.reduce((a, b) => a * b, 1), 0);
    const theirs = Number((await torch.request({ case: 'params' })).params);
    console.log(`trainable parameters: ssdkit ${ours}, torch ${theirs}; conv algorithm: ${getConvAlgorithm()}${winogradAvailable() ? '' : " (no oneDNN Winograd on this CPU: 'auto' runs winograd-gemm where it pays: 64+ channels, 100+ tiles, not the heads)"}`);
    for (const name of o.cases) {
      const m = name.match(STEP_CASE);
      if (!m) continue;
      const [kind, batch, amp] = [m[1]!, Number(m[2]), m[3] !== undefined];
      const x = side.images(batch);
      let ssdkitStep: () => void;
      let torchReq: Record<string, unknown>;
      let scene: Scene | null = null;
      let sceneT: { gt: Tensor; ids: Tensor } | null = null;
      if (kind === 'train') {
        scene = makeScene(batch, 11 + batch);
        sceneT = sceneTensors(scene, o.device);
        const { gt, ids } = sceneT;
        ssdkitStep = () => side.trainStep(x, gt, ids, amp);
        torchReq = { case: 'train', scene, amp };
      } else {
        ssdkitStep = () => side.inferStep(x, amp);
        torchReq = { case: 'infer', batch, amp };
      }
      // warm-up (untimed) on both sides, then ABBA rounds of one timed step each
      timeReps(ssdkitStep, { warmup: 1, reps: 0 });
      await torch.samples({ ...torchReq, warmup: 1, reps: 0 });
      const torchLosses: number[] = [];
      const firstLoss = side.losses.length;
      const r = await interleave(
        o.rounds,
        () => timeReps(ssdkitStep, { warmup: 0, reps: 1 }),
        async () => {
          const rep = await torch.request({ ...torchReq, warmup: 0, reps: 1 });
          if (typeof rep.loss === 'number') torchLosses.push(rep.loss);
          return rep.samples!;
        },
      );
      const [a, b] = [(batch * 1000) / median(r.a), (batch * 1000) / median(r.b)];
      console.log(`${name}: ssdkit ${fmt(a)}, torch ${fmt(b)}, ratio ${(a / b).toFixed(3)}`);
      gpuMem?.sample();
      if (o.verbose) {
        console.log(`  ${spread('ssdkit', r.a)}; ${spread('torch', r.b)}`);
        if (kind === 'train') console.log(`  timed steps' losses: ssdkit ${side.losses.slice(firstLoss).map((l) => fmt(l)).join(' ')}; torch ${torchLosses.map((l) => fmt(l)).join(' ')}`);
      }
      if (sceneT) for (const t of [sceneT.gt, sceneT.ids]) t.dispose();
    }
    if (o.profile) {
      const batch = o.profileBatch;
      const scene = makeScene(batch, 11 + batch);
      const { gt, ids } = sceneTensors(scene, o.device);
      const x = side.images(batch);
      const ph = new Map<string, number[]>();
      side.trainStep(x, gt, ids); // warm-up
      await torch.request({ case: 'train_profile', scene, warmup: 1, reps: 0 });
      let tph: Record<string, number[]> = {};
      await interleave(
        o.rounds,
        () => (side.trainStepProfiled(x, gt, ids, ph), []),
        async () => {
          const rep = await torch.request({ case: 'train_profile', scene, warmup: 0, reps: 1 });
          for (const [k, v] of Object.entries(rep.phases ?? {})) tph[k] = [...(tph[k] ?? []), ...v];
          return [];
        },
      );
      const total = (p: Map<string, number[]> | Record<string, number[]>) =>
        [...(p instanceof Map ? p.values() : Object.values(p))].reduce((s, v) => s + median(v), 0);
      console.log(`profile train-b${batch} (median ms per phase, ${o.rounds} steps each):`);
      console.log(`  ssdkit: ${[...ph].map(([k, v]) => `${k} ${fmt(median(v))}`).join(', ')}; sum ${fmt(total(ph))}`);
      console.log(`  torch:  ${Object.entries(tph).map(([k, v]) => `${k} ${fmt(median(v))}`).join(', ')}; sum ${fmt(total(tph))}`);
      gt.dispose();
      ids.dispose();
      tph = {};
    }
    // the SSD core's figures (bench/detection.ts) against torchvision's equivalents, as images/s
    const core = (name: string, images: number, ours: number[], theirs: number[]) => {
      const [a, b] = [(images * 1000) / median(ours), (images * 1000) / median(theirs)];
      console.log(`${name}: ssdkit ${fmt(a)}, torch ${fmt(b)}, ratio ${(a / b).toFixed(3)} (${fmt(median(ours))} vs ${fmt(median(theirs))} ms per call)`);
    };
    if (o.cases.includes('targets-b32')) {
      const ours = benchTargets({ reps: 15 }).naive;
      const theirs = await torch.samples({ case: 'targets', scene: scenes(32, 20, 7), warmup: 3, reps: 15 });
      core('targets-b32', 32, ours, theirs);
    }
    if (o.cases.includes('nms')) core('nms', 1, benchNms({ reps: 15 }), await torch.samples({ case: 'nms', warmup: 3, reps: 15 }));
    torchRssKb = Number((await torch.request({ case: 'rss' })).maxrss_kb ?? NaN);
    if (gpuMem) {
      const t = await torch.request({ case: 'gpumem' });
      const mb = (v: unknown) => `${(Number(v) / 2 ** 20).toFixed(0)} MiB`;
      console.log(`peak GPU memory (nvidia-smi, per process): ssdkit ${gpuMem.of(process.pid)}, torch ${gpuMem.of(torch.pid)} ` +
        `(torch caching allocator: max reserved ${mb(t.max_reserved)}, max allocated ${mb(t.max_allocated)})`);
    }
  } finally {
    torch.close();
  }
  if (o.cases.includes('loader')) {
    console.log(`loader: ${loaderFigure()}`);
  }
  console.log(`peak RSS: ssdkit ${mib(process.resourceUsage().maxRSS)}, torch ${mib(torchRssKb)}`);
  console.log(`load after: ${loadAverage()}`);
  return 0;
}

main().then(
  (code) => (process.exitCode = code),
  (e: unknown) => {
    console.error(`bench:ssd failed: ${e instanceof Error ? e.stack ?? e.message : String(e)}`);
    process.exitCode = 1;
  },
);

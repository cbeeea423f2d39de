// `ssdkit train`: train_ssd.py's flags (spec §7.1) in kebab case, plus the seed's three switches
// (--loss-norm, --predictor-init, --decoder). Writes <save-prefix>_model.json, checkpoints, the best weights,
// a JSON-lines log and a training-curve PNG.
import { homedir } from 'node:os';
import { join } from 'node:path';
import { UsageError, type Command } from './command.js';
import { parseFlags, str, num, numList, choice, device as deviceFlag } from './flags.js';
import { openDatasets, parseClassList, ensureSyntheticAsFound, DATASET_KINDS, type DatasetKind } from '../train/datasets.js';
import { trainSSD, type TrainOptions } from '../train/trainSSD.js';
import { buildFromSpec, demoPreset, saveModelSpec, type ModelSpec } from '../train/modelSpec.js';
import { modelNames } from '../models/index.js';
import { loadPretrainedBase, formatPretrainedBaseReport } from '../models/pretrainedBase.js';
import { manualSeed, parseGpus, distributedBackends, DeviceError } from '../tensor/index.js';
import { DEFAULT_MASTER_PORT, distributedFromEnv, launchWorkers, type LaunchOptions } from '../train/launch.js';

/** argv without the launcher's flags (as `--flag value` or `--flag=value`). */
function withoutFlags(argv: string[], names: string[]): string[] {
  const out: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const name = /^--([^=]+)/.exec(argv[i]!)?.[1];
    if (name && names.includes(name)) {
      if (!argv[i]!.includes('=')) i++;
      continue;
    }
    out.push(argv[i]!);
  }
  return out;
}

/** GluonCV's --gpus list ([] without it); a UsageError names the flag. */
function gpuList(v: Record<string, unknown>): number[] {
  try {
    return v.gpus === undefined ? [] : parseGpus(String(v.gpus), '--gpus');
  } catch (e) {
    throw e instanceof DeviceError ? new UsageError(e.message) : e;
  }
}

/** Where this process trains: its GPU of --gpus (one per local rank), else --device. */
function trainDevice(v: Record<string, unknown>, localRank: number): string {
  const gpus = gpuList(v);
  if (gpus.length === 0) return deviceFlag(v);
  if (v.device !== undefined) throw new UsageError('give --gpus or --device, not both');
  return `cuda:${gpus[localRank % gpus.length]}`;
}

/** The launcher's settings when this invocation must start workers; null when it trains itself. */
function launchOptions(v: Record<string, unknown>): LaunchOptions | null {
  const gpus = gpuList(v).length;
  if (gpus > 1 && v['nproc-per-node'] !== undefined && Number(v['nproc-per-node']) !== gpus) throw new UsageError(`--gpus starts one process per GPU (${gpus}); drop --nproc-per-node`);
  const nprocPerNode = gpus > 1 ? gpus : num(v, 'nproc-per-node', 1, { integer: true, min: 1 });
  const nnodes = num(v, 'nnodes', 1, { integer: true, min: 1 });
  if (nprocPerNode * nnodes === 1 || distributedFromEnv() !== undefined) return null;
  const nodeRank = num(v, 'node-rank', 0, { integer: true, min: 0, max: nnodes - 1 });
  return { nprocPerNode, nnodes, nodeRank, masterAddr: str(v, 'master-addr', '127.0.0.1'), masterPort: num(v, 'master-port', DEFAULT_MASTER_PORT, { integer: true, min: 1, max: 65535 }) };
}
import { defaultValMetric, VAL_METRIC_KINDS } from '../train/valMetric.js';

const FLAGS = {
  network: { type: 'string' }, 'data-shape': { type: 'string' }, 'batch-size': { type: 'string' }, dataset: { type: 'string' },
  'dataset-root': { type: 'string' }, classes: { type: 'string' }, 'num-workers': { type: 'string', short: 'j' }, epochs: { type: 'string' },
  lr: { type: 'string' }, 'lr-decay': { type: 'string' }, 'lr-decay-epoch': { type: 'string' }, momentum: { type: 'string' }, wd: { type: 'string' },
  'warmup-epochs': { type: 'string' }, 'log-interval': { type: 'string' }, 'save-prefix': { type: 'string' }, 'save-interval': { type: 'string' },
  'val-interval': { type: 'string' }, seed: { type: 'string' }, resume: { type: 'string' }, 'start-epoch': { type: 'string' },
  'loss-norm': { type: 'string' }, 'predictor-init': { type: 'string' }, decoder: { type: 'string' }, 'max-batches': { type: 'string' },
  'val-limit': { type: 'string' }, 'pretrained-base': { type: 'string' }, 'on-nonfinite': { type: 'string' }, 'time-budget': { type: 'string' },
  'nproc-per-node': { type: 'string' }, nnodes: { type: 'string' }, 'node-rank': { type: 'string' }, 'master-addr': { type: 'string' },
  'master-port': { type: 'string' }, 'dist-timeout': { type: 'string' }, 'no-overlap': { type: 'boolean' },
  device: { type: 'string' }, gpus: { type: 'string' }, amp: { type: 'boolean' }, 'amp-dtype': { type: 'string' }, 'channels-last': { type: 'boolean' },
  'val-metric': { type: 'string' }, 'train-rec': { type: 'string' }, 'val-rec': { type: 'string' }, 'train-lst': { type: 'string' },
  'val-lst': { type: 'string' },
} as const;

/** The flags the launcher consumes; its workers get the rest. */
const LAUNCH_FLAGS = ['nproc-per-node', 'nnodes', 'node-rank', 'master-addr', 'master-port'];

export const USAGE = `usage: ssdkit train [options]

  --network NAME          vgg16_atrous (default), resnet50_v1, mobilenet1.0, resnet34_v1b, ... or 'demo'
                          (the demo's MobileNet0.25 SSD at 256); the model is ssd_<data-shape>_<network>_<dataset>
  --data-shape N          300 (default) or 512
  --dataset KIND          synth (default, the built-in synthetic set), voc, coco, custom, rec (RecordIO), lst
  --dataset-root DIR      dataset folder (synth: ./ssdkit-data/synth, made if empty and used as it is otherwise;
                          others: ~/.ssdkit/datasets/<kind>)
  --train-rec F, --val-rec F   rec: .rec files (.idx beside them); default <root>/train.rec, <root>/val.rec
  --train-lst F, --val-lst F   lst: .lst files, images relative to the root; default <root>/train.lst, val.lst
  --classes LIST          custom (and rec/lst names): comma-separated names or a file with one per line
  --batch-size N          32            -j, --num-workers N  2
  --epochs N              240           --lr X               0.001
  --lr-decay X            0.1           --lr-decay-epoch L   160,200
  --momentum X            0.9           --wd X               0.0005
  --warmup-epochs N       0             --log-interval N     100 (batches)
  --save-prefix P         ./ssdkit-runs/<model>   --save-interval N  10   --val-interval N  1
  --seed N                233           --resume FILE        a .ckpt written by ssdkit train
  --start-epoch N         0
  --val-metric M          voc07 (11-point), voc (area) or coco (AP@[.5:.95] selects the best model);
                          default coco for --dataset coco, else voc07 (train_ssd.py's choice)
  --loss-norm batch|sample             tip 1: normalize by the batch's positives (GluonCV) or per image
  --predictor-init default|xavier|uniform|normal   tip 2: re-initialize predictor weights (xavier = the seed's
                          Xavier(gaussian, out, 2); default keeps GluonCV's Xavier(uniform, avg, 2))
  --decoder per-class|argmax           tip 3: how validation decodes class scores
  --pretrained-base PATH  ImageNet backbone weights: GluonCV .params, .safetensors, or torchvision's vgg16 .pth
                          (missing layers stay initialized, extra entries are ignored; counts are logged)
  --max-batches N, --val-limit N, --time-budget SEC   shorten a run
  --on-nonfinite skip|stop             a NaN/Inf loss or gradient skips the batch (default) or stops

data-parallel training (torchrun's flags; --batch-size stays the global batch, batch/W per process):
  --nproc-per-node N      worker processes on this machine (default 1)
  --nnodes M --node-rank R   machines in the run and this one's index (default 1, 0)
  --master-addr HOST --master-port PORT   where rank 0 serves the rendezvous (default 127.0.0.1:29500)
  --dist-timeout SEC      how long a rank waits for the others before failing (default 120)
  --no-overlap            sum the gradients after backward instead of during it

devices:
  --device D              cpu (default), cuda or cuda:K
  --gpus 0,1              GluonCV's flag: one process per listed GPU (NCCL where libtorch has it)
  --amp                   mixed precision: autocast forward/loss, float16 with dynamic loss scaling
  --amp-dtype float16|bfloat16   default float16 on GPUs, bfloat16 on the CPU
  --channels-last         channels-last (NHWC) input, as timm's flag (faster for the MobileNet demo SSD on CPU)
  Workers started by torchrun or a scheduler are read from RANK, WORLD_SIZE, LOCAL_RANK, MASTER_ADDR, MASTER_PORT.`;

export function modelSpecFor(network: string, dataShape: number, dataset: DatasetKind, classes: readonly string[]): ModelSpec {
  if (network === 'demo') return { name: 'ssd_256_mobilenet0.25_demo', preset: demoPreset(), classes: [...classes] };
  const suffix = dataset === 'voc' || dataset === 'coco' ? dataset : 'custom';
  const name = `ssd_${dataShape}_${network}_${suffix}`;
  if (!modelNames().includes(name)) throw new UsageError(`no model ${name}; available: ${modelNames().join(', ')}`);
  return { name, classes: [...classes] };
}

export const trainCommand: Command = {
  name: 'train',
  summary: 'train an SSD (train_ssd.py flags, plus the seed tutorial\'s three switches)',
  usage: USAGE,
  async run(argv) {
    const { values: v } = parseFlags(argv, FLAGS);
    const dataset = choice(v, 'dataset', DATASET_KINDS, 'synth');
    const network = str(v, 'network', 'vgg16_atrous');
    const dataShape = network === 'demo' ? 256 : num(v, 'data-shape', 300, { integer: true, min: 64 });
    const root = str(v, 'dataset-root') ?? (dataset === 'synth' ? join('ssdkit-data', 'synth') : join(homedir(), '.ssdkit', 'datasets', dataset));
    if (dataset === 'custom' && !str(v, 'classes')) throw new UsageError('--dataset custom needs --classes');
    const log = (l: string) => process.stderr.write(l + '\n');
    const launch = launchOptions(v);
    if (launch) {
      if (dataset === 'synth') await ensureSyntheticAsFound(root, log); // once, before the workers read it
      return launchWorkers(process.argv[1]!, ['train', ...withoutFlags(argv, LAUNCH_FLAGS)], launch, log);
    }
    const distributed = distributedFromEnv();
    if (distributed && v['dist-timeout'] !== undefined) distributed.timeoutMs = 1000 * num(v, 'dist-timeout', 120, { min: 1 });
    const isMain = (distributed?.rank ?? 0) === 0;
    const device = trainDevice(v, distributed?.localRank ?? 0);
    if (distributed && device.startsWith('cuda') && distributedBackends().includes('nccl')) distributed.backend = 'nccl';
    const files = { trainFile: str(v, `train-${dataset}`), valFile: str(v, `val-${dataset}`) };
    const data = await openDatasets({ kind: dataset, root, classes: str(v, 'classes') ? parseClassList(str(v, 'classes')!) : undefined, ...files, log });
    const spec = modelSpecFor(network, dataShape, dataset, data.classes);
    const savePrefix = str(v, 'save-prefix', join('ssdkit-runs', spec.name));
    const o: TrainOptions = {
      dataShape,
      batchSize: num(v, 'batch-size', 32, { integer: true, min: 1 }),
      numWorkers: num(v, 'num-workers', 2, { integer: true, min: 0 }),
      epochs: num(v, 'epochs', 240, { integer: true, min: 1 }),
      lr: num(v, 'lr', 0.001, { min: 0 }),
      lrDecay: num(v, 'lr-decay', 0.1, { min: 0 }),
      lrDecayEpoch: numList(v, 'lr-decay-epoch', [160, 200]),
      momentum: num(v, 'momentum', 0.9, { min: 0 }),
      wd: num(v, 'wd', 0.0005, { min: 0 }),
      warmupEpochs: num(v, 'warmup-epochs', 0, { min: 0 }),
      logInterval: num(v, 'log-interval', 100, { integer: true, min: 0 }),
      savePrefix,
      saveInterval: num(v, 'save-interval', 10, { integer: true, min: 1 }),
      valInterval: num(v, 'val-interval', 1, { integer: true, min: 1 }),
      seed: num(v, 'seed', 233, { integer: true, min: 0 }),
      resume: str(v, 'resume'),
      startEpoch: num(v, 'start-epoch', 0, { integer: true, min: 0 }),
      lossNorm: choice(v, 'loss-norm', ['batch', 'sample'] as const, 'batch'),
      predictorInit: choice(v, 'predictor-init', ['default', 'xavier', 'uniform', 'normal'] as const, 'default'),
      decoder: choice(v, 'decoder', ['per-class', 'argmax'] as const, 'per-class'),
      maxBatchesPerEpoch: v['max-batches'] !== undefined ? num(v, 'max-batches', 0, { integer: true, min: 1 }) : undefined,
      valLimit: v['val-limit'] !== undefined ? num(v, 'val-limit', 0, { integer: true, min: 1 }) : undefined,
      timeBudgetSec: v['time-budget'] !== undefined ? num(v, 'time-budget', 0, { min: 1 }) : undefined,
      onNonFinite: choice(v, 'on-nonfinite', ['skip', 'stop'] as const, 'skip'),
      distributed,
      overlapGradReduce: v['no-overlap'] !== true,
      device,
      amp: v.amp === true,
      channelsLast: v['channels-last'] === true,
      ampDtype: v['amp-dtype'] !== undefined ? choice(v, 'amp-dtype', ['float16', 'bfloat16'] as const, 'float16') : undefined,
      valMetric: choice(v, 'val-metric', VAL_METRIC_KINDS, defaultValMetric(dataset)),
      log,
    };
    if (o.valMetric === 'coco' && dataset !== 'coco') throw new UsageError('--val-metric coco needs --dataset coco (it evaluates against the instances JSON)');
    manualSeed(o.seed); // initial weights from --seed as well
    const net = buildFromSpec(spec);
    const pretrainedBase = str(v, 'pretrained-base');
    if (pretrainedBase) {
      const report = formatPretrainedBaseReport(loadPretrainedBase(net, pretrainedBase));
      if (isMain) log(report);
    }
    if (isMain) saveModelSpec(`${savePrefix}_model.json`, spec);
    const r = await trainSSD(net, data.train, data.val, o);
    net.dispose();
    if (!isMain) return 0;
    console.log(`best mAP ${r.bestMap.toFixed(4)}; weights ${r.bestPath ?? '(none)'}; last checkpoint ${r.lastCheckpoint ?? '(none)'}`);
    console.log(`log ${r.logPath}; curves ${r.curvesPath ?? '(none)'}; model description ${savePrefix}_model.json`);
    return 0;
  },
};

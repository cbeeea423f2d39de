// Gluon's Trainer (MXNet 1.9.1 `gluon/trainer.py`; spec §7.2): applies an optimizer to a set of parameters.
// step(batchSize) sets rescale_grad = scale / batchSize and updates every parameter whose gradReq is not 'null',
// using its lrMult/wdMult. Optimizer state is created lazily on a parameter's first update.
//
//   const trainer = new Trainer(net.collectParams(), 'sgd', { learningRate: 1e-3, wd: 5e-4, momentum: 0.9 });
//   tidy(() => { lossFn(net).backward(); });  trainer.step(1);
//
// libtorch accumulates gradients, Gluon's 'write' overwrites them: to keep Gluon's semantics the trainer drops
// the gradients of 'write' parameters after updating them (read them before step(); 'add' ones are kept until
// zeroGrad()). A trainable parameter without a gradient (not reached by backward since the last step) is an
// error unless ignoreStaleGrad, as in Gluon.
import { type Tensor, keep, noGrad, tidy } from '../tensor/index.js';
import { type Parameter } from './parameter.js';
import { Optimizer, type OptimizerStateDict } from './optimizer.js';
import { SGD, type SGDOptions } from './sgd.js';
import { Adam, type AdamOptions } from './adam.js';

export type OptimizerName = 'sgd' | 'adam';

/** The JSON part of a trainer's state; tensors are keyed `<param name>.<state name>`. */
export interface TrainerStateMeta {
  optimizer: OptimizerStateDict;
  /** Update counts by parameter name (replaces the optimizer's index-keyed counts). */
  updateCounts: Record<string, number>;
}

export function createOptimizer(name: OptimizerName, options: SGDOptions & AdamOptions = {}): Optimizer {
  switch (name) {
    case 'sgd': return new SGD(options);
    case 'adam': return new Adam(options);
    default: throw new RangeError(`unknown optimizer '${String(name)}' (expected 'sgd' or 'adam')`);
  }
}

export class Trainer {
  readonly params: readonly Parameter[];
  readonly optimizer: Optimizer;
  readonly #scale: number;
  readonly #states = new Map<number, Tensor[]>();

  constructor(
    params: Iterable<Parameter> | Map<string, Parameter>,
    optimizer: OptimizerName | Optimizer,
    optimizerParams: SGDOptions & AdamOptions = {},
  ) {
    const list = params instanceof Map ? [...params.values()] : [...params];
    if (new Set(list).size !== list.length) throw new Error('Trainer: the same parameter appears twice');
    this.params = list;
    this.optimizer = optimizer instanceof Optimizer ? optimizer : createOptimizer(optimizer, optimizerParams);
    this.#scale = this.optimizer.rescaleGrad;
  }

  get learningRate(): number {
    return this.optimizer.learningRate;
  }

  setLearningRate(lr: number): void {
    this.optimizer.setLearningRate(lr);
  }

  /** One update of every trainable parameter, gradients normalized by 1 / batchSize. */
  step(batchSize: number, options: { ignoreStaleGrad?: boolean } = {}): void {
    if (!(batchSize > 0)) throw new RangeError(`Trainer.step: batchSize must be positive, got ${batchSize}`);
    this.optimizer.rescaleGrad = this.#scale / batchSize;
    noGrad(() =>
      tidy(() => {
        const work: [number, Parameter, Tensor][] = [];
        const stale: string[] = [];
        this.params.forEach((p, i) => {
          if (p.gradReq === 'null') return;
          const g = p.grad();
          if (g !== null) work.push([i, p, g]);
          else if (!options.ignoreStaleGrad) stale.push(p.name);
        });
        if (stale.length > 0) {
          throw new Error(
            `Trainer.step: gradient of ${stale.length} parameter(s) has not been updated by backward since the last step ` +
              `(${stale.slice(0, 5).join(', ')}${stale.length > 5 ? ', ...' : ''}). Maybe they are not used by the loss; ` +
              "set their gradReq to 'null' or call step(batchSize, { ignoreStaleGrad: true }).",
          );
        }
        for (const [i, p, g] of work) {
          const w = p.data();
          let state = this.#states.get(i);
          if (state === undefined) {
            state = keep(this.optimizer.createState(i, w));
            this.#states.set(i, state);
          }
          this.optimizer.update(i, w, g, state, p);
          if (p.gradReq === 'write') p.zeroGrad();
        }
      }),
    );
  }

  /** Optimizer state for checkpoints: live tensors (not copies) keyed `<name>.<state>`, plus JSON. */
  stateDict(nameOf: (p: Parameter, index: number) => string = (p) => p.name): { tensors: Map<string, Tensor>; meta: TrainerStateMeta } {
    const tensors = new Map<string, Tensor>();
    const updateCounts: Record<string, number> = {};
    const names = this.optimizer.stateNames;
    this.params.forEach((p, i) => {
      const name = nameOf(p, i);
      const st = this.#states.get(i);
      if (st) st.forEach((t, k) => tensors.set(`${name}.${names[k]}`, t));
      const n = this.optimizer.updateCount(i);
      if (n > 0) updateCounts[name] = n;
    });
    const optimizer = this.optimizer.stateDict();
    optimizer.indexUpdateCount = [];
    return { tensors, meta: { optimizer, updateCounts } };
  }

  /** Everything in `tensors`/`meta` that does not fit this trainer, one line each (empty when it fits). */
  checkStateDict(tensors: ReadonlyMap<string, Tensor>, meta: TrainerStateMeta, nameOf: (p: Parameter, index: number) => string = (p) => p.name): string[] {
    const problems: string[] = [];
    if (meta.optimizer.kind !== this.optimizer.kind) {
      problems.push(`optimizer is '${meta.optimizer.kind}' in the checkpoint, '${this.optimizer.kind}' here`);
      return problems;
    }
    const expected = new Map<string, readonly number[]>();
    const byName = new Set<string>();
    this.params.forEach((p, i) => {
      const name = nameOf(p, i);
      byName.add(name);
      for (const s of this.optimizer.stateNames) expected.set(`${name}.${s}`, p.shape);
    });
    for (const [k, t] of tensors) {
      const shape = expected.get(k);
      if (shape === undefined) problems.push(`optimizer state '${k}' has no parameter in this trainer`);
      else if (t.shape.length !== shape.length || t.shape.some((d, j) => d !== shape[j])) {
        problems.push(`optimizer state '${k}': checkpoint [${t.shape.join(', ')}], parameter [${shape.join(', ')}]`);
      }
    }
    for (const name of Object.keys(meta.updateCounts)) {
      if (!byName.has(name)) problems.push(`update count for '${name}', which is not in this trainer`);
    }
    return problems;
  }

  /** Restores a stateDict() (throws listing every mismatch before changing anything). */
  loadStateDict(tensors: ReadonlyMap<string, Tensor>, meta: TrainerStateMeta, nameOf: (p: Parameter, index: number) => string = (p) => p.name): void {
    const problems = this.checkStateDict(tensors, meta, nameOf);
    if (problems.length > 0) throw new Error(`Trainer.loadStateDict: the state does not fit:\n  ${problems.join('\n  ')}`);
    const counts: [number, number][] = [];
    const names = this.optimizer.stateNames;
    this.disposeStates();
    noGrad(() => {
      this.params.forEach((p, i) => {
        const name = nameOf(p, i);
        if (meta.updateCounts[name] !== undefined) counts.push([i, meta.updateCounts[name]!]);
        const parts = names.map((s) => tensors.get(`${name}.${s}`));
        if (names.length === 0 || parts.some((t) => t === undefined)) return;
        const w = p.data();
        const state = keep(tidy(() => this.optimizer.createState(i, w)));
        state.forEach((t, k) => t.copy_(parts[k]!));
        this.#states.set(i, state);
      });
    });
    this.optimizer.loadStateDict({ ...meta.optimizer, indexUpdateCount: counts });
  }

  /** Frees the optimizer state (it is re-created, zeroed, on the next step). */
  disposeStates(): void {
    for (const st of this.#states.values()) for (const t of st) t.dispose();
    this.#states.clear();
  }

  dispose(): void {
    this.disposeStates();
  }
}

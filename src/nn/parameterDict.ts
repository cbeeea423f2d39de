// Gluon's ParameterDict (MXNet 1.9.1 `gluon/parameter.py`): parameters by MXNet name, as returned by
// Block.collectParams(), with the bulk operations used by training scripts.
//
//   net.collectParams('.*predictor').initialize(init.Xavier(), { forceReinit: true });
//   net.collectParams('.*bias').setattr('wdMult', 0);
import { Uniform, type Initializer } from './initializer.js';
import { type Parameter, type GradReq, warnAlreadyInitialized } from './parameter.js';

export interface DictInitializeOptions {
  forceReinit?: boolean;
  device?: string;
}

/** The settable attributes of every parameter in a dict. */
export interface ParameterAttributes {
  lrMult: number;
  wdMult: number;
  gradReq: GradReq;
  init: Initializer | null;
}

export class ParameterDict extends Map<string, Parameter> {
  /**
   * Initializes every parameter with Gluon's precedence: the parameter's own initializer if it has one, else
   * `init` (so `init` is the *default*, Uniform(0.07) when omitted — it does not override layers'
   * weightInitializer; call a parameter's own initialize(init) for that). Already-initialized parameters are
   * skipped with one warning unless forceReinit is set.
   */
  initialize(init: Initializer = Uniform(), options: DictInitializeOptions = {}): void {
    const skipped: string[] = [];
    for (const p of this.values()) {
      if (p.isInitialized && !options.forceReinit) skipped.push(p.name);
      else p.fill(p.init ?? init, options.device);
    }
    warnAlreadyInitialized(skipped);
  }

  /** Sets one attribute on every parameter (Gluon's `ParameterDict.setattr`). */
  setattr<K extends keyof ParameterAttributes>(name: K, value: ParameterAttributes[K]): void {
    for (const p of this.values()) (p as unknown as ParameterAttributes)[name] = value;
  }

  /** Drops every accumulated gradient. */
  zeroGrad(): void {
    for (const p of this.values()) p.zeroGrad();
  }

  /** Moves every initialized parameter to `device` (Gluon's reset_ctx). */
  resetDevice(device: string): void {
    for (const p of this.values()) if (p.isInitialized) p.resetDevice(device);
  }

  /** The parameters that receive gradients (gradReq is not 'null'). */
  trainable(): Parameter[] {
    return [...this.values()].filter((p) => p.gradReq !== 'null');
  }
}

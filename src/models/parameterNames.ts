// The three names every parameter of a model has (spec §2.3), as GluonCV would write them:
//   mxnet       the MXNet 1.x prefixed name (`ssd0_convpredictor0_conv0_weight`; Block.collectParams keys),
//               with MXNet's `moving_mean/var` for the FeatureExpander's symbol batch norms;
//   structural  ssdkit's structural name (`classPredictors.0.predictor.weight`; Block.namedParameters keys,
//               what saveParameters writes);
//   gluon       Gluon's save_parameters name: the structural name in snake_case
//               (`class_predictors.0.predictor.weight`), except inside a FeatureExpander, a SymbolBlock, whose
//               parameters are saved as `<path>.<mxnet name>` (`features.expand_conv0_weight`).
import { type Block, type Parameter } from '../nn/index.js';
import { FeatureExpander, SymbolBatchNorm } from './ssd/featureExpander.js';

export interface ParameterNames {
  parameter: Parameter;
  mxnet: string;
  structural: string;
  gluon: string;
}

/** camelCase -> snake_case for one structural segment (`runningMean` -> `running_mean`). */
export function snakeCase(segment: string): string {
  return segment.replace(/([a-z0-9])([A-Z])/g, '$1_$2').toLowerCase();
}

/** snake_case -> camelCase for one segment (`class_predictors` -> `classPredictors`). */
export function camelCase(segment: string): string {
  return segment.replace(/_([a-z])/g, (_, c: string) => c.toUpperCase());
}

/** Every parameter of `root` with its names, in structural order (each parameter once). */
export function describeParameters(root: Block): ParameterNames[] {
  const out: ParameterNames[] = [];
  const seen = new Set<Parameter>();
  const visit = (b: Block, path: string, gluonPath: string, symbolic: boolean): void => {
    const sym = symbolic || b instanceof FeatureExpander;
    const symbolBn = b instanceof SymbolBatchNorm;
    for (const [k, p] of b.namedParameters()) {
      if (k.includes('.') || seen.has(p)) continue;
      seen.add(p);
      const mxnet = symbolBn ? p.name.replace(/running_(mean|var)$/, 'moving_$1') : p.name;
      out.push({ parameter: p, mxnet, structural: path + k, gluon: sym ? gluonPath + mxnet : gluonPath + snakeCase(k) });
    }
    for (const [k, c] of b.children) {
      // A SymbolBlock flattens: all its parameters sit directly under its own path.
      visit(c, `${path}${k}.`, sym ? gluonPath : `${gluonPath}${snakeCase(k)}.`, sym);
    }
  };
  visit(root, '', '', false);
  return out;
}

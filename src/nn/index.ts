// The neural-network toolkit with Gluon (MXNet 1.x) semantics: blocks and parameters with MXNet naming,
// initializers, layers, losses, optimizers, learning-rate schedules and checkpoints.
export { resetNameCounters } from './naming.js';
export * as init from './initializer.js';
export { type Initializer, type XavierOptions, type XavierRndType, type XavierFactorType, xavierScale } from './initializer.js';
export { Parameter, type ParameterOptions, type InitializeOptions, type GradReq } from './parameter.js';
export { ParameterDict, type DictInitializeOptions, type ParameterAttributes } from './parameterDict.js';
export { Block, type BlockOptions, type Layer } from './block.js';
export { Conv2D, type Conv2DOptions, type Pair } from './conv.js';
export { Dense, type DenseOptions } from './dense.js';
export { MaxPool2D, AvgPool2D, GlobalAvgPool2D, pooledSize, type Pool2DOptions, type AvgPool2DOptions } from './pooling.js';
export { BatchNorm, type BatchNormOptions } from './batchNorm.js';
export { Activation, ReLU, type ActivationType, type ActivationOptions } from './activation.js';
export { L2Normalization, Normalize, l2Normalization, type L2NormalizationOptions, type L2NormMode } from './l2Normalization.js';
export { Sequential, HybridSequential, consume } from './sequential.js';
export {
  SoftmaxCrossEntropyLoss,
  HuberLoss,
  L1Loss,
  L2Loss,
  type LossOptions,
  type SoftmaxCrossEntropyLossOptions,
  type HuberLossOptions,
} from './loss.js';
export { Optimizer, type OptimizerOptions, type OptimizerStateDict, type ParamMults, type LRSchedule } from './optimizer.js';
export { SGD, type SGDOptions } from './sgd.js';
export { Adam, type AdamOptions } from './adam.js';
export { Trainer, createOptimizer, type OptimizerName, type TrainerStateMeta } from './trainer.js';
export {
  MultiStepEpochDecay,
  LRScheduler,
  LRSequential,
  type LRMode,
  type LRSchedulerOptions,
  type LRSchedulerState,
  type MultiStepEpochDecayOptions,
  type MultiStepEpochDecayState,
} from './lrScheduler.js';
export { clipGlobalNorm } from './clipGlobalNorm.js';
export {
  saveCheckpoint,
  loadCheckpoint,
  saveParameters,
  loadParameters,
  describeParameterFile,
  CheckpointError,
  type CheckpointSchedule,
  type SaveCheckpointOptions,
  type LoadCheckpointOptions,
  type LoadParametersOptions,
  type CheckpointInfo,
} from './checkpoint.js';
export { GradScaler, type GradScalerOptions, type GradScalerState, type ScaledStep } from './gradScaler.js';
export { createAmp, defaultAmpDtype, checkAmpDtype, type Amp, type AmpOptions } from './amp.js';
export { firstNonFinite } from './nonFinite.js';

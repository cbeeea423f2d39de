// The tensor engine's public surface (src/tensor): PyTorch-like tensors over libtorch.
export { Tensor, type Shape, type Scalar, type TensorOrScalar, type NestedArray } from './tensor.js';
export { type DType, DTYPES, isFloating, isHalf } from './dtype.js';
export * from './creation.js';
export * from './functional.js';
export { noGrad, enableGrad, isGradEnabled } from './autograd.js';
export { tidy, keep, dispose, memory, type MemoryInfo } from './scope.js';
export { setConvAlgorithm, getConvAlgorithm, withConvAlgorithm, winogradAvailable, type ConvAlgorithm } from './convAlgorithm.js';
export { setNumThreads, getNumThreads, cudaIsAvailable, buildConfig, cpuIsa } from './threads.js';
export { cpuCacheStats, emptyCpuCache, type CpuCacheStats } from './cpuCache.js';
export { profileOps } from './profile.js';
export { saveSafetensors, loadSafetensors, encodeSafetensors, decodeSafetensors, type SafetensorsContent } from './safetensors.js';
export { initProcessGroup, distributedBackends, ProcessGroup, GradReducer, Work, type ProcessGroupOptions, type Backend, type ReduceOp } from './distributed.js';
export { parseDevice, parseGpus, onDevice, synchronize, setAllowTF32, setCudnnBenchmark, pinMemory, toDeviceAsync, cudaInfo, cudaDeviceCount, cudaMemoryUsed, torchVersion, DeviceError, type CudaInfo, type GpuInfo } from './device.js';
export { withAutocast, isAutocastEnabled, autocastDtype, type AutocastDtype } from './autocast.js';

// @mlx-ts/core: MLX for Node. Use as `import * as mx from '@mlx-ts/core'`.
export { Array, type NestedNumbers, type Scalar } from './array.js';
export { array, scalar } from './create.js';
export { type Dtype, dtypes, itemSize, isFloating, type AnyTypedArray } from './dtype.js';
export { MlxError, NativeBindingLoadError, ArrayDisposedError, DistributedError } from './errors.js';
export { isAvailable, unavailableReason, mlxVersion } from './native.js';
export { tidy, keep, dispose, liveArrayCount } from './scope.js';
export { evaluate as eval, asyncEval, compile, setCompileDisabled, type CompileOptions, type CompiledFunction } from './transforms.js';
export * from './ops.js';
export {
  quantize,
  dequantize,
  quantizedMatmul,
  type QuantizeOptions,
  type DequantizeOptions,
  type QuantizedMatmulOptions,
  type QuantizationMode,
} from './quantized.js';
export {
  type Device,
  type DeviceType,
  type Stream,
  cpu,
  gpu,
  defaultDevice,
  setDefaultDevice,
  deviceIsAvailable,
  deviceCount,
  deviceInfo,
  defaultStream,
  newStream,
  setDefaultStream,
  withStream,
  synchronize,
} from './device.js';
export * as fast from './fast.js';
export * as random from './random.js';
export * as io from './io.js';
export * as memory from './memory.js';
export * as distributed from './distributed.js';
export type { AttentionMask, AttentionOptions, RopeHeadsOptions, RopeOptions } from './fast.js';
export type { Group, DistributedBackend, InitOptions, CollectiveOptions, ExitOnStreamErrorOptions, ExitOnLostPeerOptions } from './distributed.js';

// Affine (and MLX's other) quantization.
import { type Array, wrap, wrapMany } from './array.js';
import { type Dtype, dtypeCode } from './dtype.js';
import { native } from './native.js';
import { handleOf } from './ops.js';

export type QuantizationMode = 'affine' | 'mxfp4' | 'mxfp8' | 'nvfp4';

export interface QuantizeOptions {
  /** 32, 64 or 128 for affine (default 64). */
  groupSize?: number;
  /** 2, 3, 4, 5, 6 or 8 for affine (default 4). */
  bits?: number;
  mode?: QuantizationMode;
}

/** Quantizes w [out, in] along its last axis: [packed uint32 weights, scales, biases] (no biases outside affine mode). */
export function quantize(w: Array, options: QuantizeOptions = {}): [Array, Array, Array | undefined] {
  const [wq, scales, biases] = wrapMany(native().quantize(handleOf(w, 'quantize'), options.groupSize, options.bits, options.mode ?? 'affine'));
  return [wq, scales, biases];
}

export interface DequantizeOptions extends QuantizeOptions {
  dtype?: Dtype;
}

export function dequantize(wq: Array, scales: Array, biases: Array | null | undefined, options: DequantizeOptions = {}): Array {
  return wrap(
    native().dequantize(
      handleOf(wq, 'dequantize'),
      handleOf(scales, 'dequantize scales'),
      biases ? handleOf(biases, 'dequantize biases') : undefined,
      options.groupSize,
      options.bits,
      options.mode ?? 'affine',
      options.dtype === undefined ? undefined : dtypeCode(options.dtype),
    ),
  );
}

export interface QuantizedMatmulOptions extends QuantizeOptions {
  /** x @ wᵀ when true (weights stored [out, in], the default), x @ w otherwise. */
  transpose?: boolean;
  /**
   * On the CPU, products the addon's vectorized multi-threaded kernel covers (affine, 4 or 8
   * bits, groups of 32/64/128, transpose, float32 x; see `fast.cpuQuantizedMatmul`) run there.
   * false keeps MLX's own implementation. Default true.
   */
  cpuKernel?: boolean;
}

export function quantizedMatmul(x: Array, wq: Array, scales: Array, biases: Array | null | undefined, options: QuantizedMatmulOptions = {}): Array {
  return wrap(
    native().quantizedMatmul(
      handleOf(x, 'quantizedMatmul'),
      handleOf(wq, 'quantizedMatmul weights'),
      handleOf(scales, 'quantizedMatmul scales'),
      biases ? handleOf(biases, 'quantizedMatmul biases') : undefined,
      options.transpose ?? true,
      options.groupSize,
      options.bits,
      options.mode ?? 'affine',
      undefined,
      options.cpuKernel ?? true,
    ),
  );
}

import { dequantizeQ4_K, dequantizeQ5_K, dequantizeQ6_K } from './dequantize-k-quants.js';
import { dequantizeQ4_0, dequantizeQ4_1, dequantizeQ5_0, dequantizeQ5_1, dequantizeQ8_0 } from './dequantize-legacy.js';
import type { GgmlTypeName } from './ggml-types.js';
import { bfloat16ToFloat32, float16ToFloat32 } from './half-float.js';
import { dequantizeAffine, requantizeQ4_0, requantizeQ4_1, requantizeQ4_K, requantizeQ5_0, requantizeQ8_0, type AffineQuantized } from './requantize-affine.js';

/** A tensor held as plain host values. float16 and bfloat16 stay raw bits in a Uint16Array. */
export type DenseTensor =
  | { kind: 'dense'; dtype: 'float32'; shape: number[]; data: Float32Array }
  | { kind: 'dense'; dtype: 'float16' | 'bfloat16'; shape: number[]; data: Uint16Array }
  | { kind: 'dense'; dtype: 'float64'; shape: number[]; data: Float64Array }
  | { kind: 'dense'; dtype: 'int8'; shape: number[]; data: Int8Array }
  | { kind: 'dense'; dtype: 'int16'; shape: number[]; data: Int16Array }
  | { kind: 'dense'; dtype: 'int32'; shape: number[]; data: Int32Array }
  | { kind: 'dense'; dtype: 'int64'; shape: number[]; data: BigInt64Array };

/** A matrix in MLX affine quantization; `shape` is the logical [rows, columns]. */
export type AffineQuantizedTensor = AffineQuantized & { kind: 'affine-quantized'; shape: number[] };

export type DecodedTensor = DenseTensor | AffineQuantizedTensor;

/** GGML types that decode without loss to MLX affine quantization. */
const affine: Partial<Record<GgmlTypeName, (bytes: Uint8Array, count: number) => AffineQuantized>> = {
  Q4_0: requantizeQ4_0,
  Q4_1: requantizeQ4_1,
  Q8_0: requantizeQ8_0,
  // Re-encoded at a width MLX has: Q5_0 as 8-bit, Q4_K's 32-value sub-blocks as groups of 32.
  Q5_0: requantizeQ5_0,
  Q4_K: requantizeQ4_K,
};

/** GGML block types that dequantize to float32. */
const toFloat32: Partial<Record<GgmlTypeName, (bytes: Uint8Array, count: number) => Float32Array>> = {
  Q4_0: dequantizeQ4_0,
  Q4_1: dequantizeQ4_1,
  Q5_0: dequantizeQ5_0,
  Q5_1: dequantizeQ5_1,
  Q8_0: dequantizeQ8_0,
  Q4_K: dequantizeQ4_K,
  Q5_K: dequantizeQ5_K,
  Q6_K: dequantizeQ6_K,
};

export const decodableTypes: readonly GgmlTypeName[] = ['F32', 'F16', 'BF16', 'F64', 'I8', 'I16', 'I32', 'I64', ...Object.keys(toFloat32)] as GgmlTypeName[];

/** Thrown for a type this package cannot decode; the caller names the file and tensor. */
export class UnsupportedTensorType extends Error {}

/** A typed view of `bytes`, copied first when they are not aligned to the element width. */
function view<T>(make: new (buffer: ArrayBuffer, offset: number, length: number) => T, bytes: Uint8Array, width: number): T {
  const aligned = bytes.byteOffset % width === 0 ? bytes : bytes.slice();
  return new make(aligned.buffer as ArrayBuffer, aligned.byteOffset, aligned.byteLength / width);
}

/**
 * Decodes a tensor's raw bytes. Plain types become typed arrays; Q4_0, Q4_1, Q8_0, Q5_0 and
 * Q4_K are re-encoded without loss as MLX affine quantization (group 32) unless `dequantize`
 * asks for float32; the other K-quants and Q5_1 are dequantized to float32.
 */
export function decodeTensor(type: GgmlTypeName, shape: number[], bytes: Uint8Array, options: { dequantize?: boolean } = {}): DecodedTensor {
  const count = shape.reduce((a, b) => a * b, 1);
  switch (type) {
    case 'F32':
      return { kind: 'dense', dtype: 'float32', shape, data: view(Float32Array, bytes, 4) };
    case 'F16':
      return { kind: 'dense', dtype: 'float16', shape, data: view(Uint16Array, bytes, 2) };
    case 'BF16':
      return { kind: 'dense', dtype: 'bfloat16', shape, data: view(Uint16Array, bytes, 2) };
    case 'F64':
      return { kind: 'dense', dtype: 'float64', shape, data: view(Float64Array, bytes, 8) };
    case 'I8':
      return { kind: 'dense', dtype: 'int8', shape, data: view(Int8Array, bytes, 1) };
    case 'I16':
      return { kind: 'dense', dtype: 'int16', shape, data: view(Int16Array, bytes, 2) };
    case 'I32':
      return { kind: 'dense', dtype: 'int32', shape, data: view(Int32Array, bytes, 4) };
    case 'I64':
      return { kind: 'dense', dtype: 'int64', shape, data: view(BigInt64Array, bytes, 8) };
  }
  const requantize = affine[type];
  if (requantize !== undefined && !options.dequantize) {
    return { kind: 'affine-quantized', shape, ...requantize(bytes, count) };
  }
  const dequantize = toFloat32[type];
  if (dequantize === undefined) {
    throw new UnsupportedTensorType(`tensors of type ${type} cannot be decoded (supported: ${decodableTypes.join(', ')})`);
  }
  return { kind: 'dense', dtype: 'float32', shape, data: dequantize(bytes, count) };
}

/** Any decoded tensor as float32 values (widening f16/bf16, dequantizing affine). */
export function toFloat32Values(tensor: DecodedTensor): Float32Array {
  if (tensor.kind === 'affine-quantized') return dequantizeAffine(tensor);
  switch (tensor.dtype) {
    case 'float32':
      return tensor.data;
    case 'float16':
      return float16ToFloat32(tensor.data);
    case 'bfloat16':
      return bfloat16ToFloat32(tensor.data);
    case 'int64':
      return Float32Array.from(tensor.data, (v) => Number(v));
    default:
      return Float32Array.from(tensor.data);
  }
}

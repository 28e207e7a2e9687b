export { GgufFile, openGguf, type ReadTensorOptions } from './gguf-file.js';
export type { GgufTensorInfo } from './gguf-header.js';
export { ggufValueTypes, type GgufMetadata, type GgufValue, type GgufValueTypeName } from './gguf-metadata.js';
export { ggmlTypes, ggmlTypeById, type GgmlTypeInfo, type GgmlTypeName } from './ggml-types.js';
export { decodeTensor, toFloat32Values, decodableTypes, type AffineQuantizedTensor, type DecodedTensor, type DenseTensor } from './decode-tensor.js';
export { dequantizeAffine, requantizeQ4_0, requantizeQ4_1, requantizeQ8_0, type AffineQuantized } from './requantize-affine.js';
export { dequantizeQ4_0, dequantizeQ4_1, dequantizeQ5_0, dequantizeQ5_1, dequantizeQ8_0 } from './dequantize-legacy.js';
export { dequantizeQ4_K, dequantizeQ5_K, dequantizeQ6_K } from './dequantize-k-quants.js';
export { bfloat16ToFloat32, float16ToFloat32 } from './half-float.js';

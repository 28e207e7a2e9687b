/**
 * Lossless re-encoding of GGML's Q4_0, Q4_1, Q8_0, Q5_0 and Q4_K blocks as MLX affine quantization with
 * group size 32 (what MLX's own GGUF loader does, mlx/io/gguf_quants.cpp): value = scale * q + bias
 * with unsigned q, packed little-end first into uint32 words (8 nibbles or 4 bytes per word).
 *
 * - Q4_0: x = d * (n - 8) with nibble n → scale d, bias -8d, q = n.
 * - Q4_1: x = d * n + m → scale d, bias m, q = n.
 * - Q8_0: x = d * s with signed byte s → scale d, bias -128d, q = s + 128 (flip the sign bit).
 *
 * Scales and biases are float32: d, -8d, -128d and m are all exact there, and dequantizing
 * (scale * q + bias in float32) reproduces ggml's values bit for bit.
 */
import { halfToFloatTable } from './half-float.js';

export interface AffineQuantized {
  bits: 4 | 5 | 8;
  groupSize: 32;
  /** Packed unsigned values, row-major [rows, columns * bits / 32]: each row a little-endian bit stream. */
  weight: Uint32Array;
  /** Per-group scale, row-major [rows, columns / 32]. */
  scales: Float32Array;
  /** Per-group bias, row-major [rows, columns / 32]. */
  biases: Float32Array;
}

const group = 32;

export function requantizeQ4_0(bytes: Uint8Array, elementCount: number): AffineQuantized {
  const lookup = halfToFloatTable();
  const groups = elementCount / group;
  const packed = new Uint8Array(elementCount / 2);
  const scales = new Float32Array(groups);
  const biases = new Float32Array(groups);
  for (let g = 0, o = 0, p = 0; g < groups; g++, o += 18, p += 16) {
    const d = lookup[bytes[o]! | (bytes[o + 1]! << 8)]!;
    scales[g] = d;
    biases[g] = -8 * d;
    // GGML: element j (j < 16) is the low nibble of byte j, element j + 16 its high nibble.
    // MLX: element 2i is the low nibble of output byte i, element 2i + 1 the high one.
    const qs = o + 2;
    for (let i = 0; i < 8; i++) {
      const a = bytes[qs + 2 * i]!;
      const b = bytes[qs + 2 * i + 1]!;
      packed[p + i] = (a & 0x0f) | ((b & 0x0f) << 4);
      packed[p + 8 + i] = (a >> 4) | (b & 0xf0);
    }
  }
  return { bits: 4, groupSize: group, weight: new Uint32Array(packed.buffer), scales, biases };
}

export function requantizeQ4_1(bytes: Uint8Array, elementCount: number): AffineQuantized {
  const lookup = halfToFloatTable();
  const groups = elementCount / group;
  const packed = new Uint8Array(elementCount / 2);
  const scales = new Float32Array(groups);
  const biases = new Float32Array(groups);
  for (let g = 0, o = 0, p = 0; g < groups; g++, o += 20, p += 16) {
    scales[g] = lookup[bytes[o]! | (bytes[o + 1]! << 8)]!;
    biases[g] = lookup[bytes[o + 2]! | (bytes[o + 3]! << 8)]!;
    const qs = o + 4;
    for (let i = 0; i < 8; i++) {
      const a = bytes[qs + 2 * i]!;
      const b = bytes[qs + 2 * i + 1]!;
      packed[p + i] = (a & 0x0f) | ((b & 0x0f) << 4);
      packed[p + 8 + i] = (a >> 4) | (b & 0xf0);
    }
  }
  return { bits: 4, groupSize: group, weight: new Uint32Array(packed.buffer), scales, biases };
}

export function requantizeQ8_0(bytes: Uint8Array, elementCount: number): AffineQuantized {
  const lookup = halfToFloatTable();
  const groups = elementCount / group;
  const packed = new Uint8Array(elementCount);
  const scales = new Float32Array(groups);
  const biases = new Float32Array(groups);
  for (let g = 0, o = 0, p = 0; g < groups; g++, o += 34, p += 32) {
    const d = lookup[bytes[o]! | (bytes[o + 1]! << 8)]!;
    scales[g] = d;
    biases[g] = -128 * d;
    for (let j = 0; j < 32; j++) packed[p + j] = bytes[o + 2 + j]! ^ 0x80;
  }
  return { bits: 8, groupSize: group, weight: new Uint32Array(packed.buffer), scales, biases };
}

/**
 * Q5_0 as 5-bit affine: x = d * (q - 16) with a 5-bit q → scale d, bias -16d (d * q and -16d are
 * exact in float32, so dequantizing gives ggml's values). MLX packs 5-bit values as one
 * little-endian bit stream per row: value j at bits 5j .. 5j+4, a 32-value group in 20 bytes.
 */
export function requantizeQ5_0(bytes: Uint8Array, elementCount: number): AffineQuantized {
  const lookup = halfToFloatTable();
  const groups = elementCount / group;
  const packed = new Uint8Array((elementCount * 5) / 8);
  const scales = new Float32Array(groups);
  const biases = new Float32Array(groups);
  for (let g = 0, o = 0, p = 0; g < groups; g++, o += 22, p += 20) {
    const d = lookup[bytes[o]! | (bytes[o + 1]! << 8)]!;
    scales[g] = d;
    biases[g] = -16 * d;
    // The 32 fifth bits, little-endian after the scale: element j's is bit j.
    const qh = (bytes[o + 2]! | (bytes[o + 3]! << 8) | (bytes[o + 4]! << 16) | (bytes[o + 5]! << 24)) >>> 0;
    for (let j = 0; j < 32; j++) {
      const nibble = j < 16 ? bytes[o + 6 + j]! & 0x0f : bytes[o + 6 + j - 16]! >> 4;
      const q = nibble | (((qh >>> j) & 1) << 4);
      const bit = 5 * j;
      const at = p + (bit >> 3);
      const shift = bit & 7;
      packed[at] = packed[at]! | ((q << shift) & 0xff);
      if (shift > 3) packed[at + 1] = packed[at + 1]! | (q >> (8 - shift));
    }
  }
  return { bits: 5, groupSize: group, weight: new Uint32Array(packed.buffer), scales, biases };
}

/**
 * Q4_K as 4-bit affine with group 32: each 256-value super-block holds eight 32-value
 * sub-blocks with x = (d · sc) q − (dmin · m) → scale d · sc, bias −dmin · m (both formed in
 * float32 as ggml does), the nibbles repacked in MLX's order.
 */
export function requantizeQ4_K(bytes: Uint8Array, elementCount: number): AffineQuantized {
  const lookup = halfToFloatTable();
  const groups = elementCount / group;
  const packed = new Uint8Array(elementCount / 2);
  const scales = new Float32Array(groups);
  const biases = new Float32Array(groups);
  const sm = new Uint8Array(2);
  for (let o = 0, g = 0; g < groups; o += 144) {
    const d = lookup[bytes[o]! | (bytes[o + 1]! << 8)]!;
    const dmin = lookup[bytes[o + 2]! | (bytes[o + 3]! << 8)]!;
    let q = o + 16;
    // 32 bytes serve two sub-blocks: low nibbles the first, high nibbles the second.
    for (let j = 0; j < 8; j += 2, q += 32, g += 2) {
      for (let half = 0; half < 2; half++) {
        q4kScaleAndMin(bytes, o + 4, j + half, sm);
        scales[g + half] = Math.fround(d * sm[0]!);
        biases[g + half] = -Math.fround(dmin * sm[1]!);
        const shift = half * 4;
        const out = (g + half) * 16;
        for (let i = 0; i < 16; i++) {
          const a = (bytes[q + 2 * i]! >> shift) & 0x0f;
          const b = (bytes[q + 2 * i + 1]! >> shift) & 0x0f;
          packed[out + i] = a | (b << 4);
        }
      }
    }
  }
  return { bits: 4, groupSize: group, weight: new Uint32Array(packed.buffer), scales, biases };
}

/** ggml's get_scale_min_k4: the 6-bit scale and minimum of sub-block j of a Q4_K super-block. */
function q4kScaleAndMin(bytes: Uint8Array, offset: number, j: number, into: Uint8Array): void {
  if (j < 4) {
    into[0] = bytes[offset + j]! & 63;
    into[1] = bytes[offset + j + 4]! & 63;
  } else {
    into[0] = (bytes[offset + j + 4]! & 0x0f) | ((bytes[offset + j - 4]! >> 6) << 4);
    into[1] = (bytes[offset + j + 4]! >> 4) | ((bytes[offset + j]! >> 6) << 4);
  }
}

/** value = scale * q + bias for every element, in float32 (MLX's dequantize), for checks and fallbacks. */
export function dequantizeAffine(quantized: AffineQuantized): Float32Array {
  const { bits, weight, scales, biases } = quantized;
  const bytes = new Uint8Array(weight.buffer, weight.byteOffset, weight.byteLength);
  const mask = (1 << bits) - 1;
  const out = new Float32Array((weight.length * 32) / bits);
  for (let y = 0; y < out.length; y++) {
    // Rows are whole groups, so the stream runs on from row to row.
    const bit = y * bits;
    const at = bit >> 3;
    const q = ((bytes[at]! | ((bytes[at + 1] ?? 0) << 8)) >> (bit & 7)) & mask;
    const g = Math.floor(y / group);
    out[y] = Math.fround(scales[g]! * q) + biases[g]!;
  }
  return out;
}

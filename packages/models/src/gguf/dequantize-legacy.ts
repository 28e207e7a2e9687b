/**
 * Dequantizers for GGML's 32-element block types, following ggml-quants.c's dequantize_row_*.
 * Each value is computed in double and rounded once to float32, which equals ggml's float32
 * arithmetic here (the products are exact or rounded once either way).
 */
import { halfToFloatTable } from './half-float.js';

const block = 32;

function half(bytes: Uint8Array, offset: number, lookup: Float32Array): number {
  return lookup[bytes[offset]! | (bytes[offset + 1]! << 8)]!;
}

/** Q4_0: 2-byte scale d, 16 bytes of nibbles; x = d * (q - 8); element j is the low nibble of byte j, element j+16 the high one. */
export function dequantizeQ4_0(bytes: Uint8Array, elementCount: number): Float32Array {
  const lookup = halfToFloatTable();
  const out = new Float32Array(elementCount);
  for (let o = 0, y = 0; y < elementCount; o += 18, y += block) {
    const d = half(bytes, o, lookup);
    for (let j = 0; j < 16; j++) {
      const q = bytes[o + 2 + j]!;
      out[y + j] = d * ((q & 0x0f) - 8);
      out[y + j + 16] = d * ((q >> 4) - 8);
    }
  }
  return out;
}

/** Q4_1: scale d, minimum m, 16 bytes of nibbles; x = d * q + m. */
export function dequantizeQ4_1(bytes: Uint8Array, elementCount: number): Float32Array {
  const lookup = halfToFloatTable();
  const out = new Float32Array(elementCount);
  for (let o = 0, y = 0; y < elementCount; o += 20, y += block) {
    const d = half(bytes, o, lookup);
    const m = half(bytes, o + 2, lookup);
    for (let j = 0; j < 16; j++) {
      const q = bytes[o + 4 + j]!;
      out[y + j] = Math.fround(d * (q & 0x0f)) + m;
      out[y + j + 16] = Math.fround(d * (q >> 4)) + m;
    }
  }
  return out;
}

function highBits(bytes: Uint8Array, offset: number): number {
  return (bytes[offset]! | (bytes[offset + 1]! << 8) | (bytes[offset + 2]! << 16) | (bytes[offset + 3]! << 24)) >>> 0;
}

/** Q5_0: scale d, 32 fifth bits qh, 16 bytes of nibbles; x = d * (q - 16). */
export function dequantizeQ5_0(bytes: Uint8Array, elementCount: number): Float32Array {
  const lookup = halfToFloatTable();
  const out = new Float32Array(elementCount);
  for (let o = 0, y = 0; y < elementCount; o += 22, y += block) {
    const d = half(bytes, o, lookup);
    const qh = highBits(bytes, o + 2);
    for (let j = 0; j < 16; j++) {
      const q = bytes[o + 6 + j]!;
      const low = (q & 0x0f) | (((qh >>> j) << 4) & 0x10);
      const high = (q >> 4) | ((qh >>> (j + 12)) & 0x10);
      out[y + j] = d * (low - 16);
      out[y + j + 16] = d * (high - 16);
    }
  }
  return out;
}

/** Q5_1: scale d, minimum m, 32 fifth bits qh, 16 bytes of nibbles; x = d * q + m. */
export function dequantizeQ5_1(bytes: Uint8Array, elementCount: number): Float32Array {
  const lookup = halfToFloatTable();
  const out = new Float32Array(elementCount);
  for (let o = 0, y = 0; y < elementCount; o += 24, y += block) {
    const d = half(bytes, o, lookup);
    const m = half(bytes, o + 2, lookup);
    const qh = highBits(bytes, o + 4);
    for (let j = 0; j < 16; j++) {
      const q = bytes[o + 8 + j]!;
      const low = (q & 0x0f) | (((qh >>> j) << 4) & 0x10);
      const high = (q >> 4) | ((qh >>> (j + 12)) & 0x10);
      out[y + j] = Math.fround(d * low) + m;
      out[y + j + 16] = Math.fround(d * high) + m;
    }
  }
  return out;
}

/** Q8_0: scale d, 32 signed bytes; x = d * q. */
export function dequantizeQ8_0(bytes: Uint8Array, elementCount: number): Float32Array {
  const lookup = halfToFloatTable();
  const out = new Float32Array(elementCount);
  for (let o = 0, y = 0; y < elementCount; o += 34, y += block) {
    const d = half(bytes, o, lookup);
    for (let j = 0; j < 32; j++) out[y + j] = d * ((bytes[o + 2 + j]! << 24) >> 24);
  }
  return out;
}

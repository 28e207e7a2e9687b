/**
 * Dequantizers for GGML's 256-element "K" super-block types, following ggml-quants.c's
 * dequantize_row_q4_K / q5_K / q6_K. Sub-block scales are formed exactly as ggml does (scale
 * times the 6- or 8-bit sub-scale, in float32), then each value is rounded once to float32.
 */
import { halfToFloatTable } from './half-float.js';

/**
 * The 6-bit scale and minimum of sub-block j (0..7) packed in the 12 scale bytes at `offset`
 * (ggml's get_scale_min_k4). Writes them to `into[0]` and `into[1]`.
 */
function scaleAndMin(bytes: Uint8Array, offset: number, j: number, into: Uint8Array): void {
  if (j < 4) {
    into[0] = bytes[offset + j]! & 63;
    into[1] = bytes[offset + j + 4]! & 63;
  } else {
    into[0] = (bytes[offset + j + 4]! & 0x0f) | ((bytes[offset + j - 4]! >> 6) << 4);
    into[1] = (bytes[offset + j + 4]! >> 4) | ((bytes[offset + j]! >> 6) << 4);
  }
}

/** Q4_K (144 bytes): d, dmin, 12 scale bytes, 128 bytes of nibbles. */
export function dequantizeQ4_K(bytes: Uint8Array, elementCount: number): Float32Array {
  const lookup = halfToFloatTable();
  const out = new Float32Array(elementCount);
  const sm = new Uint8Array(2);
  for (let o = 0, y = 0; y < elementCount; o += 144) {
    const d = lookup[bytes[o]! | (bytes[o + 1]! << 8)]!;
    const dmin = lookup[bytes[o + 2]! | (bytes[o + 3]! << 8)]!;
    let q = o + 16;
    for (let j = 0; j < 8; j += 2) {
      scaleAndMin(bytes, o + 4, j, sm);
      const d1 = Math.fround(d * sm[0]!);
      const m1 = Math.fround(dmin * sm[1]!);
      scaleAndMin(bytes, o + 4, j + 1, sm);
      const d2 = Math.fround(d * sm[0]!);
      const m2 = Math.fround(dmin * sm[1]!);
      for (let l = 0; l < 32; l++) out[y + l] = d1 * (bytes[q + l]! & 0x0f) - m1;
      for (let l = 0; l < 32; l++) out[y + 32 + l] = d2 * (bytes[q + l]! >> 4) - m2;
      q += 32;
      y += 64;
    }
  }
  return out;
}

/** Q5_K (176 bytes): d, dmin, 12 scale bytes, 32 bytes of fifth bits, 128 bytes of nibbles. */
export function dequantizeQ5_K(bytes: Uint8Array, elementCount: number): Float32Array {
  const lookup = halfToFloatTable();
  const out = new Float32Array(elementCount);
  const sm = new Uint8Array(2);
  for (let o = 0, y = 0; y < elementCount; o += 176) {
    const d = lookup[bytes[o]! | (bytes[o + 1]! << 8)]!;
    const dmin = lookup[bytes[o + 2]! | (bytes[o + 3]! << 8)]!;
    const qh = o + 16;
    let ql = o + 48;
    let u1 = 1;
    let u2 = 2;
    for (let j = 0; j < 8; j += 2) {
      scaleAndMin(bytes, o + 4, j, sm);
      const d1 = Math.fround(d * sm[0]!);
      const m1 = Math.fround(dmin * sm[1]!);
      scaleAndMin(bytes, o + 4, j + 1, sm);
      const d2 = Math.fround(d * sm[0]!);
      const m2 = Math.fround(dmin * sm[1]!);
      for (let l = 0; l < 32; l++) {
        out[y + l] = d1 * ((bytes[ql + l]! & 0x0f) + (bytes[qh + l]! & u1 ? 16 : 0)) - m1;
      }
      for (let l = 0; l < 32; l++) {
        out[y + 32 + l] = d2 * ((bytes[ql + l]! >> 4) + (bytes[qh + l]! & u2 ? 16 : 0)) - m2;
      }
      ql += 32;
      y += 64;
      u1 <<= 2;
      u2 <<= 2;
    }
  }
  return out;
}

/** Q6_K (210 bytes): 128 bytes of low nibbles, 64 bytes of high 2-bit pairs, 16 int8 scales, d. */
export function dequantizeQ6_K(bytes: Uint8Array, elementCount: number): Float32Array {
  const lookup = halfToFloatTable();
  const out = new Float32Array(elementCount);
  for (let o = 0, y = 0; y < elementCount; o += 210) {
    const d = lookup[bytes[o + 208]! | (bytes[o + 209]! << 8)]!;
    for (let half = 0; half < 2; half++) {
      const ql = o + half * 64;
      const qh = o + 128 + half * 32;
      const sc = o + 192 + half * 8;
      for (let l = 0; l < 32; l++) {
        const is = l >> 4;
        const h = bytes[qh + l]!;
        const q1 = ((bytes[ql + l]! & 0x0f) | ((h & 3) << 4)) - 32;
        const q2 = ((bytes[ql + l + 32]! & 0x0f) | (((h >> 2) & 3) << 4)) - 32;
        const q3 = ((bytes[ql + l]! >> 4) | (((h >> 4) & 3) << 4)) - 32;
        const q4 = ((bytes[ql + l + 32]! >> 4) | (((h >> 6) & 3) << 4)) - 32;
        out[y + l] = Math.fround(d * ((bytes[sc + is]! << 24) >> 24)) * q1;
        out[y + l + 32] = Math.fround(d * ((bytes[sc + is + 2]! << 24) >> 24)) * q2;
        out[y + l + 64] = Math.fround(d * ((bytes[sc + is + 4]! << 24) >> 24)) * q3;
        out[y + l + 96] = Math.fround(d * ((bytes[sc + is + 6]! << 24) >> 24)) * q4;
      }
      y += 128;
    }
  }
  return out;
}

// Affine quantization against its closed-form guarantees. MLX (like its Python API) picks each
// group's grid bias + q·scale (q an integer in [0, 2^bits)) so that zero is exactly on it: the
// grid starts at the group's larger-magnitude extreme and its step is rounded so that zero is a
// grid point. So every dequantized weight is on the grid and contains 0; weights inside the grid's
// span are at most scale/2 away; a weight beyond its far end (the step rounding can shorten the
// span a little) is clipped to that end, at most one scale away. quantizedMatmul equals matmul
// with the dequantized weights.
import { describe, expect, it } from 'vitest';
import * as mx from '../src/index.js';
import { expectValues } from './helpers/fixtures.js';
import { productTolerance } from './helpers/tolerance.js';

const largest = (a: mx.Array) => Math.max(...Array.from(mx.abs(a).toTypedArray() as Float32Array));
/** quantizedMatmul against matmul with the dequantized weights: both are float32 products summing `terms` terms. */
function expectProduct(out: mx.Array, expected: mx.Array, x: mx.Array, dq: mx.Array, terms: number): void {
  const { rtol, atol } = productTolerance(mx.defaultDevice(), { rtol: 1e-4, atol: 1e-5 }, terms * largest(x) * largest(dq));
  expectValues(Array.from(out.toTypedArray() as Float32Array), Array.from(expected.toTypedArray() as Float32Array), rtol, atol);
}

/** Deterministic weights without mx.random: a fixed pseudo-random sequence scaled per row. */
function weights(rows: number, cols: number, seed = 1): Float32Array {
  const out = new Float32Array(rows * cols);
  let s = seed >>> 0;
  for (let i = 0; i < out.length; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    const row = Math.floor(i / cols);
    out[i] = ((s / 2 ** 32) * 2 - 1) * (0.1 + row * 0.05);
  }
  return out;
}

const ROWS = 8;
const COLS = 256;

describe('quantize -> dequantize (affine)', () => {
  for (const bits of [2, 3, 4, 5, 6, 8]) {
    for (const groupSize of [32, 64, 128]) {
      it(`bits ${bits}, group ${groupSize}: on a grid through 0, error <= scale/2 inside it, clipped beyond`, () => {
        mx.tidy(() => {
          const data = weights(ROWS, COLS, bits * 1000 + groupSize);
          const w = mx.array(data, undefined, [ROWS, COLS]);
          const [wq, scales, biases] = mx.quantize(w, { bits, groupSize });
          expect(wq.dtype).toBe('uint32');
          expect(wq.shape).toEqual([ROWS, (COLS * bits) / 32]);
          expect(scales.shape).toEqual([ROWS, COLS / groupSize]);
          expect(biases!.shape).toEqual([ROWS, COLS / groupSize]);
          const dq = mx.dequantize(wq, scales, biases, { bits, groupSize });
          expect(dq.shape).toEqual([ROWS, COLS]);
          expect(dq.dtype).toBe('float32');

          const back = dq.toTypedArray() as Float32Array;
          const s = scales.toTypedArray() as Float32Array;
          const b = biases!.toTypedArray() as Float32Array;
          const levels = 2 ** bits - 1;
          const problems: string[] = [];
          let inside = 0;
          for (let i = 0; i < data.length && problems.length < 5; i++) {
            const g = Math.floor(i / COLS) * (COLS / groupSize) + Math.floor((i % COLS) / groupSize);
            const scale = Math.abs(s[g]);
            const ends = [b[g], b[g] + levels * s[g]];
            const [lo, hi] = [Math.min(...ends), Math.max(...ends)];
            // float32 rounding of scale·q + bias adds a few ulps of the weight's magnitude
            const eps = 1e-6;
            const err = Math.abs(back[i] - data[i]);
            const q = (back[i] - b[g]) / s[g];
            if (Math.abs(q - Math.round(q)) > 1e-3 || Math.round(q) < 0 || Math.round(q) > levels) problems.push(`[${i}] q=${q} off the grid`);
            const zeroStep = -b[g] / s[g];
            if (Math.abs(zeroStep - Math.round(zeroStep)) > 1e-3) problems.push(`group ${g}: zero is not on the grid (${zeroStep})`);
            if (data[i] >= lo - eps && data[i] <= hi + eps) {
              inside++;
              if (err > scale / 2 + eps) problems.push(`[${i}] inside the grid: error ${err} > scale/2 ${scale / 2}`);
            } else {
              const end = data[i] > hi ? hi : lo;
              if (Math.abs(back[i] - end) > eps) problems.push(`[${i}] beyond the grid: ${back[i]} not clipped to ${end}`);
              if (err > scale + eps) problems.push(`[${i}] beyond the grid: error ${err} > scale ${scale}`);
            }
          }
          expect(problems).toEqual([]);
          expect(inside).toBeGreaterThan(0);
          // The step rounding shortens a group's grid by less than 1/(levels + 1) of its range.
          for (let g = 0; g < s.length; g++) {
            const row = Math.floor(g / (COLS / groupSize));
            const start = row * COLS + (g % (COLS / groupSize)) * groupSize;
            const group = data.subarray(start, start + groupSize);
            const range = Math.max(...group) - Math.min(...group);
            expect(levels * Math.abs(s[g])).toBeGreaterThanOrEqual((range * levels) / (levels + 1) - 1e-6);
          }
        });
      });
    }
  }

  it('packs 4-bit values eight to a word, low bits first', () => {
    mx.tidy(() => {
      const groupSize = 32;
      const data = weights(2, 64, 99);
      const [wq, scales, biases] = mx.quantize(mx.array(data, undefined, [2, 64]), { bits: 4, groupSize });
      const words = wq.toTypedArray() as Uint32Array;
      const s = scales.toTypedArray() as Float32Array;
      const b = biases!.toTypedArray() as Float32Array;
      const unpacked = Array.from({ length: 128 }, (_, i) => {
        const q = (words[Math.floor(i / 8)] >>> (4 * (i % 8))) & 0xf;
        const g = Math.floor(i / groupSize);
        return Math.fround(s[g] * q + b[g]);
      });
      const dq = mx.dequantize(wq, scales, biases, { bits: 4, groupSize }).toTypedArray() as Float32Array;
      expectValues(Array.from(dq), unpacked, 1e-6, 1e-7);
    });
  });

  it('dequantize to bfloat16 when asked', () => {
    mx.tidy(() => {
      const [wq, scales, biases] = mx.quantize(mx.array(weights(4, 64), undefined, [4, 64]));
      expect(mx.dequantize(wq, scales, biases, { dtype: 'bfloat16' }).dtype).toBe('bfloat16');
    });
  });

  it('a row length that is not a multiple of the group size is an MlxError', () => {
    mx.tidy(() => {
      expect(() => mx.quantize(mx.ones([4, 40]), { groupSize: 32, bits: 4 })).toThrow(mx.MlxError);
    });
  });
});

describe('quantizedMatmul', () => {
  for (const [bits, groupSize] of [
    [4, 64],
    [8, 32],
    [3, 128],
    [6, 64],
  ] as const) {
    it(`x @ dequantize(w)ᵀ for bits ${bits}, group ${groupSize}`, () => {
      mx.tidy(() => {
        const w = mx.array(weights(32, 256, bits), undefined, [32, 256]);
        const x = mx.array(weights(5, 256, 7), undefined, [5, 256]);
        const [wq, scales, biases] = mx.quantize(w, { bits, groupSize });
        const dq = mx.dequantize(wq, scales, biases, { bits, groupSize });
        const expected = mx.matmul(x, dq.T);
        const out = mx.quantizedMatmul(x, wq, scales, biases, { bits, groupSize });
        expect(out.shape).toEqual([5, 32]);
        expectProduct(out, expected, x, dq, 256);
      });
    });
  }

  it('transpose: false multiplies by the weights as stored ([in, out])', () => {
    mx.tidy(() => {
      const w = mx.array(weights(64, 128, 3), undefined, [64, 128]);
      const x = mx.array(weights(3, 64, 4), undefined, [3, 64]);
      const [wq, scales, biases] = mx.quantize(w);
      const dq = mx.dequantize(wq, scales, biases);
      const out = mx.quantizedMatmul(x, wq, scales, biases, { transpose: false });
      expect(out.shape).toEqual([3, 128]);
      expectProduct(out, mx.matmul(x, dq), x, dq, 64);
    });
  });
});

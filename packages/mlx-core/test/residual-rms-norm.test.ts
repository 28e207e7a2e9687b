// mx.fast.residualRmsNorm against a float64 reference in JS: h = x + rmsNorm(y, post) (or x + y),
// normed = rmsNorm(h, next). (One CUDA kernel on a GPU; this checks the definition every device shares.)
import { describe, expect, it } from 'vitest';
import * as mx from '../src/index.js';

function values(seed: number, n: number): Float32Array {
  let state = seed >>> 0;
  return Float32Array.from({ length: n }, () => {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
    return (state / 2 ** 32 - 0.5) * 4;
  });
}

function rms(row: ArrayLike<number>, weight: ArrayLike<number>, eps: number): number[] {
  let squares = 0;
  for (let i = 0; i < row.length; i++) squares += row[i] * row[i];
  const scale = 1 / Math.sqrt(squares / row.length + eps);
  return Array.from(row, (v, i) => v * scale * weight[i]);
}

describe('fast.residualRmsNorm', () => {
  for (const withPost of [true, false]) {
    it(`matches x + ${withPost ? 'rmsNorm(y, post)' : 'y'} and its norm (float64 reference)`, () => {
      const [rows, width, eps] = [5, 48, 1e-6];
      const x = values(1, rows * width);
      const y = values(2, rows * width);
      const post = values(3, width);
      const next = values(4, width);
      mx.tidy(() => {
        const { h, normed } = mx.fast.residualRmsNorm(
          mx.array(x, 'float32', [rows, 1, width]),
          mx.array(y, 'float32', [rows, 1, width]),
          withPost ? mx.array(post, 'float32', [width]) : undefined,
          mx.array(next, 'float32', [width]),
          eps,
        );
        expect(h.shape).toEqual([rows, 1, width]);
        expect(normed.shape).toEqual([rows, 1, width]);
        const gotH = h.toTypedArray() as Float32Array;
        const gotNormed = normed.toTypedArray() as Float32Array;
        let worst = 0;
        for (let r = 0; r < rows; r++) {
          const yRow = y.subarray(r * width, (r + 1) * width);
          const branch = withPost ? rms(yRow, post, eps) : Array.from(yRow);
          const hRow = branch.map((b, i) => x[r * width + i] + b);
          const normedRow = rms(hRow, next, eps);
          for (let i = 0; i < width; i++) {
            worst = Math.max(worst, Math.abs(gotH[r * width + i] - hRow[i]), Math.abs(gotNormed[r * width + i] - normedRow[i]));
          }
        }
        expect(worst).toBeLessThan(1e-4);
      });
    });
  }
});

// mx.fast.matVec against a float64 product in JS: one row times a weight's transpose, at the
// shapes of a decoder layer's projections (few long rows, many short ones, a stacked q/k/v), with
// the row as a view and leading dims of one, in three dtypes. (The addon's CUDA kernel on a GPU;
// this checks the definition every device shares.)
import { describe, expect, it } from 'vitest';
import * as mx from '../src/index.js';
import { seededValues } from './helpers/seeded.js';
import { float32Tolerance } from './helpers/tolerance.js';

const rounded = (data: Float32Array, dtype: mx.Dtype) => mx.tidy(() => mx.astype(mx.astype(mx.array(data), dtype), 'float32').toTypedArray() as Float32Array);

describe('fast.matVec', () => {
  // [N, K]
  for (const [n, k] of [
    [40, 2048],
    [3, 64],
    [4101, 24],
    [9000, 256],
    [17000, 128],
  ]) {
    for (const dtype of ['float32', 'bfloat16', 'float16'] as const) {
      it(`${dtype} [1, 1, ${k}] @ [${n}, ${k}]ᵀ equals a float64 product`, () => {
        const x = rounded(seededValues(k + 3, n, 0.5), dtype);
        const w = rounded(seededValues(n * k, k, 0.5), dtype);
        mx.tidy(() => {
          // The row as a view one element into a longer one, as a split of a wider output is.
          const row = mx.reshape(mx.slice(mx.astype(mx.array(x), dtype), [1], [k + 1]), [1, 1, k]);
          const y = mx.fast.matVec(row, mx.astype(mx.array(w, 'float32', [n, k]), dtype));
          expect(y.shape).toEqual([1, 1, n]);
          expect(y.dtype).toBe(dtype);
          const got = mx.astype(y, 'float32').toTypedArray() as Float32Array;
          let worst = 0;
          for (let o = 0; o < n; o++) {
            let sum = 0;
            for (let i = 0; i < k; i++) sum += x[1 + i] * w[o * k + i];
            // Relative to the sum's size plus the terms' (|x·w| <= 1/4 each), as a rounding of the result and of the sums.
            worst = Math.max(worst, Math.abs(got[o] - sum) / (Math.abs(sum) + Math.sqrt(k) / 4));
          }
          const tolerance = dtype === 'float32' ? float32Tolerance('product', mx.defaultDevice()) : dtype === 'bfloat16' ? 2 ** -7 : 2 ** -10;
          expect(worst).toBeLessThan(tolerance);
        });
      });
    }
  }
});

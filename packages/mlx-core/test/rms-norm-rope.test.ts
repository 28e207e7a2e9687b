// mx.fast.rmsNormRope against a float64 reference in JS: each head's RMSNorm, then RoPE at its
// position, transposed to [B, H, L, D]. (One CUDA kernel on a GPU; this checks the definition every
// device shares.) Both pairings, base or explicit periods, a position scale, partial rotation,
// offsets as a number or one per row, inputs as views into wider projection rows, three dtypes.
import { describe, expect, it } from 'vitest';
import * as mx from '../src/index.js';
import { type NormRopeCase as Case, normRopeReference as reference } from './helpers/norm-rope-reference.js';
import { seededValues } from './helpers/seeded.js';

const cases: Array<[string, Case]> = [
  [
    'a Gemma 3 decode step (4 heads of 256, halves, base 10^6)',
    { b: 1, l: 1, h: 4, d: 256, dims: 256, traditional: false, base: 1e6, scale: 1, offsets: [37] },
  ],
  [
    'a batch with one offset per row, linear scaling',
    { b: 3, l: 1, h: 2, d: 128, dims: 128, traditional: false, base: 10000, scale: 0.125, offsets: [5, 60, 0] },
  ],
  ['a prefill of 5 positions, adjacent pairs', { b: 2, l: 5, h: 3, d: 64, dims: 64, traditional: true, base: 10000, scale: 1, offsets: [11] }],
  [
    'explicit periods and partial rotation',
    { b: 1, l: 2, h: 2, d: 96, dims: 32, traditional: false, periods: seededValues(16, 9, 50).map((v) => Math.abs(v) + 1), scale: 1, offsets: [3] },
  ],
];

const tolerances: Record<'float32' | 'bfloat16' | 'float16', number> = {
  float32: 1e-4,
  // The normed values round to the dtype, are scaled by the weight in the dtype, and the rotated
  // values round once more: about three units of 2^-8 (bfloat16) or 2^-11 (float16) relative.
  bfloat16: 3 * 2 ** -8,
  float16: 3 * 2 ** -11,
};

describe('fast.rmsNormRope', () => {
  for (const dtype of ['float32', 'bfloat16', 'float16'] as const) {
    for (const [name, c] of cases) {
      for (const offsetForm of ['number', 'array'] as const) {
        if (c.offsets.length > 1 && offsetForm === 'number') continue;
        it(`${dtype}, ${name}, offset as ${offsetForm === 'number' ? 'a number' : 'an int32 array'}: equals a float64 norm and rotation`, () => {
          const { b, l, h, d } = c;
          const eps = 1e-6;
          // The heads are a view into wider projection rows (the queries of a stacked q, k, v output).
          const extra = 2 * d;
          const wide = seededValues(b * l * (h * d + extra), 1 + d, 2);
          const x = new Float32Array(b * l * h * d);
          for (let r = 0; r < b * l; r++) x.set(wide.subarray(r * (h * d + extra), r * (h * d + extra) + h * d), r * h * d);
          const weight = seededValues(d, 2 + h, 1).map((v) => v + 1);
          mx.tidy(() => {
            const rounded = (data: Float32Array, shape: number[]) => mx.astype(mx.array(data, 'float32', shape), dtype);
            const rows = mx.slice(rounded(wide, [b, l, h * d + extra]), [0, 0, 0], [b, l, h * d]);
            const heads = mx.reshape(rows, [b, l, h, d]);
            const w = rounded(weight, [d]);
            const offset = offsetForm === 'number' ? c.offsets[0] : mx.array(Int32Array.from(c.offsets), 'int32', c.offsets.length > 1 ? [b] : []);
            const freqs = c.periods ? mx.array(c.periods, 'float32', [c.periods.length]) : undefined;
            const out = mx.fast.rmsNormRope(heads, w, eps, c.dims, { traditional: c.traditional, base: c.base, scale: c.scale, offset, freqs });
            expect(out.shape).toEqual([b, h, l, d]);
            expect(out.dtype).toBe(dtype);
            const got = mx.astype(out, 'float32').toTypedArray() as Float32Array;
            // The reference reads the inputs as the device sees them (rounded to the dtype).
            const xSeen = mx.astype(mx.astype(mx.array(x, 'float32', [x.length]), dtype), 'float32').toTypedArray() as Float32Array;
            const wSeen = mx.astype(w, 'float32').toTypedArray() as Float32Array;
            const want = reference(xSeen, wSeen, eps, c);
            let worst = 0;
            for (let i = 0; i < want.length; i++) worst = Math.max(worst, Math.abs(got[i] - want[i]) / (1 + Math.abs(want[i])));
            expect(worst).toBeLessThan(tolerances[dtype]);
          });
        });
      }
    }
  }

  it('names the shape it needs', () => {
    mx.tidy(() => {
      const x = mx.zeros([2, 4, 8]);
      expect(() => mx.fast.rmsNormRope(x, mx.ones([8]), 1e-6, 8)).toThrow(/\[B, L, H, D\]/);
    });
  });
});

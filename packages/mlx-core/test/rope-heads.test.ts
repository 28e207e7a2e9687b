// mx.fast.ropeHeads against a float64 reference in JS: a stacked q/k/v projection split into
// heads, queries and keys each normed per head (or not) and rotated at their positions, values
// as they are, all in [B, H, L, D]. (One CUDA kernel on a GPU; this checks the definition every
// device shares.) Grouped-query heads, norms present or absent, both pairings, base or explicit
// periods, partial rotation, offsets as a number or one per row, a projection that is a view
// into wider rows, three dtypes.
import { describe, expect, it } from 'vitest';
import * as mx from '../src/index.js';
import { type NormRopeCase, normRopeReference } from './helpers/norm-rope-reference.js';
import { seededValues } from './helpers/seeded.js';

interface Case extends Omit<NormRopeCase, 'h'> {
  nq: number;
  nkv: number;
  norms: boolean;
  /** Columns past the projection in each row: the projection is then a strided view. */
  extra: number;
}

const cases: Array<[string, Case]> = [
  [
    'a Gemma 3 decode step (8 query and 4 key/value heads of 256, norms, base 10^6)',
    { b: 1, l: 1, nq: 8, nkv: 4, d: 256, dims: 256, traditional: false, base: 1e6, scale: 1, offsets: [37], norms: true, extra: 0 },
  ],
  [
    'a Llama batch without norms, one offset per row, linear scaling',
    { b: 3, l: 1, nq: 4, nkv: 2, d: 128, dims: 128, traditional: false, base: 10000, scale: 0.125, offsets: [5, 60, 0], norms: false, extra: 0 },
  ],
  [
    'a prefill of 5 positions over one key/value head, adjacent pairs, from wider rows',
    { b: 2, l: 5, nq: 3, nkv: 1, d: 64, dims: 64, traditional: true, base: 10000, scale: 1, offsets: [11], norms: true, extra: 32 },
  ],
  [
    'explicit periods and partial rotation',
    {
      b: 1,
      l: 2,
      nq: 2,
      nkv: 2,
      d: 96,
      dims: 32,
      traditional: false,
      periods: seededValues(16, 9, 50).map((v) => Math.abs(v) + 1),
      scale: 1,
      offsets: [3],
      norms: true,
      extra: 0,
    },
  ],
];

const tolerances: Record<'float32' | 'bfloat16' | 'float16', number> = {
  float32: 1e-4,
  // As rmsNormRope: the normed values round to the dtype, are scaled by the weight in the dtype,
  // and the rotated values round once more.
  bfloat16: 3 * 2 ** -8,
  float16: 3 * 2 ** -11,
};

/** Heads [start, start + n) of every (b, l) row of x [B, L, heads·D] as [B, L, n, D], row-major. */
function headsOf(x: Float32Array, c: Case, start: number, n: number): Float32Array {
  const width = (c.nq + 2 * c.nkv) * c.d;
  const out = new Float32Array(c.b * c.l * n * c.d);
  for (let r = 0; r < c.b * c.l; r++) out.set(x.subarray(r * width + start * c.d, r * width + (start + n) * c.d), r * n * c.d);
  return out;
}

function worstError(got: Float32Array, want: ArrayLike<number>): number {
  let worst = 0;
  for (let i = 0; i < want.length; i++) worst = Math.max(worst, Math.abs(got[i] - want[i]) / (1 + Math.abs(want[i])));
  return worst;
}

describe('fast.ropeHeads', () => {
  for (const dtype of ['float32', 'bfloat16', 'float16'] as const) {
    for (const [name, c] of cases) {
      for (const offsetForm of ['number', 'array'] as const) {
        if (c.offsets.length > 1 && offsetForm === 'number') continue;
        it(`${dtype}, ${name}, offset as ${offsetForm === 'number' ? 'a number' : 'an int32 array'}: equals a float64 split, norm and rotation`, () => {
          const { b, l, nq, nkv, d } = c;
          const eps = 1e-6;
          const width = (nq + 2 * nkv) * d;
          const wide = seededValues(b * l * (width + c.extra), 3 + d, 2);
          const x = new Float32Array(b * l * width);
          for (let r = 0; r < b * l; r++) x.set(wide.subarray(r * (width + c.extra), r * (width + c.extra) + width), r * width);
          const qWeight = seededValues(d, 5 + nq, 1).map((v) => v + 1);
          const kWeight = seededValues(d, 7 + nkv, 1).map((v) => v + 1);
          mx.tidy(() => {
            const rounded = (data: Float32Array, shape: number[]) => mx.astype(mx.array(data, 'float32', shape), dtype);
            const proj = mx.slice(rounded(wide, [b, l, width + c.extra]), [0, 0, 0], [b, l, width]);
            const [wq, wk] = [rounded(qWeight, [d]), rounded(kWeight, [d])];
            const offset = offsetForm === 'number' ? c.offsets[0] : mx.array(Int32Array.from(c.offsets), 'int32', c.offsets.length > 1 ? [b] : []);
            const freqs = c.periods ? mx.array(c.periods, 'float32', [c.periods.length]) : undefined;
            const [q, k, v] = mx.fast.ropeHeads(proj, c.dims, {
              heads: { q: nq, kv: nkv },
              qNorm: c.norms ? wq : undefined,
              kNorm: c.norms ? wk : undefined,
              eps,
              traditional: c.traditional,
              base: c.base,
              scale: c.scale,
              offset,
              freqs,
            });
            expect(q.shape).toEqual([b, nq, l, d]);
            expect(k.shape).toEqual([b, nkv, l, d]);
            expect(v.shape).toEqual([b, nkv, l, d]);
            for (const out of [q, k, v]) expect(out.dtype).toBe(dtype);
            const seen = (a: mx.Array) => mx.astype(a, 'float32').toTypedArray() as Float32Array;
            // The reference reads the inputs as the device sees them (rounded to the dtype).
            const xSeen = seen(mx.astype(mx.array(x, 'float32', [x.length]), dtype));
            const norm = (w: mx.Array) => (c.norms ? seen(w) : null);
            const wantQ = normRopeReference(headsOf(xSeen, c, 0, nq), norm(wq), eps, { ...c, h: nq });
            const wantK = normRopeReference(headsOf(xSeen, c, nq, nkv), norm(wk), eps, { ...c, h: nkv });
            expect(worstError(seen(q), wantQ)).toBeLessThan(tolerances[dtype]);
            expect(worstError(seen(k), wantK)).toBeLessThan(tolerances[dtype]);
            // Values are moved, not computed: exactly the projection's value heads, transposed.
            const values = headsOf(xSeen, c, nq + nkv, nkv);
            const wantV = new Float32Array(values.length);
            for (let bi = 0; bi < b; bi++)
              for (let li = 0; li < l; li++)
                for (let h = 0; h < nkv; h++)
                  wantV.set(values.subarray(((bi * l + li) * nkv + h) * d, ((bi * l + li) * nkv + h + 1) * d), ((bi * nkv + h) * l + li) * d);
            expect(Array.from(seen(v))).toEqual(Array.from(wantV));
          });
        });
      }
    }
  }

  it('names the shape it needs', () => {
    mx.tidy(() => {
      expect(() => mx.fast.ropeHeads(mx.zeros([4, 8]), 8, { heads: { q: 1, kv: 1 } })).toThrow(/\[B, L, \(q \+ 2·kv\)·D\]/);
      expect(() => mx.fast.ropeHeads(mx.zeros([1, 1, 50]), 8, { heads: { q: 2, kv: 1 } })).toThrow(/not \(nq \+ 2·nkv\) = 4 heads/);
    });
  });
});

// scaledDotProductAttention of one query position against a float64 softmax computed here, on the
// default device: grouped-query shapes up to eight query heads per key/value head, head dims
// MLX's CUDA backend has no fused kernel for (on a GPU these run the addon's kernel,
// gpu_attention_decode.cc) and ones it has, caches long enough to split the keys over blocks,
// boolean masks broadcast over rows and heads, keys as views into a larger cache or transposed
// from [B, L, H, D], and the half-precision dtypes.
import { describe, expect, it } from 'vitest';
import * as mx from '../src/index.js';
import { type AttentionShape as Case, attentionReference as reference } from './helpers/attention-reference.js';
import { seededValues } from './helpers/seeded.js';
import { float32Tolerance } from './helpers/tolerance.js';

const device = mx.defaultDevice();

/** The largest |difference| of `got` from `want`. */
function worst(got: ArrayLike<number>, want: ArrayLike<number>): number {
  expect(got.length).toBe(want.length);
  let w = 0;
  for (let i = 0; i < want.length; i++) w = Math.max(w, Number.isNaN(got[i]) ? Infinity : Math.abs(got[i] - want[i]));
  return w;
}

/** Keys or values [B, H, L, D] as a cache hands them out: the first L rows of a larger buffer. */
function cacheView(data: Float32Array, { b, l, d }: Case, heads: number, dtype: mx.Dtype): mx.Array {
  const spare = 7;
  const full = mx.zeros([b, heads, l + spare, d], dtype);
  const filled = mx.sliceUpdate(full, mx.astype(mx.array(data, undefined, [b, heads, l, d]), dtype), [0, 0, 0, 0], [b, heads, l, d]);
  return mx.slice(filled, [0, 0, 0, 0], [b, heads, l, d]);
}

/** The same [B, H, L, D] values transposed from a [B, L, H, D] buffer, as a prefill's projections are. */
function transposedView(data: Float32Array, { b, l, d }: Case, heads: number, dtype: mx.Dtype): mx.Array {
  const rows = mx.transpose(mx.array(data, undefined, [b, heads, l, d]), [0, 2, 1, 3]);
  const laidOut = mx.add(mx.astype(rows, dtype), mx.zeros([b, l, heads, d], dtype));
  return mx.transpose(laidOut, [0, 2, 1, 3]);
}

/** Rounds float32 values through `dtype` (the inputs the device sees). */
function rounded(data: Float32Array, dtype: mx.Dtype): Float32Array {
  if (dtype === 'float32') return data;
  return mx.tidy(() => mx.astype(mx.astype(mx.array(data), dtype), 'float32').toTypedArray() as Float32Array);
}

const cases: Case[] = [
  // Gemma 3 270M and 1B: four query heads on one key/value head, D = 256.
  { b: 1, hq: 4, hkv: 1, l: 1, d: 256 },
  { b: 1, hq: 4, hkv: 1, l: 640, d: 256 },
  // Gemma 3 4B: 8 on 4; a batch of three.
  { b: 3, hq: 8, hkv: 4, l: 97, d: 256 },
  // No grouping, eight per group, and other head dims (160, 32: the addon's; 128: MLX's own).
  { b: 2, hq: 3, hkv: 3, l: 45, d: 160 },
  { b: 1, hq: 16, hkv: 2, l: 2100, d: 32 },
  { b: 2, hq: 8, hkv: 2, l: 70, d: 128 },
];

const tolerances: Record<'float32' | 'bfloat16' | 'float16', number> = {
  float32: float32Tolerance('attention', device),
  // One rounding of the output (|out| < 1) plus the dtype's scores on devices that round them.
  bfloat16: 8e-3,
  float16: 2e-3,
};

describe('scaledDotProductAttention of one query position', () => {
  for (const dtype of ['float32', 'bfloat16', 'float16'] as const) {
    for (const c of cases) {
      const { b, hq, hkv, l, d } = c;
      it(`${dtype}: B ${b}, ${hq} heads on ${hkv}, ${l} keys, D ${d}: every mask form equals a float64 softmax`, () => {
        mx.tidy(() => {
          const scale = 1 / Math.sqrt(d);
          const qData = rounded(seededValues(b * hq * d, 11 + l, 1), dtype);
          const kData = rounded(seededValues(b * hkv * l * d, 12 + d, 1), dtype);
          const vData = rounded(seededValues(b * hkv * l * d, 13 + hq, 1), dtype);
          const q = mx.astype(mx.array(qData, undefined, [b, hq, 1, d]), dtype);
          const views = [
            [cacheView(kData, c, hkv, dtype), cacheView(vData, c, hkv, dtype)],
            [transposedView(kData, c, hkv, dtype), transposedView(vData, c, hkv, dtype)],
          ];
          // A sliding window's mask (the last 33 keys), a per-row one (row r drops every (r + 2)-th
          // key, padding a batch), and a per-head one (head h drops keys j ≡ h mod 3), each keeping
          // at least one key.
          const window = (_bi: number, _h: number, j: number) => j >= l - 33;
          const perRow = (bi: number, _h: number, j: number) => j === 0 || j % (bi + 2) !== 0;
          const perHead = (_bi: number, h: number, j: number) => j === l - 1 || j % 3 !== h % 3;
          const masks: Array<[string, (bi: number, h: number, j: number) => boolean, number[]]> = [
            ['window', window, [1, 1, 1, l]],
            ['window of one dim', window, [l]],
            ['per row', perRow, [b, 1, 1, l]],
            ['per head', perHead, [b, hq, 1, l]],
          ];
          const all = () => true;
          const want = reference(qData, kData, vData, c, scale, all);
          for (const [k, v] of views) {
            for (const mode of [undefined, 'causal'] as const) {
              const out = mx.fast.scaledDotProductAttention(q, k, v, { scale, mask: mode });
              expect(out.shape).toEqual([b, hq, 1, d]);
              expect(out.dtype).toBe(dtype);
              expect(worst(mx.astype(out, 'float32').toTypedArray() as Float32Array, want)).toBeLessThan(tolerances[dtype]);
            }
            for (const [name, keep, shape] of masks) {
              const bits: boolean[] = [];
              for (let bi = 0; bi < (shape.length === 4 ? shape[0] : 1); bi++)
                for (let h = 0; h < (shape.length === 4 ? shape[1] : 1); h++) for (let j = 0; j < l; j++) bits.push(keep(bi, h, j));
              const mask = mx.array(bits, 'bool', shape);
              const out = mx.fast.scaledDotProductAttention(q, k, v, { scale, mask });
              const got = mx.astype(out, 'float32').toTypedArray() as Float32Array;
              expect(worst(got, reference(qData, kData, vData, c, scale, keep)), name).toBeLessThan(tolerances[dtype]);
            }
          }
        });
      });
    }
  }
});

// The addon's CPU prefill attention (scaledDotProductAttention with several float32 query
// positions, causal or unmasked) against a float64 softmax computed here and MLX's own op
// (cpuKernel: false): grouped-query shapes, odd lengths, more keys than queries (a prompt after a
// cached prefix), the strided views a cache and a head split hand out, every kernel family the
// CPU has and one or two threads.
import { afterAll, describe, expect, it } from 'vitest';
import * as mx from '../src/index.js';
import { supportedIsas } from './cpu-isas.js';

mx.setDefaultDevice(mx.cpu);
const info = mx.fast.cpuKernelInfo();
afterAll(() => {
  mx.fast.setCpuKernelIsa(info.bestIsa);
  mx.fast.setCpuKernelThreads(info.threads);
});

function noise(count: number, seed: number): Float32Array {
  const out = new Float32Array(count);
  let s = seed >>> 0 || 1;
  for (let i = 0; i < count; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    out[i] = ((s / 2 ** 32) * 2 - 1) * 2;
  }
  return out;
}

interface Shape {
  b: number;
  hq: number;
  hkv: number;
  l: number;
  s: number;
  d: number;
}

/**
 * softmax(q·kᵀ·scale)·v in float64 from row-major q [B, Hq, L, D], k and v [B, Hkv, S, D];
 * causal: query i sees keys up to i + S − L.
 */
function reference(q: Float32Array, k: Float32Array, v: Float32Array, { b, hq, hkv, l, s, d }: Shape, scale: number, causal: boolean): Float64Array {
  const out = new Float64Array(b * hq * l * d);
  const group = hq / hkv;
  for (let bi = 0; bi < b; bi++) {
    for (let h = 0; h < hq; h++) {
      const kv = Math.floor(h / group);
      for (let i = 0; i < l; i++) {
        const visible = causal ? i + s - l + 1 : s;
        const scores = new Float64Array(visible);
        for (let j = 0; j < visible; j++) {
          let dot = 0;
          for (let x = 0; x < d; x++) dot += q[((bi * hq + h) * l + i) * d + x] * k[((bi * hkv + kv) * s + j) * d + x];
          scores[j] = dot * scale;
        }
        const m = Math.max(...scores);
        let total = 0;
        for (let j = 0; j < visible; j++) total += scores[j] = Math.exp(scores[j] - m);
        const row = ((bi * hq + h) * l + i) * d;
        for (let j = 0; j < visible; j++) {
          for (let x = 0; x < d; x++) out[row + x] += (scores[j] / total) * v[((bi * hkv + kv) * s + j) * d + x];
        }
      }
    }
  }
  return out;
}

const shapes: Shape[] = [
  { b: 1, hq: 4, hkv: 1, l: 100, s: 100, d: 256 },
  { b: 2, hq: 8, hkv: 4, l: 33, s: 70, d: 64 },
  { b: 1, hq: 6, hkv: 2, l: 2, s: 2, d: 72 },
  { b: 3, hq: 2, hkv: 2, l: 61, s: 61, d: 8 },
  { b: 1, hq: 2, hkv: 1, l: 130, s: 197, d: 24 },
];

// Keys or values as a cache hands them out: the first S positions of a longer buffer.
function cacheView(data: Float32Array, { b, s, d }: Shape, heads: number): mx.Array {
  const spare = 5;
  const full = mx.zeros([b, heads, s + spare, d]);
  const filled = mx.sliceUpdate(full, mx.array(data, undefined, [b, heads, s, d]), [0, 0, 0, 0], [b, heads, s, d]);
  return mx.slice(filled, [0, 0, 0, 0], [b, heads, s, d]);
}

// Queries as a head split hands them out: [B, L, H, D] transposed to [B, H, L, D].
function headView(data: Float32Array, { b, hq, l, d }: Shape): mx.Array {
  const rowMajor = new Float32Array(data.length);
  for (let bi = 0; bi < b; bi++)
    for (let h = 0; h < hq; h++)
      for (let i = 0; i < l; i++) for (let x = 0; x < d; x++) rowMajor[((bi * l + i) * hq + h) * d + x] = data[((bi * hq + h) * l + i) * d + x];
  return mx.transpose(mx.array(rowMajor, undefined, [b, l, hq, d]), [0, 2, 1, 3]);
}

/** Largest |a − b| / (1 + |b|). */
function worst(a: ArrayLike<number>, b: ArrayLike<number>): number {
  expect(a.length).toBe(b.length);
  let out = 0;
  for (let i = 0; i < b.length; i++) out = Math.max(out, Math.abs(a[i] - b[i]) / (1 + Math.abs(b[i])));
  return out;
}

const inputs = shapes.map(({ b, hq, hkv, l, s, d }, n) => ({
  q: noise(b * hq * l * d, 10 + n),
  k: noise(b * hkv * s * d, 20 + n),
  v: noise(b * hkv * s * d, 30 + n),
}));
const references = shapes.map((shape, n) =>
  [true, false].map((causal) => reference(inputs[n].q, inputs[n].k, inputs[n].v, shape, 1 / Math.sqrt(shape.d), causal)),
);

describe('scaledDotProductAttention of several positions on the CPU kernel', () => {
  for (const isa of supportedIsas(info.bestIsa)) {
    for (const threads of [1, 2]) {
      it(`${isa}, ${threads} thread(s): equals a float64 softmax and MLX's op, causal and unmasked`, () => {
        expect(mx.fast.setCpuKernelIsa(isa)).toBe(true);
        mx.fast.setCpuKernelThreads(threads);
        shapes.forEach((shape, n) => {
          mx.tidy(() => {
            const scale = 1 / Math.sqrt(shape.d);
            const q = headView(inputs[n].q, shape);
            const k = cacheView(inputs[n].k, shape, shape.hkv);
            const v = cacheView(inputs[n].v, shape, shape.hkv);
            [true, false].forEach((causal, c) => {
              const mask = causal ? ('causal' as const) : null;
              const ours = mx.fast.scaledDotProductAttention(q, k, v, { scale, mask }).toTypedArray() as Float32Array;
              const mlx = mx.fast.scaledDotProductAttention(q, k, v, { scale, mask, cpuKernel: false }).toTypedArray() as Float32Array;
              expect(worst(ours, references[n][c])).toBeLessThan(1e-5);
              expect(worst(ours, mlx)).toBeLessThan(1e-5);
            });
          });
        });
      });
    }
  }

  it('reads keys whose head dim is strided (a transposed view) through a copy', () => {
    const shape = { b: 1, hq: 2, hkv: 1, l: 9, s: 9, d: 16 };
    mx.tidy(() => {
      const q = mx.array(noise(2 * 9 * 16, 1), undefined, [1, 2, 9, 16]);
      const kT = mx.array(noise(9 * 16, 2), undefined, [1, 1, 16, 9]);
      const k = mx.swapaxes(kT, 2, 3);
      const v = mx.array(noise(9 * 16, 3), undefined, [1, 1, 9, 16]);
      const ref = reference(
        q.toTypedArray() as Float32Array,
        mx.contiguous(k).toTypedArray() as Float32Array,
        v.toTypedArray() as Float32Array,
        shape,
        0.25,
        true,
      );
      const ours = mx.fast.scaledDotProductAttention(q, k, v, { scale: 0.25, mask: 'causal' }).toTypedArray() as Float32Array;
      expect(worst(ours, ref)).toBeLessThan(1e-5);
    });
  });

  it('leaves mask arrays, head dims off a multiple of 8 and other dtypes to MLX', () => {
    mx.tidy(() => {
      const q = mx.array(noise(2 * 3 * 8, 1), undefined, [1, 2, 3, 8]);
      const k = mx.array(noise(2 * 3 * 8, 2), undefined, [1, 2, 3, 8]);
      const v = mx.array(noise(2 * 3 * 8, 3), undefined, [1, 2, 3, 8]);
      const same = (a: mx.Array, b: mx.Array, tol = 1e-5) => mx.allclose(a, b, { rtol: tol, atol: tol }).item();
      const mask = mx.array([true, false, true, true, true, false, true, true, true], 'bool', [1, 1, 3, 3]);
      expect(
        same(
          mx.fast.scaledDotProductAttention(q, k, v, { scale: 0.3, mask }),
          mx.fast.scaledDotProductAttention(q, k, v, { scale: 0.3, mask, cpuKernel: false }),
        ),
      ).toBe(true);
      const odd = (a: mx.Array) => mx.slice(a, [0, 0, 0, 0], [1, 2, 3, 5]);
      expect(
        same(
          mx.fast.scaledDotProductAttention(odd(q), odd(k), odd(v), { scale: 0.3, mask: 'causal' }),
          mx.fast.scaledDotProductAttention(odd(q), odd(k), odd(v), { scale: 0.3, mask: 'causal', cpuKernel: false }),
        ),
      ).toBe(true);
      const h = (a: mx.Array) => mx.astype(a, 'float16');
      const half = mx.fast.scaledDotProductAttention(h(q), h(k), h(v), { scale: 0.3, mask: 'causal' });
      expect(half.dtype).toBe('float16');
      expect(same(mx.astype(half, 'float32'), mx.fast.scaledDotProductAttention(q, k, v, { scale: 0.3, mask: 'causal' }), 1e-2)).toBe(true);
    });
  });
});

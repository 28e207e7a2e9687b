// The addon's CPU decode attention (scaledDotProductAttention with one float32 query position
// and no mask array) against MLX's own op (cpuKernel: false) and a float64 softmax computed here:
// grouped-query shapes, odd lengths, strided key/value views as a cache hands them out, every
// kernel family the CPU has and one or two threads.
import { afterAll, describe, expect, it } from 'vitest';
import * as mx from '../src/index.js';
import { supportedIsas } from './cpu-isas.js';
import { attentionReference } from './helpers/attention-reference.js';

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

const shapes: Array<[number, number, number, number, number]> = [
  // [B, Hq, Hkv, L, D]
  [1, 4, 1, 1, 256],
  [1, 4, 1, 577, 256],
  [2, 8, 4, 33, 64],
  [3, 6, 2, 130, 72],
  [1, 2, 2, 7, 5],
];

describe('scaledDotProductAttention of one position on the CPU kernel', () => {
  for (const isa of supportedIsas(info.bestIsa)) {
    for (const threads of [1, 2]) {
      it(`${isa}, ${threads} thread(s): equals MLX's op and a float64 softmax`, () => {
        expect(mx.fast.setCpuKernelIsa(isa)).toBe(true);
        mx.fast.setCpuKernelThreads(threads);
        shapes.forEach(([b, hq, hkv, l, d], n) => {
          mx.tidy(() => {
            const qData = noise(b * hq * d, 10 + n);
            const kData = noise(b * hkv * l * d, 20 + n);
            const vData = noise(b * hkv * l * d, 30 + n);
            const scale = 1 / Math.sqrt(d);
            const q = mx.array(qData, undefined, [b, hq, 1, d]);
            // Keys and values as views into a larger buffer, as a KV cache returns them.
            const spare = 5;
            const pad = (data: Float32Array) => {
              const full = mx.zeros([b, hkv, l + spare, d]);
              return mx.sliceUpdate(full, mx.array(data, undefined, [b, hkv, l, d]), [0, 0, 0, 0], [b, hkv, l, d]);
            };
            const kFull = pad(kData);
            const vFull = pad(vData);
            const k = mx.slice(kFull, [0, 0, 0, 0], [b, hkv, l, d]);
            const v = mx.slice(vFull, [0, 0, 0, 0], [b, hkv, l, d]);
            const ours = mx.fast.scaledDotProductAttention(q, k, v, { scale }).toTypedArray() as Float32Array;
            const causal = mx.fast.scaledDotProductAttention(q, k, v, { scale, mask: 'causal' }).toTypedArray() as Float32Array;
            const mlx = mx.fast.scaledDotProductAttention(q, k, v, { scale, cpuKernel: false }).toTypedArray() as Float32Array;
            const ref = attentionReference(qData, kData, vData, { b, hq, hkv, l, d }, scale);
            for (let i = 0; i < ref.length; i++) {
              expect(Math.abs(ours[i] - ref[i])).toBeLessThan(1e-5 * (1 + Math.abs(ref[i])));
              expect(Math.abs(ours[i] - mlx[i])).toBeLessThan(1e-5 * (1 + Math.abs(mlx[i])));
              expect(causal[i]).toBe(ours[i]);
            }
          });
        });
      });
    }
  }

  it('leaves prefills, masks, sinks and other dtypes to MLX', () => {
    mx.tidy(() => {
      const q = mx.array(noise(2 * 3 * 8, 1), undefined, [1, 2, 3, 8]);
      const k = mx.array(noise(2 * 3 * 8, 2), undefined, [1, 2, 3, 8]);
      const v = mx.array(noise(2 * 3 * 8, 3), undefined, [1, 2, 3, 8]);
      const same = (a: mx.Array, b: mx.Array) => mx.allclose(a, b, { rtol: 1e-5, atol: 1e-6 }).item();
      expect(
        same(
          mx.fast.scaledDotProductAttention(q, k, v, { scale: 0.3, mask: 'causal' }),
          mx.fast.scaledDotProductAttention(q, k, v, { scale: 0.3, mask: 'causal', cpuKernel: false }),
        ),
      ).toBe(true);
      const q1 = mx.slice(q, [0, 0, 0, 0], [1, 2, 1, 8]);
      const mask = mx.array([true, false, true], 'bool', [1, 1, 1, 3]);
      expect(
        same(
          mx.fast.scaledDotProductAttention(q1, k, v, { scale: 0.3, mask }),
          mx.fast.scaledDotProductAttention(q1, k, v, { scale: 0.3, mask, cpuKernel: false }),
        ),
      ).toBe(true);
      const h = (a: mx.Array) => mx.astype(a, 'float16');
      const half = mx.fast.scaledDotProductAttention(h(q1), h(k), h(v), { scale: 0.3 });
      expect(half.dtype).toBe('float16');
      expect(mx.allclose(mx.astype(half, 'float32'), mx.fast.scaledDotProductAttention(q1, k, v, { scale: 0.3 }), { rtol: 1e-2, atol: 1e-2 }).item()).toBe(
        true,
      );
    });
  });
});

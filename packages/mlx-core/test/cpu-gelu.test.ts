// mx.fast.cpuGeluTanh against GELU's tanh approximation computed in float64 here, with both
// instruction sets and thread counts, on lengths with and without a vector tail, a strided view,
// the parallel path and the tails of the function (large |x|, where the composed graph cancels).
import { afterAll, describe, expect, it } from 'vitest';
import * as mx from '../src/index.js';
import { supportedIsas } from './cpu-isas.js';

mx.setDefaultDevice(mx.cpu);
const info = mx.fast.cpuKernelInfo();
const isas = supportedIsas(info.bestIsa);

afterAll(() => {
  mx.fast.setCpuKernelIsa(info.bestIsa);
  mx.fast.setCpuKernelThreads(info.threads);
});

function values(count: number, seed: number, spread: number): Float32Array {
  const out = new Float32Array(count);
  let s = seed >>> 0 || 1;
  for (let i = 0; i < count; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    out[i] = ((s / 2 ** 32) * 2 - 1) * spread;
  }
  return out;
}

/** 0.5x(1 + tanh u) written as x / (1 + e^(−2u)), which does not cancel for very negative x. */
function gelu64(x: number): number {
  return x / (1 + Math.exp(-2 * Math.sqrt(2 / Math.PI) * (x + 0.044715 * x * x * x)));
}

/**
 * Indices where |ours − exact| exceeds a few float32 ulps of the result, widened in the negative
 * tail by the float32 rounding of u = √(2/π)(x + 0.044715x³), which e^(−2u) turns into a
 * relative error of about 2|u|·2⁻²⁴.
 */
function mismatches(input: Float32Array, out: Float32Array): string[] {
  const bad: string[] = [];
  for (let i = 0; i < input.length; i++) {
    const x = Math.abs(input[i]);
    const want = gelu64(input[i]);
    const tolerance = (6e-7 + 3e-7 * (x + 0.05 * x * x * x)) * Math.abs(want) + 1e-30;
    if (!(Math.abs(out[i] - want) <= tolerance)) bad.push(`[${i}] x=${input[i]}: ${out[i]} vs ${want}`);
    if (bad.length > 5) break;
  }
  return bad;
}

describe('cpuGeluTanh', () => {
  for (const isa of isas) {
    for (const threads of [1, 2]) {
      it(`${isa}, ${threads} thread(s): matches float64 GELU on lengths 1..70000`, () => {
        mx.fast.setCpuKernelIsa(isa);
        mx.fast.setCpuKernelThreads(threads);
        for (const [count, spread] of [
          [1, 3],
          [7, 3],
          [8, 3],
          [37, 6],
          [2048, 4],
          [70001, 8],
        ] as const) {
          const input = values(count, count + threads, spread);
          const out = mx.tidy(() => mx.fast.cpuGeluTanh(mx.array(input, 'float32', [count])).toTypedArray() as Float32Array);
          expect(out.length).toBe(count);
          expect(mismatches(input, out)).toEqual([]);
        }
      });
    }
  }

  it('takes strided views, keeps the shape, and gives exact limits far out', () => {
    mx.fast.setCpuKernelIsa(info.bestIsa);
    const input = values(6 * 40, 3, 5);
    const out = mx.tidy(() => {
      const x = mx.transpose(mx.array(input, 'float32', [6, 40]));
      const y = mx.fast.cpuGeluTanh(x);
      expect(y.shape).toEqual([40, 6]);
      return { y: mx.contiguous(mx.transpose(y)).toTypedArray() as Float32Array };
    });
    expect(mismatches(input, out.y)).toEqual([]);
    const tails = mx.tidy(() => mx.fast.cpuGeluTanh(mx.array([-1000, -30, 30, 1000, 0])).toTypedArray() as Float32Array);
    expect(Math.abs(tails[0])).toBeLessThan(1e-30);
    expect(Math.abs(tails[1])).toBeLessThan(1e-30);
    expect(Array.from(tails.subarray(2))).toEqual([30, 1000, 0]);
  });

  it('refuses what it does not cover', () => {
    expect(() => mx.fast.cpuGeluTanh(mx.array([1, 2], 'float16'))).toThrow(/float32/);
  });
});

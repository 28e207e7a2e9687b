// mx.fast.cpuRope (and rope, which uses it on the CPU for float32) against RoPE computed in
// float64 here and against MLX's own fallback graph (cpuKernel: false), with both instruction
// sets and thread counts: both layouts (traditional or not), all or part of the features rotated
// (with and without a vector tail), base or a freqs table, scale, offsets as a number and as an
// int32 array (one, or one per batch row), 3-D to 5-D inputs, many positions (the parallel path)
// and strided views (transposed heads, a strided last axis).
import { afterAll, describe, expect, it } from 'vitest';
import * as mx from '../src/index.js';
import { supportedIsas } from './cpu-isas.js';
import { product, seededValues } from './helpers/seeded.js';

mx.setDefaultDevice(mx.cpu);
const info = mx.fast.cpuKernelInfo();
const isas = supportedIsas(info.bestIsa);

afterAll(() => {
  mx.fast.setCpuKernelIsa(info.bestIsa);
  mx.fast.setCpuKernelThreads(info.threads);
});

interface Case {
  shape: number[];
  dims: number;
  traditional: boolean;
  base?: number;
  /** Periods (MLX's convention), one per rotated pair. */
  freqs?: Float32Array;
  scale: number;
  /** A number, or one per batch row (an int32 array) when `asArray`. */
  offsets: number[];
  asArray: boolean;
}

/**
 * RoPE of a row-major x in float64, with each element's tolerance: float32 computes the angle
 * (t + offset)·scale·inv_freq with a relative error of a few 2⁻²⁴ (the inverse frequency and the
 * product are rounded), which grows with the position; the rotation adds a few roundings.
 */
function reference(x: Float32Array, c: Case) {
  const d = c.shape[c.shape.length - 1];
  const length = c.shape[c.shape.length - 2];
  const perBatch = x.length / c.shape[0];
  const half = c.dims / 2;
  const want = Float64Array.from(x);
  const tolerance = new Float64Array(x.length).fill(0);
  for (let row = 0; row < x.length / d; row++) {
    const b = Math.floor((row * d) / perBatch);
    const t = row % length;
    const position = (t + (c.offsets.length === 1 ? c.offsets[0] : c.offsets[b])) * c.scale;
    for (let i = 0; i < half; i++) {
      const inv = c.freqs ? 1 / c.freqs[i] : c.base! ** ((-2 * i) / c.dims);
      const theta = position * inv;
      const [i1, i2] = c.traditional ? [2 * i, 2 * i + 1] : [i, i + half];
      const x1 = x[row * d + i1];
      const x2 = x[row * d + i2];
      want[row * d + i1] = x1 * Math.cos(theta) - x2 * Math.sin(theta);
      want[row * d + i2] = x1 * Math.sin(theta) + x2 * Math.cos(theta);
      const angle = 6e-7 * (Math.abs(position) + Math.abs(theta)) + 1e-6;
      const tol = Math.hypot(x1, x2) * angle + 4e-7 * (Math.abs(x1) + Math.abs(x2));
      tolerance[row * d + i1] = tol;
      tolerance[row * d + i2] = tol;
    }
  }
  return { want, tolerance };
}

function mismatches(got: Float32Array, want: Float64Array, tolerance: Float64Array, factor = 1): string[] {
  const bad: string[] = [];
  for (let i = 0; i < want.length && bad.length < 5; i++) {
    if (!(Math.abs(got[i] - want[i]) <= factor * tolerance[i])) bad.push(`[${i}] ${got[i]} vs ${want[i]}`);
  }
  return bad;
}

function options(c: Case): mx.fast.RopeOptions {
  const offset = c.asArray ? mx.array(Int32Array.from(c.offsets), 'int32', [c.offsets.length]) : c.offsets[0];
  const freqs = c.freqs ? mx.array(c.freqs, 'float32', [c.freqs.length]) : undefined;
  return { traditional: c.traditional, scale: c.scale, offset, ...(freqs ? { freqs } : { base: c.base }) };
}

function periods(base: number, dims: number, stretch: number): Float32Array {
  return Float32Array.from({ length: dims / 2 }, (_, i) => base ** ((2 * i) / dims) * (i % 3 === 0 ? stretch : 1));
}

const cases: Case[] = [
  // Gemma 3 270M decode: 4 query heads of 256, one position.
  { shape: [1, 4, 1, 256], dims: 256, traditional: false, base: 1e6, scale: 1, offsets: [517], asArray: false },
  { shape: [2, 3, 7, 64], dims: 64, traditional: false, base: 10000, scale: 1, offsets: [0], asArray: false },
  { shape: [2, 3, 7, 64], dims: 40, traditional: true, base: 10000, scale: 0.25, offsets: [13], asArray: false },
  { shape: [3, 2, 5, 18], dims: 10, traditional: false, base: 500, scale: 1, offsets: [4, 0, 2900], asArray: true },
  { shape: [3, 2, 5, 18], dims: 18, traditional: true, base: 500, scale: 1, offsets: [4, 1, 77], asArray: true },
  { shape: [2, 1, 3, 32], dims: 32, traditional: false, freqs: periods(10000, 32, 8), scale: 1, offsets: [1000], asArray: true },
  { shape: [2, 1, 3, 48], dims: 32, traditional: true, freqs: periods(10000, 32, 0.5), scale: 2, offsets: [9, 31], asArray: true },
  { shape: [3, 5, 24], dims: 24, traditional: false, base: 10000, scale: 1, offsets: [6], asArray: false },
  { shape: [2, 2, 3, 4, 16], dims: 16, traditional: false, base: 10000, scale: 1, offsets: [3, 40], asArray: true },
  // Prefill: many positions, split over the threads.
  { shape: [1, 4, 300, 64], dims: 64, traditional: false, base: 1e6, scale: 1, offsets: [0], asArray: false },
  { shape: [2, 2, 150, 72], dims: 64, traditional: true, base: 10000, scale: 1, offsets: [5, 700], asArray: true },
];

describe('cpuRope', () => {
  for (const isa of isas) {
    for (const threads of [1, 2]) {
      it(`${isa}, ${threads} thread(s): matches float64 and MLX's graph`, () => {
        mx.fast.setCpuKernelIsa(isa);
        mx.fast.setCpuKernelThreads(threads);
        for (const [k, c] of cases.entries()) {
          const input = seededValues(product(c.shape), 21 + k, 2);
          const { want, tolerance } = reference(input, c);
          const label = JSON.stringify({ ...c, freqs: c.freqs ? 'table' : undefined });
          const run = (fn: (x: mx.Array, o: mx.fast.RopeOptions) => mx.Array) =>
            mx.tidy(() => fn(mx.array(input, 'float32', c.shape), options(c)).toTypedArray() as Float32Array);
          const ours = run((x, o) => mx.fast.cpuRope(x, c.dims, o));
          const viaDefault = run((x, o) => mx.fast.rope(x, c.dims, o));
          const theirs = run((x, o) => mx.fast.rope(x, c.dims, { ...o, cpuKernel: false }));
          expect(mismatches(ours, want, tolerance), label).toEqual([]);
          expect(mismatches(theirs, want, tolerance), `MLX ${label}`).toEqual([]);
          expect(mismatches(ours, Float64Array.from(theirs), tolerance, 2), `vs MLX ${label}`).toEqual([]);
          expect(viaDefault).toEqual(ours);
        }
      });
    }
  }

  it('reads strided views in place and returns a row-major result of the same shape', () => {
    mx.fast.setCpuKernelIsa(info.bestIsa);
    const [b, l, n, d] = [2, 5, 3, 32];
    const input = seededValues(b * l * n * d, 8, 3);
    const views: [string, (x: mx.Array) => mx.Array][] = [
      ['transposed heads', (x) => mx.transpose(x, [0, 2, 1, 3])],
      ['strided last axis', (x) => mx.slice(mx.transpose(x, [0, 2, 1, 3]), [0, 0, 0, 0], [b, n, l, d], [1, 1, 1, 2])],
    ];
    for (const [name, view] of views) {
      for (const traditional of [false, true]) {
        const { got, logical, shape } = mx.tidy(() => {
          const x = view(mx.array(input, 'float32', [b, l, n, d]));
          const y = mx.fast.cpuRope(x, 16, { traditional, base: 10000, offset: mx.array([2, 9], 'int32') });
          expect(y.shape).toEqual(x.shape);
          return { got: y.toTypedArray() as Float32Array, logical: mx.contiguous(x).toTypedArray() as Float32Array, shape: x.shape };
        });
        const c: Case = { shape, dims: 16, traditional, base: 10000, scale: 1, offsets: [2, 9], asArray: true };
        const { want, tolerance } = reference(logical, c);
        expect(mismatches(got, want, tolerance), `${name} traditional=${traditional}`).toEqual([]);
      }
    }
  });

  it('refuses what it does not cover; rope gives those to MLX', () => {
    const x16 = mx.array(seededValues(16, 1, 1), 'float16', [1, 1, 2, 8]);
    expect(() => mx.fast.cpuRope(x16, 8)).toThrow(/float32/);
    expect(mx.fast.rope(x16, 8, { offset: 3 }).dtype).toBe('float16');
    const x = mx.array(seededValues(16, 2, 1), 'float32', [1, 1, 2, 8]);
    expect(() => mx.fast.cpuRope(x, 7)).toThrow(mx.MlxError);
    expect(() => mx.fast.cpuRope(mx.reshape(x, [2, 8]), 8)).toThrow(/B, \.\.\., L, D/);
    expect(() => mx.fast.cpuRope(x, 8, { offset: mx.array([1, 2, 3], 'int32') })).toThrow(/batch row/);
  });

  it('runs inside a compiled function with the offset as an input', () => {
    const x = mx.array(seededValues(2 * 2 * 3 * 16, 4, 1), 'float32', [2, 2, 3, 16]);
    const f = mx.compile((a: mx.Array, offset: mx.Array) => mx.multiply(mx.fast.rope(a, 16, { base: 10000, offset }), 2));
    for (const offsets of [
      [1, 2],
      [30, 7],
    ]) {
      const offset = mx.array(offsets, 'int32');
      const eager = mx.multiply(mx.fast.cpuRope(x, 16, { base: 10000, offset }), 2).toTypedArray();
      expect(f(x, offset).toTypedArray()).toEqual(eager);
    }
  });
});

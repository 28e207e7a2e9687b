// mx.fast.cpuRmsNorm (and rmsNorm, which uses it on the CPU for float32) against RMSNorm computed
// in float64 here and against MLX's own fallback graph (cpuKernel: false), with both instruction
// sets and thread counts, on row lengths with and without a vector tail, many rows (the parallel
// path), with and without a weight, and on strided views (transposed heads, a step slice, a
// broadcast, a strided last axis).
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

/** x̂·w per row of a row-major [rows, n] in float64, with the tolerance of each element. */
function reference(x: Float32Array, n: number, w: Float32Array | undefined, eps: number) {
  const want = new Float64Array(x.length);
  const tolerance = new Float64Array(x.length);
  for (let r = 0; r < x.length / n; r++) {
    let ss = 0;
    for (let i = 0; i < n; i++) ss += x[r * n + i] ** 2;
    const scale = 1 / Math.sqrt(ss / n + eps);
    for (let i = 0; i < n; i++) {
      const v = x[r * n + i] * scale * (w ? w[i] : 1);
      want[r * n + i] = v;
      // A few float32 roundings of the sum, the root and two products.
      tolerance[r * n + i] = 2e-6 * Math.abs(v) + 1e-30;
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

function run(fn: () => mx.Array): Float32Array {
  return mx.tidy(() => fn().toTypedArray() as Float32Array);
}

describe('cpuRmsNorm', () => {
  for (const isa of isas) {
    for (const threads of [1, 2]) {
      it(`${isa}, ${threads} thread(s): matches float64 and MLX's graph`, () => {
        mx.fast.setCpuKernelIsa(isa);
        mx.fast.setCpuKernelThreads(threads);
        const shapes = [[1], [7], [3, 33], [2, 5, 640], [1, 1, 256], [2, 3, 40, 129], [300, 257]];
        for (const [k, shape] of shapes.entries()) {
          const n = shape[shape.length - 1];
          const input = seededValues(product(shape), 11 + k, 3);
          for (const weighted of [true, false]) {
            const w = weighted ? seededValues(n, 97 + k, 2) : undefined;
            const eps = k % 2 ? 1e-6 : 1e-5;
            const { want, tolerance } = reference(input, n, w, eps);
            const make = () => [mx.array(input, 'float32', shape), w ? mx.array(w, 'float32', [n]) : undefined] as const;
            const ours = run(() => mx.fast.cpuRmsNorm(...make(), eps));
            const viaDefault = run(() => mx.fast.rmsNorm(...make(), eps));
            const theirs = run(() => mx.fast.rmsNorm(...make(), eps, { cpuKernel: false }));
            expect(mismatches(ours, want, tolerance), `${shape} weight=${weighted}`).toEqual([]);
            expect(mismatches(theirs, want, tolerance, 2), `MLX ${shape}`).toEqual([]);
            expect(viaDefault).toEqual(ours);
          }
        }
      });
    }
  }

  it('reads strided views in place and returns a row-major result of the same shape', () => {
    mx.fast.setCpuKernelIsa(info.bestIsa);
    const [b, l, n, d] = [2, 3, 4, 72];
    const input = seededValues(b * l * n * d, 5, 4);
    const cases: [string, (x: mx.Array) => mx.Array][] = [
      ['transposed heads', (x) => mx.transpose(x, [0, 2, 1, 3])],
      ['step slice', (x) => mx.slice(x, [0, 0, 0, 0], [b, l, n, d], [1, 2, 1, 1])],
      ['broadcast', (x) => mx.broadcastTo(mx.slice(x, [0, 0, 0, 0], [1, 1, n, d]), [b, l, n, d])],
      ['strided last axis', (x) => mx.slice(x, [0, 0, 0, 0], [b, l, n, d], [1, 1, 1, 2])],
    ];
    for (const [name, view] of cases) {
      const { got, logical, w, last } = mx.tidy(() => {
        const x = view(mx.array(input, 'float32', [b, l, n, d]));
        const features = x.shape[x.ndim - 1];
        const weight = seededValues(features, 6, 1.5);
        const y = mx.fast.cpuRmsNorm(x, mx.array(weight), 1e-6);
        expect(y.shape).toEqual(x.shape);
        return { got: y.toTypedArray() as Float32Array, logical: mx.contiguous(x).toTypedArray() as Float32Array, w: weight, last: features };
      });
      const { want, tolerance } = reference(logical, last, w, 1e-6);
      expect(mismatches(got, want, tolerance), name).toEqual([]);
    }
  });

  it('refuses what it does not cover; rmsNorm gives those to MLX', () => {
    const x16 = mx.array([1, 2, 3, 4], 'float16', [1, 4]);
    expect(() => mx.fast.cpuRmsNorm(x16, undefined, 1e-5)).toThrow(/float32/);
    expect(() => mx.fast.cpuRmsNorm(mx.array([1, 2, 3, 4]), mx.array([1, 2]), 1e-5)).toThrow(mx.MlxError);
    const y = mx.fast.rmsNorm(x16, undefined, 1e-5);
    expect(y.dtype).toBe('float16');
    const bf = mx.fast.rmsNorm(mx.array([1, 2, 3, 4], 'float32', [1, 4]), mx.array([1, 1, 1, 1], 'bfloat16'), 1e-5);
    expect(bf.dtype).toBe('float32');
    expect(Array.from(bf.toTypedArray() as Float32Array).map((v) => Number(v.toFixed(4)))).toEqual([0.3651, 0.7303, 1.0954, 1.4606]);
  });

  it('runs inside a compiled function', () => {
    const x = mx.array(seededValues(3 * 64, 9, 2), 'float32', [3, 64]);
    const w = mx.array(seededValues(64, 10, 2));
    const f = mx.compile((a: mx.Array, b: mx.Array) => mx.multiply(mx.fast.rmsNorm(a, b, 1e-6), 2));
    const eager = mx.multiply(mx.fast.cpuRmsNorm(x, w, 1e-6), 2).toTypedArray();
    expect(f(x, w).toTypedArray()).toEqual(eager);
  });
});

// The addon's CPU quantized matmul (mx.fast.cpuQuantizedMatmul, and quantizedMatmul on the CPU)
// against two references: MLX's own quantizedMatmul (cpuKernel: false) and a float64 product
// computed here from the raw packed weights, scales and biases (s·q + b per value, unpacked in
// JS). Shapes include odd row and column counts; K must be a multiple of the group size.
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

/** A deterministic pseudo-random sequence in [-1, 1). */
function noise(count: number, seed: number): Float32Array {
  const out = new Float32Array(count);
  let s = seed >>> 0 || 1;
  for (let i = 0; i < count; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    out[i] = (s / 2 ** 32) * 2 - 1;
  }
  return out;
}

interface Case {
  m: number;
  n: number;
  k: number;
  bits: number;
  groupSize: number;
  scaleDtype: 'float32' | 'bfloat16' | 'float16';
}

/** x @ Wᵀ in float64 with W unpacked from MLX's layout: each row one little-endian bit stream, value j at bits j·bits .. j·bits + bits − 1. */
function float64Reference(
  x: Float32Array,
  wq: Uint32Array,
  scales: Float32Array,
  biases: Float32Array,
  c: Case,
): { out: Float64Array; magnitude: Float64Array } {
  const bytes = new Uint8Array(wq.buffer, wq.byteOffset, wq.byteLength);
  const rowBytes = (c.k * c.bits) / 8;
  const groups = c.k / c.groupSize;
  const w = new Float64Array(c.n * c.k);
  for (let r = 0; r < c.n; r++) {
    for (let j = 0; j < c.k; j++) {
      let q = 0;
      for (let b = 0; b < c.bits; b++) {
        const bit = j * c.bits + b;
        q |= ((bytes[r * rowBytes + (bit >> 3)] >> (bit & 7)) & 1) << b;
      }
      const g = r * groups + Math.floor(j / c.groupSize);
      w[r * c.k + j] = scales[g] * q + biases[g];
    }
  }
  const out = new Float64Array(c.m * c.n);
  const magnitude = new Float64Array(c.m * c.n);
  for (let i = 0; i < c.m; i++) {
    for (let r = 0; r < c.n; r++) {
      let acc = 0;
      let mag = 0;
      for (let j = 0; j < c.k; j++) {
        const p = x[i * c.k + j] * w[r * c.k + j];
        acc += p;
        mag += Math.abs(p);
      }
      out[i * c.n + r] = acc;
      magnitude[i * c.n + r] = mag;
    }
  }
  return { out, magnitude };
}

/** Indices where |a - ref| exceeds float32 accumulation error: rtol of Σ|x·w| (the condition of the sum). */
function mismatches(actual: Float32Array, ref: Float64Array, magnitude: Float64Array, rtol: number): string[] {
  const bad: string[] = [];
  for (let i = 0; i < ref.length && bad.length < 5; i++) {
    const tol = rtol * magnitude[i] + 1e-6;
    if (!(Math.abs(actual[i] - ref[i]) <= tol)) bad.push(`[${i}] ${actual[i]} vs ${ref[i]} (tol ${tol})`);
  }
  return bad;
}

function check(c: Case, seed: number): void {
  mx.tidy(() => {
    const xData = noise(c.m * c.k, seed);
    const x = mx.array(xData, undefined, [c.m, c.k]);
    const w = mx.array(
      noise(c.n * c.k, seed + 1).map((v, i) => v * (0.2 + (i % 7) * 0.1)),
      undefined,
      [c.n, c.k],
    );
    const [wq, s0, b0] = mx.quantize(w, { bits: c.bits, groupSize: c.groupSize });
    const scales = mx.astype(s0, c.scaleDtype);
    const biases = mx.astype(b0!, c.scaleDtype);
    const opts = { bits: c.bits, groupSize: c.groupSize };
    const ref = float64Reference(
      xData,
      wq.toTypedArray() as Uint32Array,
      mx.astype(scales, 'float32').toTypedArray() as Float32Array,
      mx.astype(biases, 'float32').toTypedArray() as Float32Array,
      c,
    );
    const mlx = mx.quantizedMatmul(x, wq, scales, biases, { ...opts, cpuKernel: false }).toTypedArray() as Float32Array;
    // MLX's own kernel is the anchor: it must agree with the float64 product as well.
    expect(mismatches(mlx, ref.out, ref.magnitude, 1e-5)).toEqual([]);

    const ours = mx.fast.cpuQuantizedMatmul(x, wq, scales, biases, opts);
    expect(ours.shape).toEqual([c.m, c.n]);
    expect(ours.dtype).toBe('float32');
    const values = ours.toTypedArray() as Float32Array;
    expect(mismatches(values, ref.out, ref.magnitude, 1e-5)).toEqual([]);
    const vsMlx: string[] = [];
    for (let i = 0; i < values.length && vsMlx.length < 5; i++) {
      if (!(Math.abs(values[i] - mlx[i]) <= 2e-5 * ref.magnitude[i] + 1e-6)) vsMlx.push(`[${i}] ${values[i]} vs mlx ${mlx[i]}`);
    }
    expect(vsMlx).toEqual([]);
    // quantizedMatmul on the CPU takes the same kernel by default.
    const auto = mx.quantizedMatmul(x, wq, scales, biases, opts).toTypedArray() as Float32Array;
    expect(mismatches(auto, ref.out, ref.magnitude, 1e-5)).toEqual([]);
  });
}

// Matrix-vector shapes (m <= 4), groups of four rows over 64-column chunks (4 < m <= 16, with
// partial groups and chunks), the blocked matrix path (m > 16, tails of the 6-row and 16-column
// blocks), odd n everywhere.
const shapes: Array<[number, number, number]> = [
  [1, 1, 128],
  [1, 37, 256],
  [2, 19, 128],
  [3, 50, 384],
  [4, 33, 256],
  [5, 17, 128],
  [9, 150, 256],
  [13, 41, 256],
  [16, 70, 128],
  [20, 3, 384],
  [23, 35, 128],
];

describe('cpuQuantizedMatmul against MLX and a float64 product', () => {
  for (const isa of isas) {
    for (const threads of [1, 2]) {
      for (const bits of [4, 5, 8]) {
        for (const groupSize of [32, 64, 128]) {
          it(`${isa}, ${threads} thread(s), ${bits} bits, group ${groupSize}`, () => {
            expect(mx.fast.setCpuKernelIsa(isa)).toBe(true);
            mx.fast.setCpuKernelThreads(threads);
            expect(mx.fast.cpuKernelInfo()).toMatchObject({ isa, threads });
            shapes.forEach(([m, n, k], i) => {
              if (k % groupSize !== 0) return;
              const scaleDtype = (['float32', 'bfloat16', 'float16'] as const)[i % 3];
              check({ m, n, k, bits, groupSize, scaleDtype }, bits * 1000 + groupSize * 10 + i);
            });
          });
        }
      }
    }
  }

  it('splits a tall matrix (an embedding-sized output head) over the threads', () => {
    mx.fast.setCpuKernelIsa(info.bestIsa);
    mx.fast.setCpuKernelThreads(2);
    check({ m: 1, n: 3001, k: 64, bits: 4, groupSize: 32, scaleDtype: 'bfloat16' }, 7);
    check({ m: 2, n: 2049, k: 128, bits: 8, groupSize: 64, scaleDtype: 'float32' }, 8);
    check({ m: 1, n: 1027, k: 96, bits: 5, groupSize: 32, scaleDtype: 'float16' }, 9);
  });
});

describe('cpuQuantizedMatmul with biases given as a factor of the scales', () => {
  // GGUF's Q8_0 / Q5_0 / Q4_0 blocks: bias = −128·d, −16·d, −8·d. The factor path must give the
  // product with those biases stored, on every kernel family, for vector and matrix shapes.
  for (const isa of isas) {
    it(`${isa}: equals the product with biases = factor × scales`, () => {
      expect(mx.fast.setCpuKernelIsa(isa)).toBe(true);
      mx.fast.setCpuKernelThreads(2);
      for (const [bits, factor] of [
        [8, -128],
        [5, -16],
        [4, -8],
      ] as const) {
        for (const [m, n, k] of [
          [1, 37, 256],
          [3, 50, 128],
          [9, 70, 64],
          [23, 35, 128],
        ] as const) {
          mx.tidy(() => {
            const x = mx.array(noise(m * k, bits + m), undefined, [m, k]);
            const w = mx.array(noise(n * k, bits + n), undefined, [n, k]);
            const [wq, s0] = mx.quantize(w, { bits, groupSize: 32 });
            const scales = mx.astype(s0, 'float16');
            const biases = mx.astype(mx.multiply(mx.astype(scales, 'float32'), factor), 'float16');
            const opts = { bits, groupSize: 32 };
            const stored = mx.fast.cpuQuantizedMatmul(x, wq, scales, biases, opts).toTypedArray() as Float32Array;
            const byFactor = mx.fast.cpuQuantizedMatmul(x, wq, scales, null, { ...opts, biasFactor: factor }).toTypedArray() as Float32Array;
            const mlx = mx.quantizedMatmul(x, wq, scales, biases, { ...opts, cpuKernel: false }).toTypedArray() as Float32Array;
            for (let i = 0; i < stored.length; i++) {
              const scale = Math.max(1, Math.abs(mlx[i]));
              expect(Math.abs(byFactor[i] - stored[i]) / scale).toBeLessThan(1e-5);
              expect(Math.abs(byFactor[i] - mlx[i]) / scale).toBeLessThan(1e-4);
            }
          });
        }
      }
    });
  }

  it('needs biases or a factor, not both, and a finite factor', () => {
    mx.tidy(() => {
      const w = mx.array(noise(8 * 64, 3), undefined, [8, 64]);
      const [wq, s, b] = mx.quantize(w, { bits: 8, groupSize: 32 });
      const x = mx.array(noise(64, 4), undefined, [1, 64]);
      expect(() => mx.fast.cpuQuantizedMatmul(x, wq, s, null, { bits: 8, groupSize: 32 })).toThrow(/needs biases/);
      expect(() => mx.fast.cpuQuantizedMatmul(x, wq, s, b!, { bits: 8, groupSize: 32, biasFactor: -128 })).toThrow(/not both/);
      expect(() => mx.fast.cpuQuantizedMatmul(x, wq, s, null, { bits: 8, groupSize: 32, biasFactor: Number.NaN })).toThrow(TypeError);
    });
  });
});

describe('cpuQuantizedMatmul inputs', () => {
  const setup = () => {
    const w = mx.array(noise(24 * 64, 3), undefined, [24, 64]);
    const [wq, scales, biases] = mx.quantize(w, { bits: 4, groupSize: 32 });
    return { w, wq, scales, biases: biases! };
  };

  it('keeps leading axes of x and reads non-contiguous x', () => {
    mx.tidy(() => {
      const { wq, scales, biases } = setup();
      const opts = { bits: 4, groupSize: 32 };
      const x = mx.array(noise(2 * 3 * 64, 4), undefined, [2, 3, 64]);
      const out = mx.fast.cpuQuantizedMatmul(x, wq, scales, biases, opts);
      expect(out.shape).toEqual([2, 3, 24]);
      const ref = mx.quantizedMatmul(x, wq, scales, biases, { ...opts, cpuKernel: false });
      expect(mx.allclose(out, ref, { rtol: 1e-5, atol: 1e-5 }).item()).toBe(true);
      // x viewed transposed: [64, 5] data read as [5, 64].
      const xt = mx.transpose(mx.array(noise(64 * 5, 5), undefined, [64, 5]));
      const outT = mx.fast.cpuQuantizedMatmul(xt, wq, scales, biases, opts);
      const refT = mx.quantizedMatmul(mx.contiguous(xt), wq, scales, biases, { ...opts, cpuKernel: false });
      expect(mx.allclose(outT, refT, { rtol: 1e-5, atol: 1e-5 }).item()).toBe(true);
    });
  });

  it('works inside mx.compile', () => {
    mx.tidy(() => {
      const { wq, scales, biases } = setup();
      const opts = { bits: 4, groupSize: 32 };
      const f = mx.compile((x: mx.Array) => [mx.multiply(mx.fast.cpuQuantizedMatmul(x, wq, scales, biases, opts), 2)]);
      const x = mx.array(noise(64, 6), undefined, [1, 64]);
      const [out] = f(x);
      const ref = mx.multiply(mx.quantizedMatmul(x, wq, scales, biases, { ...opts, cpuKernel: false }), 2);
      expect(mx.allclose(out, ref, { rtol: 1e-5, atol: 1e-5 }).item()).toBe(true);
    });
  });

  it('names what it does not support; quantizedMatmul falls back to MLX there', () => {
    mx.tidy(() => {
      const w = mx.array(noise(8 * 64, 9), undefined, [8, 64]);
      const [wq3, s3, b3] = mx.quantize(w, { bits: 3, groupSize: 32 });
      const x = mx.array(noise(64, 10), undefined, [1, 64]);
      const call = () => mx.fast.cpuQuantizedMatmul(x, wq3, s3, b3!, { bits: 3, groupSize: 32 });
      expect(call).toThrow(mx.MlxError);
      expect(call).toThrow(/4, 5 and 8 bits/);
      const fallback = mx.quantizedMatmul(x, wq3, s3, b3, { bits: 3, groupSize: 32 });
      const dense = mx.matmul(x, mx.transpose(mx.dequantize(wq3, s3, b3, { bits: 3, groupSize: 32 })));
      expect(mx.allclose(fallback, dense, { rtol: 1e-5, atol: 1e-5 }).item()).toBe(true);

      const [wq, s, b] = mx.quantize(w, { bits: 4, groupSize: 32 });
      expect(() => mx.fast.cpuQuantizedMatmul(mx.astype(x, 'bfloat16'), wq, s, b!, { bits: 4, groupSize: 32 })).toThrow(/float32/);
      expect(() => mx.fast.cpuQuantizedMatmul(mx.array(noise(32, 1), undefined, [1, 32]), wq, s, b!, { bits: 4, groupSize: 32 })).toThrow(/does not match/);
      expect(() => mx.fast.setCpuKernelThreads(0)).toThrow(TypeError);
    });
  });
});

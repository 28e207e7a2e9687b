// The int8-activation path of the CPU quantized matmul (int8Activations: x rounded to int8 per
// block of 32, integer dot products) against float64 references computed here from the raw
// packed weights: (1) the product with x replaced by its int8 rounding as the kernel defines it
// (round(x / d) · d, d = max|x| / 127 per block) in the term s·q' and exact x in the bias term
// (q' = q for 4 bits; q - 128 for 8 bits, whose +128 the kernel moves into the bias: Q8_0's
// symmetric weights then carry x's rounding only through the weight itself), to float32
// accumulation error; (2) the exact product and MLX's own quantizedMatmul, within the rounding
// bound Σ |s·q'| · d/2. Shapes the path does not take (m > 16, rows over 16384 values) must give
// the exact result.
import { afterAll, describe, expect, it } from 'vitest';
import * as mx from '../src/index.js';

mx.setDefaultDevice(mx.cpu);
const info = mx.fast.cpuKernelInfo();

afterAll(() => {
  mx.fast.setCpuKernelIsa(info.bestIsa);
  mx.fast.setCpuKernelThreads(info.threads);
  mx.fast.setCpuKernelInt8Activations(info.int8Activations);
});

function noise(count: number, seed: number): Float32Array {
  const out = new Float32Array(count);
  let s = seed >>> 0 || 1;
  for (let i = 0; i < count; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    out[i] = (s / 2 ** 32) * 2 - 1;
  }
  return out;
}

/** Round half to even, as the kernel's nearbyint in the default rounding mode. */
function roundEven(v: number): number {
  const r = Math.round(v);
  return Math.abs(v % 1) === 0.5 && r % 2 !== 0 ? r - 1 : r;
}

/** x with each block of 32 replaced by round(x / d) · d in float32 arithmetic, and each element's rounding bound d / 2. */
function int8Rounded(x: Float32Array, m: number, k: number): { xr: Float64Array; half: Float64Array } {
  const xr = new Float64Array(m * k);
  const half = new Float64Array(m * k);
  for (let i = 0; i < m; i++) {
    for (let b = 0; b < k; b += 32) {
      let amax = 0;
      for (let j = 0; j < 32; j++) amax = Math.max(amax, Math.abs(x[i * k + b + j]));
      const d = Math.fround(amax / 127);
      const inv = d > 0 ? Math.fround(1 / d) : 0;
      for (let j = 0; j < 32; j++) {
        const at = i * k + b + j;
        xr[at] = roundEven(Math.fround(x[at] * inv)) * d;
        half[at] = d / 2;
      }
    }
  }
  return { xr, half };
}

interface Case {
  m: number;
  n: number;
  k: number;
  bits: number;
  groupSize: number;
  scaleDtype: 'float32' | 'bfloat16' | 'float16';
}

function check(c: Case, seed: number, expectInt8: boolean): void {
  mx.tidy(() => {
    const xData = noise(c.m * c.k, seed).map((v, i) => v * (1 + (i % 5)));
    const x = mx.array(xData, undefined, [c.m, c.k]);
    const w = mx.array(
      noise(c.n * c.k, seed + 1).map((v, i) => v * (0.2 + (i % 7) * 0.1)),
      undefined,
      [c.n, c.k],
    );
    const [wq, s0, b0] = mx.quantize(w, { bits: c.bits, groupSize: c.groupSize });
    const scales = mx.astype(s0, c.scaleDtype);
    const biases = mx.astype(b0!, c.scaleDtype);
    const packed = wq.toTypedArray() as Uint32Array;
    const sv = mx.astype(scales, 'float32').toTypedArray() as Float32Array;
    const bv = mx.astype(biases, 'float32').toTypedArray() as Float32Array;
    const perWord = 32 / c.bits;
    const mask = 2 ** c.bits - 1;
    const groups = c.k / c.groupSize;
    const { xr, half } = int8Rounded(xData, c.m, c.k);
    // float64 references: exact, with int8-rounded x in the s·q term, and the rounding bound.
    const exact = new Float64Array(c.m * c.n);
    const rounded = new Float64Array(c.m * c.n);
    const bound = new Float64Array(c.m * c.n);
    const magnitude = new Float64Array(c.m * c.n);
    for (let r = 0; r < c.n; r++) {
      for (let i = 0; i < c.m; i++) {
        let e = 0;
        let q8 = 0;
        let bd = 0;
        let mag = 0;
        for (let j = 0; j < c.k; j++) {
          const q = (packed[r * (c.k / perWord) + Math.floor(j / perWord)] >>> ((j % perWord) * c.bits)) & mask;
          const g = r * groups + Math.floor(j / c.groupSize);
          const offset = c.bits === 8 ? 128 : 0;
          const sq = sv[g] * (q - offset);
          const bias = bv[g] + offset * sv[g];
          const xv = xData[i * c.k + j];
          e += xv * (sq + bias);
          q8 += xr[i * c.k + j] * sq + xv * bias;
          bd += Math.abs(sq) * half[i * c.k + j];
          mag += Math.abs(xv * sq) + Math.abs(xv * bias) + Math.abs(xv * sv[g] * q);
        }
        exact[i * c.n + r] = e;
        rounded[i * c.n + r] = q8;
        bound[i * c.n + r] = bd;
        magnitude[i * c.n + r] = mag;
      }
    }
    const ours = mx.fast
      .cpuQuantizedMatmul(x, wq, scales, biases, { bits: c.bits, groupSize: c.groupSize, int8Activations: true })
      .toTypedArray() as Float32Array;
    const mlx = mx.quantizedMatmul(x, wq, scales, biases, { bits: c.bits, groupSize: c.groupSize, cpuKernel: false }).toTypedArray() as Float32Array;
    const bad: string[] = [];
    for (let i = 0; i < ours.length && bad.length < 5; i++) {
      const fp = 2e-5 * magnitude[i] + 1e-6;
      const target = expectInt8 ? rounded[i] : exact[i];
      if (!(Math.abs(ours[i] - target) <= fp)) bad.push(`[${i}] ${ours[i]} vs ${target} (tol ${fp})`);
      if (!(Math.abs(ours[i] - exact[i]) <= bound[i] + fp)) bad.push(`[${i}] ${ours[i]} vs exact ${exact[i]} (bound ${bound[i]})`);
      if (!(Math.abs(ours[i] - mlx[i]) <= bound[i] + 2 * fp)) bad.push(`[${i}] ${ours[i]} vs mlx ${mlx[i]} (bound ${bound[i]})`);
    }
    expect(bad).toEqual([]);
  });
}

const shapes: Array<[number, number, number]> = [
  [1, 1, 128],
  [1, 37, 256],
  [1, 130, 384],
  [2, 19, 128],
  [3, 50, 384],
  [5, 17, 128],
  [9, 150, 256],
  [16, 70, 128],
  [1, 260, 2048],
  [1, 96, 1024],
];

describe('cpuQuantizedMatmul with int8 activations against float64 references', () => {
  // The int8 dots need AVX2; without it the kernel keeps the exact product, which is checked instead.
  const avx2 = info.bestIsa !== 'scalar';
  for (const threads of [1, 2]) {
    for (const bits of [4, 8]) {
      for (const groupSize of [32, 64, 128]) {
        it(`${threads} thread(s), ${bits} bits, group ${groupSize}`, () => {
          mx.fast.setCpuKernelIsa(info.bestIsa);
          mx.fast.setCpuKernelThreads(threads);
          shapes.forEach(([m, n, k], i) => {
            if (k % groupSize !== 0) return;
            const scaleDtype = (['float32', 'bfloat16', 'float16'] as const)[i % 3];
            check({ m, n, k, bits, groupSize, scaleDtype }, bits * 1000 + groupSize * 10 + i, avx2);
          });
        });
      }
    }
  }

  it('splits a tall matrix over two threads', () => {
    mx.fast.setCpuKernelIsa(info.bestIsa);
    mx.fast.setCpuKernelThreads(2);
    check({ m: 1, n: 4099, k: 64, bits: 8, groupSize: 32, scaleDtype: 'float16' }, 11, avx2);
    check({ m: 1, n: 2051, k: 96, bits: 4, groupSize: 32, scaleDtype: 'float32' }, 12, avx2);
  });

  it('gives the exact product where the int8 path does not apply', () => {
    mx.fast.setCpuKernelIsa(info.bestIsa);
    mx.fast.setCpuKernelThreads(1);
    check({ m: 20, n: 9, k: 128, bits: 4, groupSize: 64, scaleDtype: 'float32' }, 13, false);
    check({ m: 1, n: 3, k: 16512, bits: 8, groupSize: 128, scaleDtype: 'float32' }, 14, false);
  });

  it('the scalar kernel ignores the option: exact results', () => {
    mx.fast.setCpuKernelIsa('scalar');
    mx.fast.setCpuKernelThreads(1);
    check({ m: 1, n: 21, k: 128, bits: 8, groupSize: 32, scaleDtype: 'float16' }, 15, false);
    mx.fast.setCpuKernelIsa(info.bestIsa);
  });

  it('the process default applies to quantizedMatmul built after it is set', () => {
    mx.tidy(() => {
      mx.fast.setCpuKernelIsa(info.bestIsa);
      const w = mx.array(noise(40 * 64, 21), undefined, [40, 64]);
      const [wq, s, b] = mx.quantize(w, { bits: 8, groupSize: 32 });
      const x = mx.array(noise(64, 22), undefined, [1, 64]);
      const opts = { bits: 8, groupSize: 32 };
      mx.fast.setCpuKernelInt8Activations(true);
      expect(mx.fast.cpuKernelInfo().int8Activations).toBe(true);
      const viaDefault = mx.quantizedMatmul(x, wq, s, b, opts);
      mx.fast.setCpuKernelInt8Activations(false);
      const explicit = mx.fast.cpuQuantizedMatmul(x, wq, s, b!, { ...opts, int8Activations: true });
      const exact = mx.fast.cpuQuantizedMatmul(x, wq, s, b!, opts);
      const same = (a: mx.Array, b: mx.Array) => mx.all(mx.equal(a, b)).item();
      expect(same(viaDefault, info.bestIsa !== 'scalar' ? explicit : exact)).toBe(true);
      expect(() => mx.fast.setCpuKernelInt8Activations(1 as unknown as boolean)).toThrow(TypeError);
    });
  });
});

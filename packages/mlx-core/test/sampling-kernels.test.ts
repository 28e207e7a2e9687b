// mx.fast.logitsTopK and mx.fast.applyTokenBitmask against references computed here in JS:
// log Σ exp in float64 and the k largest by a full sort (ties to the lower id), and the bitmask
// applied bit by bit; for the fused CPU kernels (both instruction sets and thread counts for
// logitsTopK) and for the MLX-ops path they share their contract with (non-float32 input).
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

function logits(rows: number, width: number, seed: number, spread = 8): Float32Array {
  const out = new Float32Array(rows * width);
  let s = seed >>> 0 || 1;
  for (let i = 0; i < out.length; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    out[i] = (s / 2 ** 32) * spread - spread / 2;
  }
  return out;
}

function reference(x: Float32Array, rows: number, width: number, k: number) {
  const lse: number[] = [];
  const ids: number[][] = [];
  for (let r = 0; r < rows; r++) {
    const row = Array.from(x.subarray(r * width, (r + 1) * width));
    const top = Math.max(...row);
    lse.push(top === -Infinity ? -Infinity : top + Math.log(row.reduce((sum, v) => sum + Math.exp(v - top), 0)));
    const order = row.map((_, i) => i).sort((a, b) => row[b] - row[a] || a - b);
    ids.push(order.slice(0, k).sort((a, b) => a - b));
  }
  return { lse, ids };
}

function check(x: Float32Array, rows: number, width: number, k: number) {
  const want = reference(x, rows, width, k);
  const got = mx.tidy(() => {
    const r = mx.fast.logitsTopK(mx.array(x, 'float32', [rows, width]), k);
    return {
      lse: Array.from(r.logsumexp.toTypedArray() as Float32Array),
      ids: r.ids.toList() as number[][],
      values: r.values.toList() as number[][],
      shapes: [r.logsumexp.shape, r.ids.shape, r.values.shape, r.ids.dtype],
    };
  });
  expect(got.shapes).toEqual([[rows, 1], [rows, k], [rows, k], 'int32']);
  expect(got.ids).toEqual(want.ids);
  got.ids.forEach((row, r) => expect(got.values[r]).toEqual(row.map((i) => x[r * width + i])));
  got.lse.forEach((v, r) => {
    if (want.lse[r] === -Infinity) expect(v).toBe(-Infinity);
    else expect(Math.abs(v - want.lse[r])).toBeLessThanOrEqual(2e-6 * Math.max(1, Math.abs(want.lse[r])));
  });
}

describe('fast.logitsTopK', () => {
  for (const isa of isas) {
    for (const threads of [1, 2]) {
      it(`matches the float64 reference (${isa}, ${threads} thread${threads > 1 ? 's' : ''})`, () => {
        expect(mx.fast.setCpuKernelIsa(isa)).toBe(true);
        mx.fast.setCpuKernelThreads(threads);
        check(logits(3, 50_000, 1), 3, 50_000, 64);
        check(logits(5, 1031, 2, 30), 5, 1031, 1);
        check(logits(1, 257, 3), 1, 257, 257);
        check(logits(2, 9, 4), 2, 9, 3);
        // A wide spread, so that exp underflows for most of the row.
        check(logits(2, 4099, 5, 400), 2, 4099, 40);
      });
    }
  }

  it('keeps the lower ids among ties, skips masked tokens, and gives -inf for a fully masked row', () => {
    const width = 600;
    const x = new Float32Array(3 * width).fill(-Infinity);
    // Row 0: every value equal. Row 1: a few finite values among masked ones. Row 2: all masked.
    x.fill(1.5, 0, width);
    for (const [i, v] of [
      [7, 2],
      [300, -1],
      [599, 2],
      [42, 0.5],
    ])
      x[width + i] = v;
    check(x, 3, width, 5);
    const r = mx.tidy(() => mx.fast.logitsTopK(mx.array(x, 'float32', [3, width]), 5).ids.toList() as number[][]);
    expect(r[0]).toEqual([0, 1, 2, 3, 4]);
    // The four finite values, then the lowest masked id.
    expect(r[1]).toEqual([0, 7, 42, 300, 599]);
  });

  it('takes strided and broadcast inputs, and non-float32 logits through MLX ops', () => {
    const x = logits(4, 300, 9);
    const want = reference(x, 4, 300, 10);
    mx.tidy(() => {
      const full = mx.array(x, 'float32', [4, 300]);
      const everyOther = mx.slice(full, [0, 0], [4, 300], [2, 1]);
      expect(mx.fast.logitsTopK(everyOther, 10).ids.toList()).toEqual([want.ids[0], want.ids[2]]);
      const repeated = mx.broadcastTo(mx.slice(full, [1, 0], [2, 300]), [3, 300]);
      expect(mx.fast.logitsTopK(repeated, 10).ids.toList()).toEqual([want.ids[1], want.ids[1], want.ids[1]]);
      const half = mx.fast.logitsTopK(mx.astype(full, 'float16'), 10);
      expect(half.ids.dtype).toBe('int32');
      expect(half.values.dtype).toBe('float32');
      const lse = Array.from(half.logsumexp.toTypedArray() as Float32Array);
      lse.forEach((v, r) => expect(Math.abs(v - want.lse[r])).toBeLessThan(1e-2));
    });
  });

  it('names a bad k or shape', () => {
    expect(() => mx.tidy(() => mx.fast.logitsTopK(mx.zeros([2, 5]), 6))).toThrow(/k must be in 1\.\.5/);
    expect(() => mx.tidy(() => mx.fast.logitsTopK(mx.zeros([2, 5]), 0))).toThrow(/k must be/);
    expect(() => mx.tidy(() => mx.fast.logitsTopK(mx.zeros([5]), 1))).toThrow(/\[rows, vocabulary\]/);
  });
});

describe('fast.applyTokenBitmask', () => {
  function masked(x: Float32Array, rows: number, width: number, words: Int32Array): number[][] {
    const stride = Math.ceil(width / 32);
    return Array.from({ length: rows }, (_, r) =>
      Array.from({ length: width }, (_, v) => ((words[r * stride + (v >> 5)] >>> (v & 31)) & 1 ? x[r * width + v] : -Infinity)),
    );
  }

  it('keeps the tokens whose bit is set, on the CPU kernel and through MLX ops, for widths that are not a multiple of 32', () => {
    for (const width of [32, 1000, 4099]) {
      const rows = 3;
      const x = logits(rows, width, width);
      const words = new Int32Array(rows * Math.ceil(width / 32));
      let s = width;
      for (let i = 0; i < words.length; i++) {
        s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
        // All-set, all-clear and mixed words.
        words[i] = i % 5 === 0 ? -1 : i % 5 === 1 ? 0 : s | 0;
      }
      const want = masked(x, rows, width, words);
      mx.tidy(() => {
        const w = mx.array(words, 'int32', [rows, words.length / rows]);
        const l = mx.array(x, 'float32', [rows, width]);
        expect(mx.fast.applyTokenBitmask(l, w).toList()).toEqual(want);
        // A strided input, and float16 logits through MLX ops.
        expect(mx.fast.applyTokenBitmask(mx.slice(l, [0, 0], [rows, width], [2, 1]), mx.slice(w, [0, 0], [rows, w.shape[1]], [2, 1])).toList()).toEqual([
          want[0],
          want[2],
        ]);
        const half = mx.fast.applyTokenBitmask(mx.astype(l, 'float16'), w);
        expect(half.dtype).toBe('float16');
        const got = half.astype('float32').toList() as number[][];
        got.forEach((row, r) =>
          row.forEach((v, i) => (want[r][i] === -Infinity ? expect(v).toBe(-Infinity) : expect(Math.abs(v - want[r][i])).toBeLessThan(1e-2))),
        );
      });
    }
  });

  it('names a mismatched mask', () => {
    expect(() => mx.tidy(() => mx.fast.applyTokenBitmask(mx.zeros([2, 64]), mx.zeros([2, 3], 'int32')))).toThrow(/words must be int32 \[2, 2\]/);
  });
});

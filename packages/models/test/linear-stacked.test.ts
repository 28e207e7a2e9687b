// Linear.stacked (gate and up as one product on the GPU): its output is the two products side by
// side, checked against a float64 matrix product in JS, for dense weights in both layouts and
// for affine-quantized weights (whose reference is the dequantized weight's product).
import * as mx from '@mlx-ts/core';
import { describe, expect, it, vi } from 'vitest';
import { float32Tolerance } from './helpers/tolerance.js';
import { Linear } from '../src/toolkit/linear.js';

function random(seed: number, n: number): Float32Array {
  let state = seed >>> 0;
  return Float32Array.from({ length: n }, () => {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
    return state / 2 ** 32 - 0.5;
  });
}

/** x [rows, inputs] @ Wᵀ with W [outputs, inputs], in float64. */
function product(x: Float32Array, w: Float32Array, rows: number, inputs: number, outputs: number): Float64Array {
  const out = new Float64Array(rows * outputs);
  for (let r = 0; r < rows; r++)
    for (let o = 0; o < outputs; o++) {
      let sum = 0;
      for (let i = 0; i < inputs; i++) sum += x[r * inputs + i] * w[o * inputs + i];
      out[r * outputs + o] = sum;
    }
  return out;
}

function expectStacked(y: mx.Array, a: Float64Array, b: Float64Array, rows: number, outA: number, outB: number): void {
  const values = y.toTypedArray() as Float32Array;
  expect(y.shape).toEqual([rows, outA + outB]);
  let worst = 0;
  for (let r = 0; r < rows; r++) {
    for (let o = 0; o < outA; o++) worst = Math.max(worst, Math.abs(values[r * (outA + outB) + o] - a[r * outA + o]));
    for (let o = 0; o < outB; o++) worst = Math.max(worst, Math.abs(values[r * (outA + outB) + outA + o] - b[r * outB + o]));
  }
  expect(worst).toBeLessThan(float32Tolerance('product', mx.defaultDevice()));
}

describe('Linear.stacked', () => {
  const rows = 3;
  const inputs = 64;
  const [outA, outB] = [24, 40];
  const x = random(1, rows * inputs);
  const wa = random(2, outA * inputs);
  const wb = random(3, outB * inputs);

  /** Parts left apart still give their own products (a's beside b's). */
  const expectApart = (a: Linear, b: Linear) =>
    mx.tidy(() => {
      const input = mx.array(x, 'float32', [rows, inputs]);
      expectStacked(
        mx.concatenate([a.apply(input), b.apply(input)], -1),
        product(x, wa, rows, inputs, outA),
        product(x, wb, rows, inputs, outB),
        rows,
        outA,
        outB,
      );
    });

  for (const transposed of [false, true]) {
    it(`stacks dense weights given ${transposed ? '[in, out]' : '[out, in]'}`, () => {
      const load = (w: Float32Array, outputs: number) => {
        const array = mx.array(w, 'float32', [outputs, inputs]);
        return Linear.dense(transposed ? mx.keep(mx.contiguous(mx.transpose(array))) : array, transposed);
      };
      const stacked = Linear.stacked(load(wa, outA), load(wb, outB));
      expect(stacked).toBeDefined();
      mx.tidy(() =>
        expectStacked(
          stacked!.apply(mx.array(x, 'float32', [rows, inputs])),
          product(x, wa, rows, inputs, outA),
          product(x, wb, rows, inputs, outB),
          rows,
          outA,
          outB,
        ),
      );
      stacked!.dispose();
    });
  }

  it('stacks quantized weights (the reference is the dequantized weights)', () => {
    const quantized = (w: Float32Array, outputs: number) => {
      const [weight, scales, biases] = mx.quantize(mx.array(w, 'float32', [outputs, inputs]), { groupSize: 32, bits: 4 });
      const restored = mx.dequantize(weight, scales, biases!, { groupSize: 32, bits: 4 }).toTypedArray() as Float32Array;
      return { linear: Linear.quantized({ weight, scales, biases: biases!, groupSize: 32, bits: 4 }), restored };
    };
    const a = quantized(wa, outA);
    const b = quantized(wb, outB);
    const stacked = Linear.stacked(a.linear, b.linear);
    expect(stacked).toBeDefined();
    mx.tidy(() =>
      expectStacked(
        stacked!.apply(mx.array(x, 'float32', [rows, inputs])),
        product(x, a.restored, rows, inputs, outA),
        product(x, b.restored, rows, inputs, outB),
        rows,
        outA,
        outB,
      ),
    );
    stacked!.dispose();
  });

  it('stacks three dense weights (q, k and v) in order', () => {
    const outC = 16;
    const wc = random(4, outC * inputs);
    const load = (w: Float32Array, outputs: number) => Linear.dense(mx.array(w, 'float32', [outputs, inputs]));
    const stacked = Linear.stacked(load(wa, outA), load(wb, outB), load(wc, outC));
    expect(stacked).toBeDefined();
    mx.tidy(() => {
      const y = stacked!.apply(mx.array(x, 'float32', [rows, inputs]));
      const [first, rest] = mx.split(y, [outA], -1);
      const [second, third] = mx.split(rest, [outB], -1);
      expectStacked(mx.concatenate([first, second], -1), product(x, wa, rows, inputs, outA), product(x, wb, rows, inputs, outB), rows, outA, outB);
      expectStacked(mx.concatenate([second, third], -1), product(x, wb, rows, inputs, outB), product(x, wc, rows, inputs, outC), rows, outB, outC);
    });
    stacked!.dispose();
  });

  it('leaves parts of another kind apart, each still usable', () => {
    const a = Linear.dense(mx.array(wa, 'float32', [outA, inputs]));
    const b = Linear.dense(mx.array(wb, 'float32', [outB, inputs]));
    const c = Linear.dense(mx.astype(mx.array(wa, 'float32', [outA, inputs]), 'float16'));
    expect(Linear.stacked(a, b, c)).toBeUndefined();
    expectApart(a, b);
    for (const l of [a, b, c]) l.dispose();
  });

  it('with MLX_TS_STACKED_PROJECTIONS=0 leaves every part apart, each still usable', () => {
    vi.stubEnv('MLX_TS_STACKED_PROJECTIONS', '0');
    try {
      const a = Linear.dense(mx.array(wa, 'float32', [outA, inputs]));
      const b = Linear.dense(mx.array(wb, 'float32', [outB, inputs]));
      expect(Linear.stacked(a, b)).toBeUndefined();
      expectApart(a, b);
      a.dispose();
      b.dispose();
    } finally {
      vi.unstubAllEnvs();
    }
  });

  it('leaves a dense and a quantized weight apart', () => {
    const dense = Linear.dense(mx.array(wa, 'float32', [outA, inputs]));
    const [weight, scales, biases] = mx.quantize(mx.array(wb, 'float32', [outB, inputs]), { groupSize: 32, bits: 4 });
    const quantized = Linear.quantized({ weight, scales, biases: biases!, groupSize: 32, bits: 4 });
    expect(Linear.stacked(dense, quantized)).toBeUndefined();
    dense.dispose();
    quantized.dispose();
  });
});

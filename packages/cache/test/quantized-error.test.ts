// Quantized cache vs the unquantized keys/values: affine quantization keeps every element within
// one quantization step (max - min) / (2^bits - 1) of its group (closed form, MLX's affine scheme).
import * as mx from '@mlx-ts/core';
import { describe, expect, it } from 'vitest';
import { QuantizedKVCache } from '../src/index.js';
import { inputBlock } from './reference.js';

const GROUP = 32;

function worstError(bits: number): { worst: number; ratio: number } {
  using cache = new QuantizedKVCache({ bits, groupSize: GROUP });
  const [B, H, D] = [1, 2, 64];
  let worst = 0;
  let ratio = 0;
  let start = 0;
  for (const [step, length] of [5, 3, 1, 1, 260].entries()) {
    mx.tidy(() => {
      const keys = inputBlock('keys', start, length, step, B, H, D);
      const values = inputBlock('values', start, length, step, B, H, D);
      const fetched = cache.updateAndFetch(keys, values);
      expect(fetched.keys.dtype).toBe('float32');
      expect(fetched.keys.shape).toEqual([B, H, start + length, D]);
      for (const [input, output] of [
        [keys, fetched.keys],
        [values, fetched.values],
      ] as const) {
        const x = input.toTypedArray() as Float32Array;
        const tail = mx.slice(output, [0, 0, start, 0], [B, H, start + length, D]);
        const y = tail.toTypedArray() as Float32Array;
        for (let g = 0; g < x.length; g += GROUP) {
          const group = x.subarray(g, g + GROUP);
          const step = (Math.max(...group) - Math.min(...group)) / (2 ** bits - 1);
          for (let i = g; i < g + GROUP; i++) {
            const error = Math.abs(y[i] - x[i]);
            worst = Math.max(worst, error);
            ratio = Math.max(ratio, error / (step + 1e-7));
          }
        }
      }
    });
    start += length;
  }
  return { worst, ratio };
}

describe('QuantizedKVCache error bounds vs unquantized', () => {
  it('4-bit: every element within one quantization step of its group', () => {
    const { worst, ratio } = worstError(4);
    expect(ratio).toBeLessThanOrEqual(1);
    // Inputs span [-99/128, 99/128]: one 4-bit step is at most 1.55 / 15.
    expect(worst).toBeLessThanOrEqual(198 / 128 / 15);
  });

  it('8-bit: every element within one quantization step, and far closer than 4-bit', () => {
    const eight = worstError(8);
    const four = worstError(4);
    expect(eight.ratio).toBeLessThanOrEqual(1);
    expect(eight.worst).toBeLessThanOrEqual(198 / 128 / 255);
    expect(eight.worst).toBeLessThan(four.worst / 8);
  });

  it('returns the packed tensors for quantized attention', () => {
    using cache = new QuantizedKVCache({ bits: 4, groupSize: GROUP });
    mx.tidy(() => {
      const keys = inputBlock('keys', 0, 3, 0, 1, 2, 64);
      const { keys: packed } = cache.updateAndFetchQuantized(keys, keys);
      // 4 bits: 8 elements per uint32 word; one scale and one bias per group of 32.
      expect(packed.data.shape).toEqual([1, 2, 3, 8]);
      expect(packed.data.dtype).toBe('uint32');
      expect(packed.scales.shape).toEqual([1, 2, 3, 2]);
      expect(packed.biases.shape).toEqual([1, 2, 3, 2]);
    });
  });

  it('holds 8-bit data plus one scale and bias per group', () => {
    using cache = new QuantizedKVCache({ bits: 8, groupSize: 64 });
    mx.tidy(() => {
      const keys = inputBlock('keys', 0, 1, 0, 1, 2, 64);
      cache.updateAndFetch(keys, keys);
    });
    // Per position and head: 64 bytes of data + 4 bytes scale + 4 bytes bias, for keys and values.
    expect(cache.nbytes).toBe(2 * 2 * 256 * (64 + 4 + 4));
  });
});

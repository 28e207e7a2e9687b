// Attention through our caches and masks equals full attention with an explicit sliding-window
// mask (query i sees keys i - window < j <= i), computed in float64 numpy by the fixture generator.
import * as mx from '@mlx-ts/core';
import { describe, expect, it } from 'vitest';
import { BatchKVCache, type KVCache, type MaskOptions, RotatingKVCache, StandardKVCache } from '../src/index.js';
import { inputBlock, readFixture } from './reference.js';

interface AttentionFixture {
  B: number;
  Hq: number;
  Hkv: number;
  D: number;
  window: number;
  scale: number;
  chunks: number[];
  inputs: { queries: number; keys: number; values: number };
  output: { shape: number[]; data: number[] };
}

const reference = readFixture<AttentionFixture>('sliding-window-attention.json');

function attendInChunks(cache: KVCache, maskOptions: MaskOptions): Float32Array {
  const { B, Hq, Hkv, D, scale, chunks, inputs } = reference;
  const outputs: Float32Array[] = [];
  let start = 0;
  for (const length of chunks) {
    outputs.push(
      mx.tidy(() => {
        const queries = inputBlock('keys', start, length, inputs.queries, B, Hq, D);
        const keys = inputBlock('keys', start, length, inputs.keys, B, Hkv, D);
        const values = inputBlock('values', start, length, inputs.values, B, Hkv, D);
        const mask = cache.makeMask(length, maskOptions);
        const fetched = cache.updateAndFetch(keys, values);
        const out = mx.fast.scaledDotProductAttention(queries, fetched.keys, fetched.values, { scale, mask });
        return out.toTypedArray() as Float32Array;
      }),
    );
    start += length;
  }
  // Outputs are [1, Hq, L, D] per chunk: reassemble [1, Hq, T, D].
  const total = start;
  const result = new Float32Array(Hq * total * D);
  let position = 0;
  chunks.forEach((length, c) => {
    for (let h = 0; h < Hq; h++) {
      result.set(outputs[c].subarray(h * length * D, (h + 1) * length * D), (h * total + position) * D);
    }
    position += length;
  });
  return result;
}

function expectReference(actual: Float32Array): void {
  expect(actual.length).toBe(reference.output.data.length);
  let worst = 0;
  for (let i = 0; i < actual.length; i++) worst = Math.max(worst, Math.abs(actual[i] - reference.output.data[i]));
  expect(worst).toBeLessThan(1e-5);
}

describe('sliding-window attention through the cache equals full attention with an explicit window mask', () => {
  const { window, chunks } = reference;

  it('uses chunks longer than the window and decodes past wrap-around', () => {
    expect(Math.max(...chunks)).toBeGreaterThan(window);
    expect(chunks.reduce((a, b) => a + b, 0)).toBeGreaterThan(3 * window);
  });

  it('RotatingKVCache with maxSize = window (mask from the cache alone, as Gemma 3 in mlx-lm)', () => {
    using cache = new RotatingKVCache({ maxSize: window });
    expectReference(attendInChunks(cache, {}));
  });

  it('RotatingKVCache with maxSize = window and an explicit windowSize', () => {
    using cache = new RotatingKVCache({ maxSize: window });
    expectReference(attendInChunks(cache, { windowSize: window }));
  });

  it('RotatingKVCache larger than the window (rolled decode masks)', () => {
    using cache = new RotatingKVCache({ maxSize: window + 3 });
    expectReference(attendInChunks(cache, { windowSize: window }));
  });

  it('StandardKVCache with windowSize', () => {
    using cache = new StandardKVCache();
    expectReference(attendInChunks(cache, { windowSize: window }));
  });

  it('BatchKVCache with windowSize: decode steps past the window return only the window and no mask', () => {
    using cache = new BatchKVCache({ windowSize: window });
    expectReference(attendInChunks(cache, {}));
    // The last chunk is one token with the window full: no mask, exactly `window` keys.
    expect(cache.makeMask(1)).toBeNull();
    mx.tidy(() => {
      const { B, Hkv, D } = reference;
      const fetched = cache.updateAndFetch(mx.zeros([B, Hkv, 1, D]), mx.zeros([B, Hkv, 1, D]));
      expect(fetched.keys.shape[2]).toBe(window);
    });
  });

  it('a mask that ignores the window does not match (the check is sensitive)', () => {
    using cache = new StandardKVCache();
    const actual = attendInChunks(cache, {});
    let worst = 0;
    for (let i = 0; i < actual.length; i++) worst = Math.max(worst, Math.abs(actual[i] - reference.output.data[i]));
    expect(worst).toBeGreaterThan(1e-3);
  });
});

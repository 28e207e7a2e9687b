// A quantized BatchKVCache stores what MLX's affine quantization keeps of each key and value, so
// its fetched keys and values must equal, exactly, those of a plain BatchKVCache given the same
// tensors after mx.quantize → mx.dequantize — through prefills of different lengths, decode
// steps, rows joining and leaving, a sliding window, extraction and snapshots. One row alone
// matches QuantizedKVCache (mlx-lm's layout).
import * as mx from '@mlx-ts/core';
import { describe, expect, it } from 'vitest';
import { BatchKVCache, CacheError, QuantizedKVCache } from '../src/index.js';

const heads = 2;
const dim = 64;

/** Seeded [rows, heads, length, dim] values in [-1, 1). */
function block(seed: number, rows: number, length: number): mx.Array {
  const data = new Float32Array(rows * heads * length * dim);
  let state = seed;
  for (let i = 0; i < data.length; i++) {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
    data[i] = state / 2 ** 31 - 1;
  }
  return mx.array(data, 'float32', [rows, heads, length, dim]);
}

/** Exactly equal (same shape, every element). */
const same = (a: mx.Array, b: mx.Array) => mx.allclose(a, b, { rtol: 0, atol: 0 });

const roundTrip = (x: mx.Array, bits: number, groupSize: number) => {
  const [packed, scales, biases] = mx.quantize(x, { bits, groupSize });
  return mx.dequantize(packed, scales, biases, { bits, groupSize, dtype: x.dtype });
};

/** Feeds the same updates to a quantized cache and to a plain one (given the round-tripped tensors); every fetch must agree. */
class Pair {
  readonly quantized: BatchKVCache;
  readonly plain: BatchKVCache;
  compared = 0;

  constructor(
    readonly bits: number,
    readonly groupSize: number,
    windowSize?: number,
  ) {
    this.quantized = new BatchKVCache({ bits, groupSize, windowSize, step: 8 });
    this.plain = new BatchKVCache({ windowSize, step: 8 });
  }

  update(seed: number, rows: number, length: number, into = this): void {
    mx.tidy(() => {
      const keys = block(seed, rows, length);
      const values = block(seed + 1, rows, length);
      const q = into.quantized.updateAndFetch(keys, values);
      const p = into.plain.updateAndFetch(roundTrip(keys, this.bits, this.groupSize), roundTrip(values, this.bits, this.groupSize));
      expect(q.keys.shape).toEqual(p.keys.shape);
      expect(q.keys.dtype).toBe('float32');
      expect(same(q.keys, p.keys).item()).toBe(true);
      expect(same(q.values, p.values).item()).toBe(true);
      this.compared++;
    });
  }

  /** A one-row pair prefilled alone, to join this one. */
  prefilled(seed: number, length: number): Pair {
    const single = new Pair(this.bits, this.groupSize, this.quantized.windowSize);
    single.update(seed, 1, length);
    return single;
  }

  join(single: Pair): void {
    this.quantized.extend(single.quantized);
    this.plain.extend(single.plain);
    single.dispose();
    expect(this.quantized.positions).toEqual(this.plain.positions);
  }

  dispose(): void {
    this.quantized.dispose();
    this.plain.dispose();
  }
}

describe('BatchKVCache with bits', () => {
  for (const [bits, groupSize, windowSize] of [
    [8, 64, undefined],
    [4, 32, undefined],
    [4, 64, 6],
  ] as const) {
    it(`${bits}-bit, group ${groupSize}${windowSize ? `, window ${windowSize}` : ''}: rows joining, decoding and leaving fetch exactly the round-tripped values`, () => {
      const before = mx.liveArrayCount();
      const pair = new Pair(bits, groupSize, windowSize);
      pair.join(pair.prefilled(10, 9));
      pair.join(pair.prefilled(20, 3));
      for (let step = 0; step < 5; step++) pair.update(100 + step, 2, 1);
      pair.join(pair.prefilled(30, 12));
      for (let step = 0; step < 4; step++) pair.update(200 + step, 3, 1);
      pair.quantized.filter([2, 0]);
      pair.plain.filter([2, 0]);
      for (let step = 0; step < 10; step++) pair.update(300 + step, 2, 1);
      expect(pair.quantized.positions).toEqual([26, 28]);
      expect(pair.compared).toBe(19);
      // The masks are the plain cache's: the stored columns line up the same way.
      mx.tidy(() =>
        expect(same(pair.quantized.makeMask(1, { returnArray: true }) as mx.Array, pair.plain.makeMask(1, { returnArray: true }) as mx.Array).item()).toBe(
          true,
        ),
      );
      pair.dispose();
      expect(mx.liveArrayCount()).toBe(before);
    });
  }

  it('one row matches QuantizedKVCache, update for update', () => {
    const batch = new BatchKVCache({ bits: 4, groupSize: 64 });
    const single = new QuantizedKVCache({ bits: 4, groupSize: 64 });
    for (const [seed, length] of [
      [1, 7],
      [2, 1],
      [3, 1],
      [4, 5],
    ]) {
      mx.tidy(() => {
        const keys = block(seed, 1, length);
        const values = block(seed + 50, 1, length);
        const a = batch.updateAndFetch(keys, values);
        const b = single.updateAndFetch(keys, values);
        expect(same(a.keys, b.keys).item()).toBe(true);
        expect(same(a.values, b.values).item()).toBe(true);
      });
    }
    batch.dispose();
    single.dispose();
  });

  it('holds about a quarter of float16 at 4 bits; extract and snapshots keep the quantized planes', () => {
    const quantized = new BatchKVCache({ bits: 4, groupSize: 64, step: 16 });
    const plain = new BatchKVCache({ step: 16 });
    mx.tidy(() => {
      quantized.updateAndFetch(mx.astype(block(5, 2, 16), 'float16'), mx.astype(block(6, 2, 16), 'float16'));
      plain.updateAndFetch(mx.astype(block(5, 2, 16), 'float16'), mx.astype(block(6, 2, 16), 'float16'));
    });
    // Half a byte per element plus a float16 scale and bias per 64 elements: 0.5625 of float16's 2 bytes.
    expect(quantized.nbytes / plain.nbytes).toBeCloseTo(0.5625 / 2, 6);
    const row = quantized.extract(1);
    expect(row.bits).toBe(4);
    expect(row.positions).toEqual([16]);
    const snapshot = row.snapshot();
    const restored = row.emptyLike();
    restored.restore(snapshot);
    mx.tidy(() => {
      const next = [mx.astype(block(7, 1, 1), 'float16'), mx.astype(block(8, 1, 1), 'float16')] as const;
      const a = row.updateAndFetch(...next);
      const b = restored.updateAndFetch(...next);
      expect(a.keys.dtype).toBe('float16');
      expect(same(a.keys, b.keys).item()).toBe(true);
    });
    expect(() => new BatchKVCache({ step: 16 }).restore(snapshot)).toThrow(CacheError);
    expect(() => quantized.extend(plain)).toThrow(/same windowSize .* and quantization/);
    mx.dispose(snapshot.state);
    for (const cache of [quantized, plain, row, restored]) cache.dispose();
  });

  it('refuses bits MLX cannot pack and head dimensions that are not whole groups, naming the fix', () => {
    expect(() => new BatchKVCache({ bits: 7 })).toThrow(/bits must be one of 2, 3, 4, 5, 6, 8/);
    expect(() => new BatchKVCache({ bits: 4, groupSize: 48 })).toThrow(/groupSize must be one of/);
    const cache = new BatchKVCache({ bits: 4, groupSize: 64 });
    expect(() => mx.tidy(() => cache.updateAndFetch(mx.zeros([1, 1, 2, 32]), mx.zeros([1, 1, 2, 32])))).toThrow(
      /multiple of groupSize 64 .* smaller groupSize/,
    );
    cache.dispose();
  });
});

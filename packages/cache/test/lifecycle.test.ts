// Growth, trim, reset, snapshot/restore, ownership across mx.tidy, and typed errors.
import * as mx from '@mlx-ts/core';
import { describe, expect, it } from 'vitest';
import { CacheError, canTrimPromptCache, disposeSnapshot, QuantizedKVCache, RotatingKVCache, StandardKVCache, trimPromptCache } from '../src/index.js';
import { inputBlock } from './reference.js';
import { makeCache, replay, scenarios } from './scenarios.js';

function feed(cache: { updateAndFetch: StandardKVCache['updateAndFetch'] }, length: number, step = 0, D = 4): void {
  mx.tidy(() => {
    const keys = inputBlock('keys', 0, length, step, 1, 2, D);
    cache.updateAndFetch(keys, keys);
  });
}

describe('StandardKVCache growth in steps of 256', () => {
  it('preallocates 256 positions and grows by 256 when full', () => {
    using cache = new StandardKVCache();
    expect(cache.capacity).toBe(0);
    feed(cache, 1);
    expect(cache.capacity).toBe(256);
    for (let i = 1; i < 256; i++) feed(cache, 1);
    expect([cache.offset, cache.capacity]).toEqual([256, 256]);
    feed(cache, 1);
    expect([cache.offset, cache.capacity]).toEqual([257, 512]);
  });

  it('rounds a long chunk up to whole steps', () => {
    using cache = new StandardKVCache();
    feed(cache, 600);
    expect(cache.capacity).toBe(768);
    expect(cache.nbytes).toBe(2 * 768 * 2 * 4 * 4);
  });
});

describe('trim and reset', () => {
  it('trim never goes below zero and reset empties the cache', () => {
    using cache = new StandardKVCache();
    feed(cache, 10);
    expect(cache.trim(4)).toBe(4);
    expect(cache.offset).toBe(6);
    expect(cache.trim(100)).toBe(6);
    expect(cache.offset).toBe(0);
    feed(cache, 3);
    cache.reset();
    expect([cache.offset, cache.capacity, cache.state.length]).toEqual([0, 0, 0]);
    feed(cache, 2);
    expect(cache.offset).toBe(2);
  });

  it('a rotating cache can be trimmed only while it holds less than its window', () => {
    using cache = new RotatingKVCache({ maxSize: 4 });
    feed(cache, 3);
    expect(cache.canTrim()).toBe(true);
    expect(cache.trim(1)).toBe(1);
    feed(cache, 3);
    expect(cache.canTrim()).toBe(false);
    expect(() => cache.trim(1)).toThrow(CacheError);
    expect(cache.trim(0)).toBe(0);
  });

  it('trimPromptCache trims all layers only when every layer can be trimmed', () => {
    using standard = new StandardKVCache();
    using rotating = new RotatingKVCache({ maxSize: 4 });
    feed(standard, 5);
    feed(rotating, 5);
    expect(canTrimPromptCache([standard, rotating])).toBe(false);
    expect(trimPromptCache([standard, rotating], 2)).toBe(0);
    expect(standard.offset).toBe(5);
    expect(trimPromptCache([standard], 2)).toBe(2);
    expect(standard.offset).toBe(3);
  });
});

describe('snapshot and restore', () => {
  // Snapshot mid-way, run on (checked against mlx-lm), restore, run the same steps again: the
  // restored cache must reproduce mlx-lm's records, so the later in-place updates did not leak
  // into the snapshot.
  for (const name of ['rotating: window 8, chunk longer than the window, decode past wrap-around', 'standard: batch of two', 'quantized: 4 bits, group 32']) {
    it(name, () => {
      const scenario = scenarios.find((s) => s.name === name)!;
      const middle = Math.floor(scenario.steps.length / 2);
      using cache = makeCache(scenario.cache);
      replay(scenario, cache, 0, middle);
      const snapshot = mx.keep(cache.snapshot());
      replay(scenario, cache, middle);
      cache.restore(snapshot);
      disposeSnapshot(snapshot);
      replay(scenario, cache, middle);
      using fresh = makeCache(scenario.cache);
      replay(scenario, fresh, 0, 1);
      const copy = cache.snapshot();
      fresh.restore(copy);
      disposeSnapshot(copy);
      expect(fresh.offset).toBe(cache.offset);
    });
  }

  it('rejects a snapshot of another class', () => {
    using standard = new StandardKVCache();
    using rotating = new RotatingKVCache({ maxSize: 4 });
    const snapshot = standard.snapshot();
    expect(() => rotating.restore(snapshot)).toThrow(/expected a snapshot of a RotatingKVCache/);
  });
});

describe('memory', () => {
  it("buffers survive the caller's tidy; the arrays handed out do not leak", () => {
    using cache = new StandardKVCache();
    feed(cache, 4);
    const before = mx.liveArrayCount();
    for (let i = 0; i < 20; i++) {
      mx.tidy(() => {
        const keys = inputBlock('keys', 0, 1, i, 1, 2, 4);
        const fetched = cache.updateAndFetch(keys, keys);
        mx.eval(fetched.keys, fetched.values);
      });
    }
    expect(mx.liveArrayCount()).toBe(before);
    expect(cache.offset).toBe(24);
    expect(cache.state.every((a) => !a.disposed)).toBe(true);
  });

  it('dispose frees the buffers and later use is a typed error', () => {
    const before = mx.liveArrayCount();
    const caches = [new StandardKVCache(), new RotatingKVCache({ maxSize: 3 }), new QuantizedKVCache({ bits: 4, groupSize: 32 })];
    for (const cache of caches) feed(cache, 5, 0, 32);
    expect(mx.liveArrayCount()).toBeGreaterThan(before);
    for (const cache of caches) {
      cache.dispose();
      cache.dispose();
    }
    expect(mx.liveArrayCount()).toBe(before);
    expect(() => feed(caches[0], 1)).toThrow(/was disposed/);
  });
});

describe('typed errors for bad input', () => {
  it('names the fix', () => {
    using cache = new StandardKVCache();
    const bad = mx.zeros([2, 4]);
    try {
      cache.updateAndFetch(bad, bad);
      expect.unreachable();
    } catch (error) {
      expect(CacheError.isInstance(error)).toBe(true);
      expect((error as Error).message).toMatch(/\[batch, kvHeads, length, headDim\]/);
    } finally {
      bad.dispose();
    }
    feed(cache, 2);
    mx.tidy(() => {
      const other = mx.zeros([1, 3, 1, 4]);
      expect(() => cache.updateAndFetch(other, other)).toThrow(/reset\(\)/);
      const half = mx.zeros([1, 2, 1, 4], 'float16');
      expect(() => cache.updateAndFetch(half, half)).toThrow(/astype/);
    });
    expect(() => cache.makeMask(0)).toThrow(CacheError);
    expect(() => cache.trim(-1)).toThrow(CacheError);
    expect(() => new RotatingKVCache({ maxSize: 0 })).toThrow(CacheError);
    expect(() => new RotatingKVCache({ maxSize: 4, keep: 4 })).toThrow(CacheError);
    expect(() => new QuantizedKVCache({ bits: 7 })).toThrow(/bits must be one of/);
    using quantized = new QuantizedKVCache({ groupSize: 64 });
    expect(() => feed(quantized, 1, 0, 32)).toThrow(/multiple of groupSize 64/);
  });
});

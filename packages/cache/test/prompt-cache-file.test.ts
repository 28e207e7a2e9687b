// Prompt-cache files: reading mlx-lm's save_prompt_cache output, writing the same layout, and
// round-tripping our own caches exactly.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as mx from '@mlx-ts/core';
import { afterAll, describe, expect, it } from 'vitest';
import {
  CacheError,
  type CacheSnapshot,
  type CacheStateValue,
  disposePromptCache,
  type KVCache,
  loadPromptCache,
  QuantizedKVCache,
  registerCacheClass,
  RotatingKVCache,
  savePromptCache,
  StandardKVCache,
} from '../src/index.js';
import { expectTensor, fixturePath, inputBlock, readFixture, type TensorRecord } from './reference.js';

interface CacheRecord {
  className: string;
  offset: number;
  keys?: TensorRecord;
  values?: TensorRecord;
  capacity?: number;
  maxSize?: number;
  keep?: number;
  idx?: number;
}

interface FileFixture {
  file: string;
  metadata: Record<string, string>;
  fileMetadata: Record<string, string>;
  tensors: Record<string, { shape: number[]; dtype: string }>;
  caches: CacheRecord[];
}

const reference = readFixture<FileFixture>('prompt-cache-file.json');
const directory = mkdtempSync(join(tmpdir(), 'mlx-ts-cache-'));
afterAll(() => rmSync(directory, { recursive: true, force: true }));

/** mlx-lm's keys_and_values() from a snapshot: the buffer up to offset, dequantized when quantized. */
function keysAndValues(snapshot: CacheSnapshot): [mx.Array, mx.Array] {
  const [keys, values, offset] = snapshot.state as [CacheStateValue, CacheStateValue, number];
  const upTo = (a: mx.Array) => (offset < a.shape[2] ? mx.slice(a, [0, 0, 0, 0], [a.shape[0], a.shape[1], offset, a.shape[3]]) : a);
  if (snapshot.className === 'QuantizedKVCache') {
    const [, , , groupSize, bits] = snapshot.state as number[];
    const deq = (t: mx.Array[]) => mx.dequantize(upTo(t[0]), upTo(t[1]), upTo(t[2]), { groupSize, bits });
    return [deq(keys as mx.Array[]), deq(values as mx.Array[])];
  }
  return [upTo(keys as mx.Array), upTo(values as mx.Array)];
}

/** The generator's sequence (fixtures-gen/generate.py prompt_cache_file) on our caches. */
function buildReferenceCaches(): KVCache[] {
  const caches: KVCache[] = [
    new StandardKVCache(),
    new RotatingKVCache({ maxSize: 8, keep: 2 }),
    new QuantizedKVCache({ groupSize: 32, bits: 4 }),
    new StandardKVCache(),
  ];
  mx.tidy(() => {
    [5, 11, 6].forEach((length, index) => {
      caches[index].updateAndFetch(inputBlock('keys', 0, length, index, 1, 2, 32), inputBlock('values', 0, length, index, 1, 2, 32));
    });
    const keys = inputBlock('keys', 11, 1, 9, 1, 2, 32);
    caches[1].updateAndFetch(keys, keys);
  });
  return caches;
}

function expectMatchesRecords(caches: KVCache[]): void {
  expect(caches.length).toBe(reference.caches.length);
  caches.forEach((cache, layer) => {
    const record = reference.caches[layer];
    mx.tidy(() => {
      const snapshot = cache.snapshot();
      expect(snapshot.className).toBe(record.className);
      expect(cache.offset).toBe(record.offset);
      if (record.keys) {
        const [keys, values] = keysAndValues(snapshot);
        expectTensor(keys, record.keys, `layer ${layer} keys`);
        expectTensor(values, record.values!, `layer ${layer} values`);
        expect((cache as StandardKVCache).capacity).toBe(record.capacity);
      } else {
        expect(cache.state).toEqual([]);
      }
      if (record.className === 'RotatingKVCache') {
        expect(snapshot.state.slice(3)).toEqual([record.keep, record.maxSize, record.idx]);
      }
    });
  });
}

describe('prompt-cache files', () => {
  it('loads a file written by mlx_lm.save_prompt_cache', () => {
    const { caches, metadata } = loadPromptCache(fixturePath(reference.file));
    try {
      expect(metadata).toEqual(reference.metadata);
      expect(caches.map((c) => c.constructor.name)).toEqual(['StandardKVCache', 'RotatingKVCache', 'QuantizedKVCache', 'StandardKVCache']);
      expectMatchesRecords(caches);
      // The loaded caches keep working.
      mx.tidy(() => {
        const x = inputBlock('keys', 0, 1, 0, 1, 2, 32);
        for (const cache of caches) expect(cache.updateAndFetch(x, x).keys.shape[2]).toBeGreaterThan(0);
      });
    } finally {
      disposePromptCache(caches);
    }
  });

  it('writes the same layout as mlx-lm (tensor names, shapes, dtypes, metadata, contents)', () => {
    const caches = buildReferenceCaches();
    const path = join(directory, 'ours.safetensors');
    savePromptCache(path, caches, { metadata: reference.metadata });
    disposePromptCache(caches);
    const ours = mx.io.loadSafetensors(path);
    const theirs = mx.io.loadSafetensors(fixturePath(reference.file));
    try {
      expect(ours.metadata).toEqual(reference.fileMetadata);
      const layout = Object.fromEntries(Object.entries(ours.arrays).map(([k, a]) => [k, { shape: a.shape, dtype: a.dtype }]));
      expect(layout).toEqual(reference.tensors);
      for (const [name, array] of Object.entries(theirs.arrays)) {
        expect(Array.from(ours.arrays[name].toTypedArray() as ArrayLike<number>), name).toEqual(Array.from(array.toTypedArray() as ArrayLike<number>));
      }
    } finally {
      mx.dispose(ours.arrays, theirs.arrays);
    }
  });

  it('round-trips our caches exactly', () => {
    const caches = buildReferenceCaches();
    const path = join(directory, 'round-trip.safetensors');
    savePromptCache(path, caches, { metadata: { model: 'm', tokens: '[1,2,3]' } });
    const loaded = loadPromptCache(path);
    try {
      expect(loaded.metadata).toEqual({ model: 'm', tokens: '[1,2,3]' });
      expectMatchesRecords(loaded.caches);
      loaded.caches.forEach((cache, layer) =>
        mx.tidy(() => {
          const a = cache.snapshot().state.flat();
          const b = caches[layer].snapshot().state.flat();
          expect(a.map((v) => (v instanceof mx.Array ? Array.from(v.toTypedArray() as ArrayLike<number>) : v))).toEqual(
            b.map((v) => (v instanceof mx.Array ? Array.from(v.toTypedArray() as ArrayLike<number>) : v)),
          );
        }),
      );
    } finally {
      disposePromptCache(caches);
      disposePromptCache(loaded.caches);
    }
  });

  it('rebuilds a registered custom cache class', () => {
    class LoggingCache extends StandardKVCache {
      override snapshot(): CacheSnapshot {
        return { ...super.snapshot(), className: 'LoggingCache' };
      }
      override restore(snapshot: CacheSnapshot): void {
        super.restore({ ...snapshot, className: StandardKVCache.className });
      }
    }
    registerCacheClass('LoggingCache', (snapshot) => {
      const cache = new LoggingCache();
      cache.restore(snapshot);
      return cache;
    });
    using cache = new LoggingCache();
    mx.tidy(() => cache.updateAndFetch(inputBlock('keys', 0, 3, 0, 1, 1, 4), inputBlock('values', 0, 3, 0, 1, 1, 4)));
    const path = join(directory, 'custom.safetensors');
    savePromptCache(path, [cache]);
    const { caches } = loadPromptCache(path);
    expect(caches[0]).toBeInstanceOf(LoggingCache);
    expect(caches[0].offset).toBe(3);
    disposePromptCache(caches);
  });

  it('reports unreadable files and unknown classes as CacheError', () => {
    expect(() => loadPromptCache(join(directory, 'missing.safetensors'))).toThrow(CacheError);
    const plain = join(directory, 'plain.safetensors');
    mx.tidy(() => mx.io.saveSafetensors(plain, { weight: mx.zeros([2]) }));
    expect(() => loadPromptCache(plain)).toThrow(/no cache class names/);
    const unknown = join(directory, 'unknown.safetensors');
    mx.tidy(() => mx.io.saveSafetensors(unknown, { '0.0': mx.zeros([2]) }, { '1.0': 'MambaCache', '2.0': '' }));
    expect(() => loadPromptCache(unknown)).toThrow(/registerCacheClass/);
    expect(() => savePromptCache(join(directory, 'x.safetensors'), [], { metadata: { n: 1 as unknown as string } })).toThrow(CacheError);
  });
});

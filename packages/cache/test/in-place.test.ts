// Decode steps write into the preallocated buffer in place: MLX reuses the old buffer when the
// cache holds no other reference to it, so memory does not grow by a buffer copy per step.
import * as mx from '@mlx-ts/core';
import { describe, expect, it } from 'vitest';
import { RotatingKVCache, StandardKVCache } from '../src/index.js';

const [B, H, D] = [1, 8, 128];
const PREFILL = 4000;
const BUFFER_BYTES = B * H * 4096 * D * 4; // one of keys/values at capacity 4096, float32

function peakGrowthOverDecode(cache: StandardKVCache | RotatingKVCache): number {
  mx.tidy(() => {
    const x = mx.ones([B, H, PREFILL, D]);
    const fetched = cache.updateAndFetch(x, x);
    mx.eval(fetched.keys, fetched.values, ...cache.state);
  });
  mx.memory.clearCache();
  const active = mx.memory.getActiveMemory();
  mx.memory.resetPeakMemory();
  for (let i = 0; i < 8; i++) {
    mx.tidy(() => {
      const x = mx.full([B, H, 1, D], i);
      const fetched = cache.updateAndFetch(x, x);
      mx.eval(mx.sum(fetched.keys), mx.sum(fetched.values));
    });
  }
  return mx.memory.getPeakMemory() - active;
}

describe('in-place updates', () => {
  it('StandardKVCache: decode steps do not copy the 16 MB buffers', () => {
    using cache = new StandardKVCache();
    expect(cache.capacity).toBe(0);
    const growth = peakGrowthOverDecode(cache);
    expect(cache.capacity).toBe(4096);
    expect(growth).toBeLessThan(BUFFER_BYTES / 4);
  });

  it('RotatingKVCache: ring writes after wrap-around do not copy the buffers', () => {
    using cache = new RotatingKVCache({ maxSize: 2048 });
    // The first decode step after a long prefill trims the buffer once (a copy), later ones write in place.
    peakGrowthOverDecode(cache);
    mx.memory.clearCache();
    const active = mx.memory.getActiveMemory();
    mx.memory.resetPeakMemory();
    for (let i = 0; i < 8; i++) {
      mx.tidy(() => {
        const x = mx.full([B, H, 1, D], i);
        const fetched = cache.updateAndFetch(x, x);
        mx.eval(mx.sum(fetched.keys));
      });
    }
    expect(cache.offset).toBeGreaterThan(cache.maxSize);
    expect(cache.capacity).toBe(2048);
    expect(mx.memory.getPeakMemory() - active).toBeLessThan(BUFFER_BYTES / 2 / 4);
  });
});

// Cache classes by mlx-lm class name, so a prompt-cache file can name how to rebuild each layer.
import { CacheError } from './errors.js';
import type { CacheSnapshot, KVCache } from './kv-cache.js';
import { QuantizedKVCache } from './quantized-kv-cache.js';
import { RotatingKVCache } from './rotating-kv-cache.js';
import { StandardKVCache } from './standard-kv-cache.js';

export type CacheFactory = (snapshot: CacheSnapshot) => KVCache;

const factories = new Map<string, CacheFactory>([
  [StandardKVCache.className, (s) => StandardKVCache.fromSnapshot(s)],
  [RotatingKVCache.className, (s) => RotatingKVCache.fromSnapshot(s)],
  [QuantizedKVCache.className, (s) => QuantizedKVCache.fromSnapshot(s)],
]);

/** Lets `loadPromptCache` rebuild a custom cache whose `snapshot()` reports `className`. */
export function registerCacheClass(className: string, factory: CacheFactory): void {
  if (typeof className !== 'string' || className === '') throw new CacheError('registerCacheClass: className must be a non-empty string');
  if (typeof factory !== 'function') throw new CacheError('registerCacheClass: factory must be a function (snapshot) => KVCache');
  factories.set(className, factory);
}

/** Rebuilds a cache from a snapshot of any registered class. */
export function cacheFromSnapshot(snapshot: CacheSnapshot): KVCache {
  const factory = factories.get(snapshot.className);
  if (!factory) {
    throw new CacheError(
      `no cache class named ${JSON.stringify(snapshot.className)} is registered (known: ${[...factories.keys()].join(', ')}); call registerCacheClass() first`,
    );
  }
  return factory(snapshot);
}

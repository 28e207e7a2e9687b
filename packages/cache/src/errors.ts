// Typed errors of @mlx-ts/cache. The Symbol.for marker lets `isInstance` work across duplicate
// copies of this package in one process.

const cacheErrorMarker = Symbol.for('mlx-ts.CacheError');

/** Bad input to a KV cache or a prompt-cache file that cannot be read. The message names the fix. */
export class CacheError extends Error {
  readonly [cacheErrorMarker] = true;
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'CacheError';
  }
  static isInstance(error: unknown): error is CacheError {
    return typeof error === 'object' && error !== null && cacheErrorMarker in error;
  }
}

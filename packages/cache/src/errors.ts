// Typed errors of @mlx-ts/cache, in the MlxTsError family: the Symbol.for marker lets
// `isInstance` work across duplicate copies of this package and across worker threads.
import { MlxTsError, errorMarker, hasMarker } from '@mlx-ts/spec';

const cacheErrorMarker = errorMarker('CacheError');

/** Bad input to a KV cache or a prompt-cache file that cannot be read. The message names the fix. */
export class CacheError extends MlxTsError {
  readonly [cacheErrorMarker] = true;
  constructor(message: string, options?: ErrorOptions) {
    super(message, { code: 'cache_error', cause: options?.cause });
    this.name = 'CacheError';
  }
  static override isInstance(error: unknown): error is CacheError {
    return hasMarker(error, cacheErrorMarker);
  }
}

// The KV cache specification: what an attention layer needs from a cache. The built-in caches
// implement it; a user passes any object that does, no subclassing needed.
import type { Array as MxArray } from '@mlx-ts/core';

/** What `mx.fast.scaledDotProductAttention` takes: 'causal', a boolean mask (true attends), or null (nothing to mask). */
export type AttentionMask = 'causal' | MxArray | null;

export interface MaskOptions {
  /**
   * Sliding window: each query attends to at most this many most recent keys, itself included
   * (key j is visible from query i when i - windowSize < j <= i, as HF Gemma 3 and mlx-lm define it).
   */
  windowSize?: number;
  /** Return a boolean array even where 'causal' would do (for attention code that cannot take the string). */
  returnArray?: boolean;
}

/** A value in a cache's saved state: mlx-lm's `cache.state` tree with scalars kept as JS values. */
export type CacheStateValue = MxArray | number | string | null | readonly CacheStateValue[];

/**
 * A cache's state, enough to rebuild it: `className` is mlx-lm's class name ('KVCache',
 * 'RotatingKVCache', 'QuantizedKVCache') and `state` mirrors mlx-lm's `cache.state`, so prompt-cache
 * files interoperate. The arrays share data with the cache (no copy) and follow the usual scope
 * rules: they belong to the caller, who disposes them (`disposeSnapshot`) or keeps them (`mx.keep`).
 * The cache's later in-place updates never change a snapshot.
 */
export interface CacheSnapshot {
  readonly className: string;
  readonly state: readonly CacheStateValue[];
}

/**
 * A per-layer KV cache. Keys and values are [B, H, L, D] (batch, kv heads, sequence, head dim).
 *
 * Per layer and step: `mask = cache.makeMask(L, { windowSize })` (before the update, it depends on
 * the offset), then `{ keys, values } = cache.updateAndFetch(k, v)`, then attention.
 */
export interface KVCache extends Disposable {
  /** Tokens seen so far (positions written, minus what was trimmed). For a batched cache: the longest row's. */
  readonly offset: number;
  /**
   * Batched caches only: each row's position of its next token, int32 [B] (owned by the cache).
   * Models pass it to RoPE as the offset (`rowOffsets ?? offset`), so rows at different positions
   * share one forward pass; the masks that `makeMask` returns then are per row, [B, 1, L, K].
   */
  readonly rowOffsets?: MxArray;
  /** Largest number of positions kept (rotating caches); undefined when unbounded. */
  readonly maxSize?: number;
  /**
   * Stores the new keys/values and returns the keys/values to attend over. The returned arrays
   * belong to the caller's scope; the cache's own buffers never do.
   */
  updateAndFetch(keys: MxArray, values: MxArray): { keys: MxArray; values: MxArray };
  /** The mask for `queryLength` new queries, given the current offset (call before `updateAndFetch`). */
  makeMask(queryLength: number, options?: MaskOptions): AttentionMask;
  /** The cache's buffers (owned by the cache: evaluate them, never dispose them). */
  readonly state: readonly MxArray[];
  /** Whether `trim` can rewind this cache now. */
  canTrim(): boolean;
  /** Drops the last `n` tokens (at most `offset`); returns how many were dropped. */
  trim(n: number): number;
  snapshot(): CacheSnapshot;
  restore(snapshot: CacheSnapshot): void;
  /** Empties the cache and frees its buffers; it can be used again. */
  reset(): void;
  /** Frees the buffers; the cache cannot be used afterwards. Idempotent. */
  dispose(): void;
}

/** A list of per-layer caches, one per attention layer. */
export type PromptCache = readonly KVCache[];

// Sliding-window cache: keeps the last `maxSize` positions (plus `keep` first ones, e.g. attention
// sinks) in a ring buffer. Mirrors mlx-lm's RotatingKVCache exactly:
// - single-token updates write in place at the ring index (growing in steps of 256 up to maxSize);
// - multi-token updates put the buffer in temporal order and append, keeping maxSize - 1 old
//   positions so that every new query still sees a full window; the fetched keys are then longer
//   than the window and `makeMask` returns the sliding-window mask that goes with them.
import * as mx from '@mlx-ts/core';
import {
  checkCompatible,
  checkKeysValues,
  checkQueryLength,
  checkTrimCount,
  checkWindowSize,
  ownShared,
  replaceBuffer,
  shareArray,
  sliceSequence,
  snapshotState,
  stateArray,
  stateInteger,
  writeSequence,
} from './buffers.js';
import { createCausalMask } from './causal-mask.js';
import { BaseKVCache } from './base-kv-cache.js';
import { CacheError } from './errors.js';
import type { AttentionMask, CacheSnapshot, KVCache, MaskOptions } from './kv-cache.js';

const NAME = 'RotatingKVCache';
const STEP = 256;

export interface RotatingKVCacheOptions {
  /** Positions kept (the sliding window, e.g. Gemma 3's sliding_window). */
  maxSize: number;
  /** First positions never evicted (default 0). */
  keep?: number;
}

export class RotatingKVCache extends BaseKVCache implements KVCache {
  protected readonly cacheName = NAME;
  static readonly className = 'RotatingKVCache';
  #maxSize: number;
  #keep: number;
  #keys: mx.Array | undefined;
  #values: mx.Array | undefined;
  #offset = 0;
  /** Next write position in the ring (mlx-lm's `_idx`). */
  #index = 0;

  constructor(options: RotatingKVCacheOptions) {
    super();
    const { maxSize, keep = 0 } = options ?? ({} as RotatingKVCacheOptions);
    if (!Number.isInteger(maxSize) || maxSize < 1) throw new CacheError(`${NAME}: maxSize must be a positive integer (the window length), got ${maxSize}`);
    if (!Number.isInteger(keep) || keep < 0 || keep >= maxSize) throw new CacheError(`${NAME}: keep must be an integer in [0, maxSize), got ${keep}`);
    this.#maxSize = maxSize;
    this.#keep = keep;
  }

  static fromSnapshot(snapshot: CacheSnapshot): RotatingKVCache {
    const [, , , keep, maxSize] = snapshotState(NAME, RotatingKVCache.className, snapshot, 6);
    const cache = new RotatingKVCache({ maxSize: stateInteger(NAME, maxSize, 'maxSize'), keep: stateInteger(NAME, keep, 'keep') });
    cache.restore(snapshot);
    return cache;
  }

  get offset(): number {
    return this.#offset;
  }

  get maxSize(): number {
    return this.#maxSize;
  }

  get keep(): number {
    return this.#keep;
  }

  /** Positions held by the buffers (can exceed maxSize right after a multi-token update). */
  get capacity(): number {
    return this.#keys ? this.#keys.shape[2] : 0;
  }

  /** Positions a query can see from the cache: min(offset, maxSize). */
  get size(): number {
    return Math.min(this.#offset, this.#maxSize);
  }

  get nbytes(): number {
    return (this.#keys?.nbytes ?? 0) + (this.#values?.nbytes ?? 0);
  }

  get state(): readonly mx.Array[] {
    return this.#keys && this.#values ? [this.#keys, this.#values] : [];
  }

  updateAndFetch(keys: mx.Array, values: mx.Array): { keys: mx.Array; values: mx.Array } {
    this.assertUsable();
    checkKeysValues(NAME, keys, values);
    if (this.#keys && this.#values) {
      checkCompatible(NAME, this.#keys, keys, 'keys');
      checkCompatible(NAME, this.#values, values, 'values');
    }
    return keys.shape[2] === 1 ? this.#updateInPlace(keys, values) : this.#updateConcat(keys, values);
  }

  /** Drops `trimSize` positions after the kept ones, then appends `append`. */
  #trimBuffer(trimSize: number, buffer: mx.Array, append?: mx.Array): mx.Array {
    const parts = trimSize > 0 ? [sliceSequence(buffer, 0, this.#keep), sliceSequence(buffer, trimSize + this.#keep, buffer.shape[2])] : [buffer];
    if (append) parts.push(append);
    return mx.concatenate(parts, 2);
  }

  /** The buffer in temporal order, without its unused tail. */
  #temporalOrder(buffer: mx.Array): mx.Array {
    const length = buffer.shape[2];
    if (this.#index === length) return buffer;
    if (this.#index < this.#offset) {
      return mx.concatenate(
        [sliceSequence(buffer, 0, this.#keep), sliceSequence(buffer, this.#index, length), sliceSequence(buffer, this.#keep, this.#index)],
        2,
      );
    }
    return sliceSequence(buffer, 0, this.#index);
  }

  #updateConcat(keys: mx.Array, values: mx.Array): { keys: mx.Array; values: mx.Array } {
    const next = mx.tidy(() => {
      if (!this.#keys || !this.#values) return { keys: shareArray(keys), values: shareArray(values) };
      const orderedKeys = this.#temporalOrder(this.#keys);
      const orderedValues = this.#temporalOrder(this.#values);
      // Keep maxSize - 1 old positions: the first new query then still sees a full window.
      const trimSize = orderedKeys.shape[2] - this.#maxSize + 1;
      return { keys: this.#trimBuffer(trimSize, orderedKeys, keys), values: this.#trimBuffer(trimSize, orderedValues, values) };
    });
    this.#keys = replaceBuffer(this.#keys, next.keys);
    this.#values = replaceBuffer(this.#values, next.values);
    this.#offset += keys.shape[2];
    this.#index = this.#keys.shape[2];
    return { keys: shareArray(this.#keys), values: shareArray(this.#values) };
  }

  #updateInPlace(keys: mx.Array, values: mx.Array): { keys: mx.Array; values: mx.Array } {
    const previous = this.#offset;
    const next = mx.tidy(() => {
      let bufferKeys = this.#keys;
      let bufferValues = this.#values;
      let index = this.#index;
      if (!bufferKeys || !bufferValues || (previous >= bufferKeys.shape[2] && bufferKeys.shape[2] < this.#maxSize)) {
        const [b, h] = keys.shape;
        const grow = Math.min(STEP, this.#maxSize - previous);
        if (grow < 1)
          throw new CacheError(
            `${NAME}.updateAndFetch: inconsistent state (offset ${previous} with ${bufferKeys?.shape[2] ?? 0} buffered positions); reset() the cache`,
          );
        const newKeys = mx.zeros([b, h, grow, keys.shape[3]], keys.dtype);
        const newValues = mx.zeros([b, h, grow, values.shape[3]], values.dtype);
        if (bufferKeys && bufferValues) {
          bufferKeys = mx.concatenate([bufferKeys, newKeys], 2);
          bufferValues = mx.concatenate([bufferValues, newValues], 2);
        } else {
          bufferKeys = newKeys;
          bufferValues = newValues;
        }
        index = previous;
      }
      // A multi-token update left the buffer longer than the window: drop the oldest positions.
      const trimSize = bufferKeys.shape[2] - this.#maxSize;
      if (trimSize > 0) {
        bufferKeys = this.#trimBuffer(trimSize, bufferKeys);
        bufferValues = this.#trimBuffer(trimSize, bufferValues);
        index = this.#maxSize;
      }
      if (index === this.#maxSize) index = this.#keep;
      return { keys: writeSequence(bufferKeys, keys, index), values: writeSequence(bufferValues, values, index), index };
    });
    this.#keys = replaceBuffer(this.#keys, next.keys);
    this.#values = replaceBuffer(this.#values, next.values);
    this.#offset = previous + 1;
    this.#index = next.index + 1;
    if (this.#offset < this.#keys.shape[2]) {
      return { keys: sliceSequence(this.#keys, 0, this.#offset), values: sliceSequence(this.#values, 0, this.#offset) };
    }
    return { keys: shareArray(this.#keys), values: shareArray(this.#values) };
  }

  /**
   * mlx-lm's RotatingKVCache.make_mask. Prefill (queryLength > 1): the causal mask over the keys
   * that `updateAndFetch` will return, limited to `windowSize` (default maxSize). Decode: null
   * unless the window is shorter than maxSize, then a [size] mask rolled to the ring's order.
   */
  makeMask(queryLength: number, options: MaskOptions = {}): AttentionMask {
    checkQueryLength(NAME, queryLength);
    checkWindowSize(NAME, options.windowSize);
    const { returnArray = false } = options;
    if (queryLength > 1) {
      const windowSize = options.windowSize ?? this.#maxSize;
      const offset = Math.min(this.#maxSize - 1, this.#offset);
      if (offset + queryLength > windowSize || returnArray) return createCausalMask(queryLength, offset, windowSize);
      return 'causal';
    }
    const windowSize = options.windowSize;
    if (windowSize === undefined) return null;
    if (this.#offset >= windowSize && this.#maxSize > windowSize) {
      const index = this.#index >= this.#maxSize ? 0 : this.#index;
      const size = this.#offset < this.#maxSize ? this.#offset + 1 : this.#maxSize;
      // mx.roll(arange(size) >= size - window, index + 1): element j holds the unrolled element (j - index - 1) mod size.
      const shift = (index + 1) % size;
      return mx.tidy(() => mx.greaterEqual(mx.remainder(mx.add(mx.arange(size), size - shift), size), size - windowSize));
    }
    return null;
  }

  canTrim(): boolean {
    return this.#offset < this.#maxSize;
  }

  trim(n: number): number {
    checkTrimCount(NAME, n);
    if (!this.canTrim() && n > 0) {
      throw new CacheError(
        `${NAME}.trim: the window already evicted positions (offset ${this.#offset} >= maxSize ${this.#maxSize}), so it cannot be rewound; restore a snapshot or re-prefill instead`,
      );
    }
    const trimmed = Math.min(this.#offset, n);
    this.#offset -= trimmed;
    this.#index -= trimmed;
    return trimmed;
  }

  snapshot(): CacheSnapshot {
    this.assertUsable();
    return {
      className: RotatingKVCache.className,
      state: [this.#keys ? shareArray(this.#keys) : null, this.#values ? shareArray(this.#values) : null, this.#offset, this.#keep, this.#maxSize, this.#index],
    };
  }

  restore(snapshot: CacheSnapshot): void {
    this.assertUsable();
    const [keysValue, valuesValue, offsetValue, keepValue, maxSizeValue, indexValue] = snapshotState(NAME, RotatingKVCache.className, snapshot, 6);
    const keys = stateArray(NAME, keysValue, 'keys');
    const values = stateArray(NAME, valuesValue, 'values');
    const offset = stateInteger(NAME, offsetValue, 'offset');
    const keep = stateInteger(NAME, keepValue, 'keep');
    const maxSize = stateInteger(NAME, maxSizeValue, 'maxSize');
    const index = stateInteger(NAME, indexValue, 'index');
    if ((keys === null) !== (values === null)) throw new CacheError(`${NAME}.restore: keys and values must both be arrays or both be null`);
    if (maxSize < 1 || keep >= maxSize) throw new CacheError(`${NAME}.restore: needs 0 <= keep < maxSize, got keep ${keep} and maxSize ${maxSize}`);
    if (keys && values && (index > keys.shape[2] || values.shape[2] !== keys.shape[2])) {
      throw new CacheError(`${NAME}.restore: ring index ${index} exceeds the buffers' ${keys.shape[2]} positions, or keys and values differ in length`);
    }
    this.#release();
    this.#keys = keys ? ownShared(keys) : undefined;
    this.#values = values ? ownShared(values) : undefined;
    this.#offset = offset;
    this.#keep = keep;
    this.#maxSize = maxSize;
    this.#index = index;
  }

  protected clearPositions(): void {
    this.#offset = 0;
    this.#index = 0;
  }

  protected releaseBuffers(): void {
    this.#release();
  }

  #release(): void {
    this.#keys?.dispose();
    this.#values?.dispose();
    this.#keys = undefined;
    this.#values = undefined;
  }
}

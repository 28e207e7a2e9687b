// The default cache: one preallocated buffer per keys/values, grown in steps of 256 positions and
// written in place. Mirrors mlx-lm's KVCache (same growth, same state, same class name in files).
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
import { createAttentionMask } from './causal-mask.js';
import { BaseKVCache } from './base-kv-cache.js';
import { CacheError } from './errors.js';
import type { AttentionMask, CacheSnapshot, KVCache, MaskOptions } from './kv-cache.js';

const NAME = 'StandardKVCache';

export interface StandardKVCacheOptions {
  /** Positions added per growth (default 256, as mlx-lm). */
  step?: number;
}

export class StandardKVCache extends BaseKVCache implements KVCache {
  protected readonly cacheName = NAME;
  static readonly className = 'KVCache';
  readonly step: number;
  #keys: mx.Array | undefined;
  #values: mx.Array | undefined;
  #offset = 0;

  constructor(options: StandardKVCacheOptions = {}) {
    super();
    const { step = 256 } = options;
    if (!Number.isInteger(step) || step < 1) throw new CacheError(`${NAME}: step must be a positive integer, got ${step}`);
    this.step = step;
  }

  /** Rebuilds a cache from a snapshot (or a prompt-cache file entry). */
  static fromSnapshot(snapshot: CacheSnapshot): StandardKVCache {
    const cache = new StandardKVCache();
    cache.restore(snapshot);
    return cache;
  }

  get offset(): number {
    return this.#offset;
  }

  /** Positions the buffers hold before they must grow (0 before the first update). */
  get capacity(): number {
    return this.#keys ? this.#keys.shape[2] : 0;
  }

  /** Bytes held by the buffers. */
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
    const previous = this.#offset;
    const length = keys.shape[2];
    const next = mx.tidy(() => {
      let bufferKeys = this.#keys;
      let bufferValues = this.#values;
      if (!bufferKeys || !bufferValues || previous + length > bufferKeys.shape[2]) {
        const [b, h, , keyDim] = keys.shape;
        const grow = Math.ceil(length / this.step) * this.step;
        const newKeys = mx.zeros([b, h, grow, keyDim], keys.dtype);
        const newValues = mx.zeros([b, h, grow, values.shape[3]], values.dtype);
        if (bufferKeys && bufferValues) {
          // Drop the unused tail (after a trim or a partial step) before appending, as mlx-lm does.
          if (previous % this.step !== 0) {
            bufferKeys = sliceSequence(bufferKeys, 0, previous);
            bufferValues = sliceSequence(bufferValues, 0, previous);
          }
          bufferKeys = mx.concatenate([bufferKeys, newKeys], 2);
          bufferValues = mx.concatenate([bufferValues, newValues], 2);
        } else {
          bufferKeys = newKeys;
          bufferValues = newValues;
        }
      }
      return { keys: writeSequence(bufferKeys, keys, previous), values: writeSequence(bufferValues, values, previous) };
    });
    this.#keys = replaceBuffer(this.#keys, next.keys);
    this.#values = replaceBuffer(this.#values, next.values);
    this.#offset = previous + length;
    return this.#fetch();
  }

  #fetch(): { keys: mx.Array; values: mx.Array } {
    const keys = this.#keys!;
    const values = this.#values!;
    if (this.#offset < keys.shape[2]) {
      return { keys: sliceSequence(keys, 0, this.#offset), values: sliceSequence(values, 0, this.#offset) };
    }
    return { keys: shareArray(keys), values: shareArray(values) };
  }

  makeMask(queryLength: number, options: MaskOptions = {}): AttentionMask {
    checkQueryLength(NAME, queryLength);
    checkWindowSize(NAME, options.windowSize);
    return createAttentionMask(queryLength, this.#offset, options);
  }

  canTrim(): boolean {
    return true;
  }

  trim(n: number): number {
    checkTrimCount(NAME, n);
    const trimmed = Math.min(this.#offset, n);
    this.#offset -= trimmed;
    return trimmed;
  }

  snapshot(): CacheSnapshot {
    this.assertUsable();
    return {
      className: StandardKVCache.className,
      state: [this.#keys ? shareArray(this.#keys) : null, this.#values ? shareArray(this.#values) : null, this.#offset],
    };
  }

  restore(snapshot: CacheSnapshot): void {
    this.assertUsable();
    const [keysValue, valuesValue, offsetValue] = snapshotState(NAME, StandardKVCache.className, snapshot, 3);
    const keys = stateArray(NAME, keysValue, 'keys');
    const values = stateArray(NAME, valuesValue, 'values');
    const offset = stateInteger(NAME, offsetValue, 'offset');
    if ((keys === null) !== (values === null)) throw new CacheError(`${NAME}.restore: keys and values must both be arrays or both be null`);
    if (keys && values && (offset > keys.shape[2] || values.shape[2] !== keys.shape[2])) {
      throw new CacheError(`${NAME}.restore: offset ${offset} exceeds the buffers' ${keys.shape[2]} positions, or keys and values differ in length`);
    }
    this.#release();
    this.#keys = keys ? ownShared(keys) : undefined;
    this.#values = values ? ownShared(values) : undefined;
    this.#offset = offset;
  }

  protected clearPositions(): void {
    this.#offset = 0;
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

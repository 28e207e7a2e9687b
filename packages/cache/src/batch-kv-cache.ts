// A KV cache for many sequences at once, each at its own position. Rows are right-aligned: every
// row's latest token sits in the same column, so one decode step writes one column for all rows,
// and a row with fewer tokens is left-padded (columns before its first token are masked out).
//
// With `windowSize` (sliding-window layers) the same alignment makes the window a range of
// columns shared by every row, whatever each row's position: keys older than `windowSize - 1`
// columns are invisible to every row and are dropped when the buffer grows, so memory stays
// bounded by the window while rows that have wrapped their window and rows that have not share
// one buffer. The mask states the window exactly, so no row ever sees a key outside its window
// or a key of another row's padding.
import * as mx from '@mlx-ts/core';
import {
  checkCompatible,
  checkKeysValues,
  checkQueryLength,
  checkTrimCount,
  checkWindowSize,
  replaceBuffer,
  shareArray,
  sliceSequence,
  writeSequence,
} from './buffers.js';
import { BaseKVCache } from './base-kv-cache.js';
import { CacheError } from './errors.js';
import type { AttentionMask, CacheSnapshot, KVCache, MaskOptions } from './kv-cache.js';

const NAME = 'BatchKVCache';

export interface BatchKVCacheOptions {
  /** Sliding window of the layer: keys more than windowSize - 1 positions back are never attended (nor kept). */
  windowSize?: number;
  /** Columns added per growth (default 256, as mlx-lm). */
  step?: number;
}

export class BatchKVCache extends BaseKVCache implements KVCache {
  protected readonly cacheName = NAME;
  static readonly className = 'BatchKVCache';
  readonly step: number;
  readonly windowSize: number | undefined;
  #keys: mx.Array | undefined;
  #values: mx.Array | undefined;
  /** Columns written; every row's next token goes to column `#index`. */
  #index = 0;
  /** Each row's tokens seen (its next position). */
  #positions: number[] = [];
  #rowOffsets: mx.Array | undefined;

  constructor(options: BatchKVCacheOptions = {}) {
    super();
    const { windowSize, step = 256 } = options;
    if (!Number.isInteger(step) || step < 1) throw new CacheError(`${NAME}: step must be a positive integer, got ${step}`);
    checkWindowSize(NAME, windowSize);
    this.step = step;
    this.windowSize = windowSize;
  }

  /** Rows in the batch (0 before the first update). */
  get batchSize(): number {
    return this.#positions.length;
  }

  /** The longest row's position. */
  get offset(): number {
    return this.#positions.length === 0 ? 0 : Math.max(...this.#positions);
  }

  /** Each row's position of its next token, as plain numbers. */
  get positions(): readonly number[] {
    return this.#positions;
  }

  get rowOffsets(): mx.Array | undefined {
    if (this.#positions.length === 0) return undefined;
    this.#rowOffsets ??= mx.keep(mx.array(this.#positions, 'int32'));
    return this.#rowOffsets;
  }

  get maxSize(): number | undefined {
    return this.windowSize;
  }

  /** Columns held (the attended length after the next single-token update, minus one). */
  get length(): number {
    return this.#index;
  }

  /** Positions the buffers hold before they must grow. */
  get capacity(): number {
    return this.#keys ? this.#keys.shape[2] : 0;
  }

  get nbytes(): number {
    return (this.#keys?.nbytes ?? 0) + (this.#values?.nbytes ?? 0);
  }

  get state(): readonly mx.Array[] {
    return this.#keys && this.#values ? [this.#keys, this.#values] : [];
  }

  #setPositions(positions: number[]): void {
    this.#positions = positions;
    this.#rowOffsets?.dispose();
    this.#rowOffsets = undefined;
  }

  updateAndFetch(keys: mx.Array, values: mx.Array): { keys: mx.Array; values: mx.Array } {
    this.assertUsable();
    checkKeysValues(NAME, keys, values);
    if (this.#keys && this.#values) {
      checkCompatible(NAME, this.#keys, keys, 'keys');
      checkCompatible(NAME, this.#values, values, 'values');
    } else if (this.#positions.length !== 0 && this.#positions.length !== keys.shape[0]) {
      throw new CacheError(`${NAME}.updateAndFetch: ${keys.shape[0]} rows given to a cache of ${this.#positions.length}`);
    }
    const length = keys.shape[2];
    const rows = keys.shape[0];
    const next = mx.tidy(() => {
      let bufferKeys = this.#keys;
      let bufferValues = this.#values;
      let index = this.#index;
      if (!bufferKeys || !bufferValues || index + length > bufferKeys.shape[2]) {
        // Growing: keep only the columns some row can still see.
        const keepFrom = this.#firstKeptColumn();
        const kept = index - keepFrom;
        const [, h, , keyDim] = keys.shape;
        const grow = Math.ceil((kept + length) / this.step) * this.step - kept;
        const newKeys = mx.zeros([rows, h, grow, keyDim], keys.dtype);
        const newValues = mx.zeros([rows, h, grow, values.shape[3]], values.dtype);
        if (bufferKeys && bufferValues && kept > 0) {
          bufferKeys = mx.concatenate([sliceSequence(bufferKeys, keepFrom, index), newKeys], 2);
          bufferValues = mx.concatenate([sliceSequence(bufferValues, keepFrom, index), newValues], 2);
        } else {
          bufferKeys = newKeys;
          bufferValues = newValues;
        }
        index = kept;
      }
      return { keys: writeSequence(bufferKeys, keys, index), values: writeSequence(bufferValues, values, index), index };
    });
    this.#keys = replaceBuffer(this.#keys, next.keys);
    this.#values = replaceBuffer(this.#values, next.values);
    this.#index = next.index + length;
    const positions = this.#positions.length === 0 ? new Array<number>(rows).fill(0) : this.#positions;
    this.#setPositions(positions.map((p) => p + length));
    if (this.#index < this.#keys.shape[2]) {
      return { keys: sliceSequence(this.#keys, 0, this.#index), values: sliceSequence(this.#values, 0, this.#index) };
    }
    return { keys: shareArray(this.#keys), values: shareArray(this.#values) };
  }

  /** The first column holding a token of some row (columns before it are padding for every row). */
  #firstVisibleColumn(): number {
    if (this.#positions.length === 0) return this.#index;
    return Math.max(0, this.#index - Math.max(...this.#positions));
  }

  /**
   * The mask for `queryLength` new tokens of every row: [B, 1, L, K] booleans with K the columns
   * `updateAndFetch` will return. Row b's query i (column index + i) sees column j when the column
   * holds one of the row's tokens, j <= index + i, and, with a window, index + i - j < windowSize.
   * null or 'causal' when no row is padded and no window applies, as the single-row caches.
   */
  makeMask(queryLength: number, options: MaskOptions = {}): AttentionMask {
    checkQueryLength(NAME, queryLength);
    checkWindowSize(NAME, options.windowSize);
    const windowSize = options.windowSize ?? this.windowSize;
    const index = this.#growthIndex(queryLength);
    const keyLength = index + queryLength;
    const starts = this.#positions.map((p) => Math.max(0, index - p));
    const padded = starts.some((s) => s > 0);
    const windowed = windowSize !== undefined && keyLength > windowSize;
    if (!padded && !windowed && !options.returnArray) return queryLength === 1 ? null : 'causal';
    return mx.tidy(() => {
      const rows = Math.max(1, starts.length);
      const keyColumns = mx.reshape(mx.arange(keyLength), [1, 1, 1, keyLength]);
      const queryColumns = mx.reshape(mx.arange(index, keyLength), [1, 1, queryLength, 1]);
      const first = mx.reshape(mx.array(starts.length ? starts : [0], 'int32'), [rows, 1, 1, 1]);
      let mask = mx.logicalAnd(mx.greaterEqual(keyColumns, first), mx.lessEqual(keyColumns, queryColumns));
      if (windowSize !== undefined) mask = mx.logicalAnd(mask, mx.less(mx.subtract(queryColumns, keyColumns), windowSize));
      return mask;
    });
  }

  /** The column the next update of `length` tokens writes to (after dropping invisible columns on growth). */
  #growthIndex(length: number): number {
    const index = this.#index;
    if (this.#keys && index + length <= this.#keys.shape[2]) return index;
    return index - this.#firstKeptColumn();
  }

  /** The first column a future query of some row can see: older ones are dropped when the buffer grows. */
  #firstKeptColumn(): number {
    const windowStart = this.windowSize === undefined ? 0 : Math.max(0, this.#index - (this.windowSize - 1));
    return Math.max(windowStart, this.#firstVisibleColumn());
  }

  /** Keeps only the rows at `indices` (in that order); the others' keys and values are dropped. */
  filter(indices: readonly number[]): void {
    this.assertUsable();
    for (const i of indices) {
      if (!Number.isInteger(i) || i < 0 || i >= this.#positions.length) throw new CacheError(`${NAME}.filter: row ${i} is not in a batch of ${this.#positions.length}`);
    }
    const positions = indices.map((i) => this.#positions[i]);
    if (indices.length === 0 || !this.#keys || !this.#values) {
      if (indices.length === 0) this.#release();
      this.#setPositions(positions);
      if (indices.length === 0) this.#index = 0;
      return;
    }
    const oldKeys = this.#keys;
    const oldValues = this.#values;
    this.#setPositions(positions);
    // Columns before the first one some remaining row holds are padding for all of them.
    const from = this.#firstVisibleColumn();
    const next = mx.tidy(() => {
      const take = mx.array([...indices], 'int32');
      const pick = (a: mx.Array) => sliceSequence(mx.take(a, take, 0), from, this.#index);
      return { keys: pick(oldKeys), values: pick(oldValues) };
    });
    this.#keys = replaceBuffer(this.#keys, next.keys);
    this.#values = replaceBuffer(this.#values, next.values);
    this.#index -= from;
  }

  /** Appends the rows of `other` (its buffers are copied; `other` is left as it was). */
  extend(other: BatchKVCache): void {
    this.assertUsable();
    if (!(other instanceof BatchKVCache) || other.windowSize !== this.windowSize) {
      throw new CacheError(`${NAME}.extend: needs another BatchKVCache with the same windowSize (${this.windowSize})`);
    }
    if (other.batchSize === 0) return;
    const [otherKeys, otherValues] = other.state;
    if (!this.#keys || !this.#values || this.#positions.length === 0) {
      this.#release();
      this.#keys = mx.keep(shareArray(otherKeys));
      this.#values = mx.keep(shareArray(otherValues));
      this.#index = other.#index;
      this.#setPositions([...other.#positions]);
      return;
    }
    const [, h, , d] = this.#keys.shape;
    if (otherKeys.shape[1] !== h || otherKeys.shape[3] !== d || otherKeys.dtype !== this.#keys.dtype || otherValues.shape[3] !== this.#values.shape[3]) {
      throw new CacheError(`${NAME}.extend: rows shaped [${otherKeys.shape}] ${otherKeys.dtype} do not fit a cache of [${this.#keys.shape}] ${this.#keys.dtype}`);
    }
    const index = Math.max(this.#index, other.#index);
    const align = (a: mx.Array, written: number) => {
      const used = sliceSequence(a, 0, written);
      if (written === index) return used;
      const [b, h, , d] = a.shape;
      return mx.concatenate([mx.zeros([b, h, index - written, d], a.dtype), used], 2);
    };
    const next = mx.tidy(() => ({
      keys: mx.concatenate([align(this.#keys!, this.#index), align(otherKeys, other.#index)], 0),
      values: mx.concatenate([align(this.#values!, this.#index), align(otherValues, other.#index)], 0),
    }));
    this.#keys = replaceBuffer(this.#keys, next.keys);
    this.#values = replaceBuffer(this.#values, next.values);
    this.#index = index;
    this.#setPositions([...this.#positions, ...other.#positions]);
  }

  /** A new one-row cache holding a copy-free view of row `row` (e.g. a snapshot for prefix reuse). */
  extract(row: number): BatchKVCache {
    this.assertUsable();
    const copy = new BatchKVCache({ windowSize: this.windowSize, step: this.step });
    if (!this.#keys || !this.#values) return copy;
    if (!Number.isInteger(row) || row < 0 || row >= this.#positions.length) throw new CacheError(`${NAME}.extract: row ${row} is not in a batch of ${this.#positions.length}`);
    const position = this.#positions[row];
    let from = Math.max(0, this.#index - position);
    if (this.windowSize !== undefined) from = Math.max(from, this.#index - (this.windowSize - 1));
    const keys = this.#keys;
    const values = this.#values;
    const index = this.#index;
    const pick = (a: mx.Array) => mx.keep(mx.tidy(() => mx.slice(a, [row, 0, from, 0], [row + 1, a.shape[1], index, a.shape[3]])));
    copy.#keys = pick(keys);
    copy.#values = pick(values);
    copy.#index = index - from;
    copy.#setPositions([position]);
    return copy;
  }

  /** Trimming drops the last `n` columns of every row; possible while no row has lost keys to the window. */
  canTrim(): boolean {
    if (this.windowSize === undefined) return true;
    return this.#positions.every((p) => p <= this.#index) && this.#index < this.windowSize;
  }

  trim(n: number): number {
    checkTrimCount(NAME, n);
    if (n > 0 && !this.canTrim()) throw new CacheError(`${NAME}.trim: the window already dropped keys, so the cache cannot be rewound; re-prefill instead`);
    const trimmed = Math.min(n, this.#index, ...this.#positions);
    this.#index -= trimmed;
    this.#setPositions(this.#positions.map((p) => p - trimmed));
    return trimmed;
  }

  snapshot(): CacheSnapshot {
    this.assertUsable();
    return {
      className: BatchKVCache.className,
      state: [
        this.#keys ? shareArray(this.#keys) : null,
        this.#values ? shareArray(this.#values) : null,
        this.#index,
        [...this.#positions],
        this.windowSize ?? 0,
      ],
    };
  }

  restore(snapshot: CacheSnapshot): void {
    this.assertUsable();
    if (snapshot?.className !== BatchKVCache.className || !Array.isArray(snapshot.state) || snapshot.state.length !== 5) {
      throw new CacheError(`${NAME}.restore: expected a snapshot of a ${BatchKVCache.className}`);
    }
    const [keys, values, index, positions, windowSize] = snapshot.state;
    if ((windowSize || undefined) !== this.windowSize) throw new CacheError(`${NAME}.restore: the snapshot's window ${windowSize} differs from this cache's ${this.windowSize}`);
    if (typeof index !== 'number' || !Array.isArray(positions) || !positions.every((p) => typeof p === 'number')) {
      throw new CacheError(`${NAME}.restore: malformed state`);
    }
    if ((keys === null) !== (values === null) || (keys !== null && !(keys instanceof mx.Array)) || (values !== null && !(values instanceof mx.Array))) {
      throw new CacheError(`${NAME}.restore: keys and values must both be arrays or both be null`);
    }
    this.#release();
    this.#keys = keys ? mx.keep(shareArray(keys as mx.Array)) : undefined;
    this.#values = values ? mx.keep(shareArray(values as mx.Array)) : undefined;
    this.#index = index;
    this.#setPositions([...(positions as number[])]);
  }

  protected clearPositions(): void {
    this.#index = 0;
    this.#setPositions([]);
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

  override dispose(): void {
    super.dispose();
    this.#rowOffsets?.dispose();
    this.#rowOffsets = undefined;
  }
}

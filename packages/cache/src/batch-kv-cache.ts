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
//
// With `bits`, keys and values are stored affine-quantized along the head dimension (as
// QuantizedKVCache, a quarter of float16's memory at 4 bits) and returned dequantized to the
// input's dtype. Stored tensors are kept as planes sharing the [B, H, T] axes — one plane when
// plain, packed data, scales and biases when quantized — so every row and column operation below
// is the same for both.
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
import type { AttentionMask, CacheSnapshot, CacheStateValue, KVCache, MaskOptions } from './kv-cache.js';

const NAME = 'BatchKVCache';
const SUPPORTED_BITS = [2, 3, 4, 5, 6, 8];
const SUPPORTED_GROUP_SIZES = [32, 64, 128];

export interface BatchKVCacheOptions {
  /** Sliding window of the layer: keys more than windowSize - 1 positions back are never attended (nor kept). */
  windowSize?: number;
  /** Columns added per growth (default 256, as mlx-lm). */
  step?: number;
  /** Store keys and values quantized to this many bits (2, 3, 4, 5, 6 or 8); plain when omitted. */
  bits?: number;
  /** Elements per quantization group along the head dimension (32, 64 or 128; default 64). */
  groupSize?: number;
}

/** A stored tensor: [data] when plain, [packed, scales, biases] when quantized; all [B, H, T, *]. */
type Planes = mx.Array[];

const slicePlanes = (planes: Planes, start: number, stop: number): Planes => planes.map((a) => sliceSequence(a, start, stop));

export class BatchKVCache extends BaseKVCache implements KVCache {
  protected readonly cacheName = NAME;
  static readonly className = 'BatchKVCache';
  readonly step: number;
  readonly windowSize: number | undefined;
  /** Bits per stored element when quantized. */
  readonly bits: number | undefined;
  readonly groupSize: number;
  #keys: Planes | undefined;
  #values: Planes | undefined;
  /** The dtype of the keys and values given (what fetches return). */
  #dtype: mx.Dtype | undefined;
  /** Columns written; every row's next token goes to column `#index`. */
  #index = 0;
  /** Each row's tokens seen (its next position). */
  #positions: number[] = [];
  #rowOffsets: mx.Array | undefined;

  constructor(options: BatchKVCacheOptions = {}) {
    super();
    const { windowSize, step = 256, bits, groupSize = 64 } = options;
    if (!Number.isInteger(step) || step < 1) throw new CacheError(`${NAME}: step must be a positive integer, got ${step}`);
    checkWindowSize(NAME, windowSize);
    if (bits !== undefined && !SUPPORTED_BITS.includes(bits)) throw new CacheError(`${NAME}: bits must be one of ${SUPPORTED_BITS.join(', ')}, got ${bits}`);
    if (!SUPPORTED_GROUP_SIZES.includes(groupSize))
      throw new CacheError(`${NAME}: groupSize must be one of ${SUPPORTED_GROUP_SIZES.join(', ')}, got ${groupSize}`);
    this.step = step;
    this.windowSize = windowSize;
    this.bits = bits;
    this.groupSize = groupSize;
  }

  /** An empty cache with the same settings (window, step, quantization). */
  emptyLike(): BatchKVCache {
    return new BatchKVCache({ windowSize: this.windowSize, step: this.step, bits: this.bits, groupSize: this.groupSize });
  }

  #encode(x: mx.Array): Planes {
    if (this.bits === undefined) return [x];
    const dim = x.shape[3];
    if (dim % this.groupSize !== 0 || (dim * this.bits) % 32 !== 0) {
      throw new CacheError(
        `${NAME}.updateAndFetch: the head dimension (${dim}) must be a multiple of groupSize ${this.groupSize} to quantize; use a smaller groupSize or no bits`,
      );
    }
    // Affine quantization always has biases.
    const [packed, scales, biases] = mx.quantize(x, { groupSize: this.groupSize, bits: this.bits });
    return [packed, scales, biases!];
  }

  #decode(planes: Planes): mx.Array {
    if (this.bits === undefined) return planes[0];
    return mx.dequantize(planes[0], planes[1], planes[2], { groupSize: this.groupSize, bits: this.bits, dtype: this.#dtype });
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
    return this.#keys ? this.#keys[0].shape[2] : 0;
  }

  get nbytes(): number {
    return this.state.reduce((sum, a) => sum + a.nbytes, 0);
  }

  get state(): readonly mx.Array[] {
    return this.#keys && this.#values ? [...this.#keys, ...this.#values] : [];
  }

  #replace(keys: Planes, values: Planes): void {
    this.#keys = keys.map((a, i) => replaceBuffer(this.#keys?.[i], a));
    this.#values = values.map((a, i) => replaceBuffer(this.#values?.[i], a));
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
      checkCompatible(NAME, this.#keys[0], keys, 'keys', this.#dtype);
      checkCompatible(NAME, this.#values[0], values, 'values', this.#dtype);
    } else if (this.#positions.length !== 0 && this.#positions.length !== keys.shape[0]) {
      throw new CacheError(`${NAME}.updateAndFetch: ${keys.shape[0]} rows given to a cache of ${this.#positions.length}`);
    }
    const length = keys.shape[2];
    const rows = keys.shape[0];
    const next = mx.tidy(() => {
      const encodedKeys = this.#encode(keys);
      const encodedValues = this.#encode(values);
      let bufferKeys = this.#keys;
      let bufferValues = this.#values;
      let index = this.#index;
      if (!bufferKeys || !bufferValues || index + length > bufferKeys[0].shape[2]) {
        // Growing: keep only the columns some row can still see.
        const keepFrom = this.#firstKeptColumn();
        const kept = index - keepFrom;
        // A sliding-window layer keeps windowSize - 1 columns at every growth, so rounding up to
        // the step alone can leave no free column when the window is a multiple of the step, and
        // every token would then grow the buffer again (a copy of the window per layer per step).
        // Spare columns make that copy happen once every `spare` tokens: an eighth of the window
        // (at least 16, at most a step) bounds its cost to 8 copied columns a token, while the
        // buffer holds at most window / 8 columns no row can see yet (a whole 256-column step
        // for Gemma 3's 512-token windows was 8 MB of the 270M model's cache).
        const spare = this.windowSize !== undefined ? Math.min(this.step, Math.max(16, Math.ceil(this.windowSize / 8))) : 0;
        const grow = Math.ceil((kept + length) / this.step) * this.step + spare - kept;
        const fresh = (like: Planes): Planes => like.map((a) => mx.zeros([rows, a.shape[1], grow, a.shape[3]], a.dtype));
        if (bufferKeys && bufferValues && kept > 0) {
          const keptKeys = slicePlanes(bufferKeys, keepFrom, index);
          const keptValues = slicePlanes(bufferValues, keepFrom, index);
          bufferKeys = fresh(encodedKeys).map((a, i) => mx.concatenate([keptKeys[i], a], 2));
          bufferValues = fresh(encodedValues).map((a, i) => mx.concatenate([keptValues[i], a], 2));
        } else {
          bufferKeys = fresh(encodedKeys);
          bufferValues = fresh(encodedValues);
        }
        index = kept;
      }
      return {
        keys: bufferKeys.map((a, i) => writeSequence(a, encodedKeys[i], index)),
        values: bufferValues.map((a, i) => writeSequence(a, encodedValues[i], index)),
        index,
      };
    });
    this.#dtype = keys.dtype;
    this.#replace(next.keys, next.values);
    this.#index = next.index + length;
    const positions = this.#positions.length === 0 ? new Array<number>(rows).fill(0) : this.#positions;
    this.#setPositions(positions.map((p) => p + length));
    const from = length === 1 && this.#decodesInsideWindow(this.#positions, this.#index) ? this.#index - (this.windowSize as number) : 0;
    const view = (planes: Planes) =>
      this.#decode(from > 0 || this.#index < planes[0].shape[2] ? slicePlanes(planes, from, this.#index) : planes.map(shareArray));
    if (this.bits === undefined) return { keys: view(this.#keys!), values: view(this.#values!) };
    return mx.tidy(() => ({ keys: view(this.#keys!), values: view(this.#values!) }));
  }

  /**
   * A one-token step past the window where every row holds a full window (counting the new token):
   * the last `windowSize` columns are exactly what every row sees, so the step returns only those
   * columns and no mask. Attention then takes MLX's fused single-query kernel, which on CUDA does
   * not accept an array mask and would otherwise fall back to unfused attention on every windowed
   * layer. mlx-lm's rotating cache gets the same effect by holding only the window.
   */
  #decodesInsideWindow(positionsAfter: readonly number[], keyLength: number): boolean {
    const window = this.windowSize;
    if (window === undefined || keyLength <= window || positionsAfter.length === 0) return false;
    return positionsAfter.every((p) => p >= window);
  }

  /**
   * Starts an empty cache for rows whose first update is left-padded: row b's first `padding[b]`
   * columns are not its tokens. Its positions start at -padding[b], so RoPE gives the row's first
   * real token position 0 and the masks never show the padding; after the update each row holds
   * exactly its own tokens. This is how several prompts of different lengths are prefilled in one
   * forward pass.
   */
  padRows(padding: readonly number[]): void {
    this.assertUsable();
    if (this.#keys || this.#positions.length > 0) throw new CacheError(`${NAME}.padRows: only an empty cache can start padded rows`);
    if (padding.length === 0 || padding.some((p) => !Number.isInteger(p) || p < 0))
      throw new CacheError(`${NAME}.padRows: needs one non-negative integer per row, got [${padding.join(', ')}]`);
    this.#setPositions(padding.map((p) => -p));
  }

  /** The first column holding a token of some row (columns before it are padding for every row). */
  #firstVisibleColumn(): number {
    if (this.#positions.length === 0) return this.#index;
    return Math.min(this.#index, Math.max(0, this.#index - Math.max(...this.#positions)));
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
    if (
      queryLength === 1 &&
      windowSize === this.windowSize &&
      !options.returnArray &&
      this.#decodesInsideWindow(
        this.#positions.map((p) => p + 1),
        keyLength,
      )
    )
      return null;
    return mx.tidy(() => {
      const rows = Math.max(1, starts.length);
      const keyColumns = mx.reshape(mx.arange(keyLength), [1, 1, 1, keyLength]);
      const queryColumns = mx.reshape(mx.arange(index, keyLength), [1, 1, queryLength, 1]);
      const first = mx.reshape(mx.array(starts.length ? starts : [0], 'int32'), [rows, 1, 1, 1]);
      let mask = mx.logicalAnd(mx.greaterEqual(keyColumns, first), mx.lessEqual(keyColumns, queryColumns));
      if (windowSize !== undefined) mask = mx.logicalAnd(mask, mx.less(mx.subtract(queryColumns, keyColumns), windowSize));
      // A padding query (a padded prefill) would see no key at all, and attention over nothing is
      // NaN, which the padding's keys and values would carry on. It sees itself instead; no real
      // query ever sees a padding column, and a real query always sees its own.
      if (queryLength > 1 && padded) mask = mx.logicalOr(mask, mx.equal(keyColumns, queryColumns));
      return mask;
    });
  }

  /** The column the next update of `length` tokens writes to (after dropping invisible columns on growth). */
  #growthIndex(length: number): number {
    const index = this.#index;
    if (this.#keys && index + length <= this.#keys[0].shape[2]) return index;
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
      if (!Number.isInteger(i) || i < 0 || i >= this.#positions.length)
        throw new CacheError(`${NAME}.filter: row ${i} is not in a batch of ${this.#positions.length}`);
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
      const pick = (planes: Planes) => planes.map((a) => sliceSequence(mx.take(a, take, 0), from, this.#index));
      return { keys: pick(oldKeys), values: pick(oldValues) };
    });
    this.#replace(next.keys, next.values);
    this.#index -= from;
  }

  /** Appends the rows of `other` (its buffers are copied; `other` is left as it was). */
  extend(other: BatchKVCache): void {
    this.assertUsable();
    if (
      !(other instanceof BatchKVCache) ||
      other.windowSize !== this.windowSize ||
      other.bits !== this.bits ||
      (this.bits !== undefined && other.groupSize !== this.groupSize)
    ) {
      throw new CacheError(
        `${NAME}.extend: needs another BatchKVCache with the same windowSize (${this.windowSize}) and quantization (${this.bits ?? 'none'})`,
      );
    }
    if (other.batchSize === 0 || !other.#keys || !other.#values) return;
    const otherKeys = other.#keys;
    const otherValues = other.#values;
    if (!this.#keys || !this.#values || this.#positions.length === 0) {
      this.#release();
      this.#keys = otherKeys.map((a) => mx.keep(shareArray(a)));
      this.#values = otherValues.map((a) => mx.keep(shareArray(a)));
      this.#dtype = other.#dtype;
      this.#index = other.#index;
      this.#setPositions([...other.#positions]);
      return;
    }
    const [, h, , d] = this.#keys[0].shape;
    if (otherKeys[0].shape[1] !== h || otherKeys[0].shape[3] !== d || other.#dtype !== this.#dtype || otherValues[0].shape[3] !== this.#values[0].shape[3]) {
      throw new CacheError(`${NAME}.extend: rows shaped [${otherKeys[0].shape}] ${other.#dtype} do not fit a cache of [${this.#keys[0].shape}] ${this.#dtype}`);
    }
    const index = Math.max(this.#index, other.#index);
    const align = (a: mx.Array, written: number) => {
      const used = sliceSequence(a, 0, written);
      if (written === index) return used;
      const [b, h, , d] = a.shape;
      return mx.concatenate([mx.zeros([b, h, index - written, d], a.dtype), used], 2);
    };
    const join = (mine: Planes, theirs: Planes) => mine.map((a, i) => mx.concatenate([align(a, this.#index), align(theirs[i], other.#index)], 0));
    const next = mx.tidy(() => ({ keys: join(this.#keys!, otherKeys), values: join(this.#values!, otherValues) }));
    this.#replace(next.keys, next.values);
    this.#index = index;
    this.#setPositions([...this.#positions, ...other.#positions]);
  }

  /**
   * A new one-row cache holding a copy-free view of row `row` (e.g. a snapshot for prefix reuse);
   * with `copy`, its own copy, so that the view does not keep the whole batch's buffers alive.
   */
  extract(row: number, options: { copy?: boolean } = {}): BatchKVCache {
    this.assertUsable();
    const copy = this.emptyLike();
    if (!this.#keys || !this.#values) return copy;
    if (!Number.isInteger(row) || row < 0 || row >= this.#positions.length)
      throw new CacheError(`${NAME}.extract: row ${row} is not in a batch of ${this.#positions.length}`);
    const position = this.#positions[row];
    let from = Math.max(0, this.#index - position);
    if (this.windowSize !== undefined) from = Math.max(from, this.#index - (this.windowSize - 1));
    const keys = this.#keys;
    const values = this.#values;
    const index = this.#index;
    const pick = (planes: Planes) =>
      planes.map((a) =>
        mx.keep(
          mx.tidy(() => {
            const view = mx.slice(a, [row, 0, from, 0], [row + 1, a.shape[1], index, a.shape[3]]);
            // An arithmetic identity writes a new buffer (copy and contiguous may share the input's).
            return options.copy ? mx.multiply(view, 1) : view;
          }),
        ),
      );
    copy.#keys = pick(keys);
    copy.#values = pick(values);
    copy.#dtype = this.#dtype;
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
    // Plain caches keep mlx-lm's layout (one array each); quantized ones hold [packed, scales, biases].
    const share = (planes: Planes | undefined): CacheStateValue => (planes ? (this.bits === undefined ? shareArray(planes[0]) : planes.map(shareArray)) : null);
    const state: CacheStateValue[] = [share(this.#keys), share(this.#values), this.#index, [...this.#positions], this.windowSize ?? 0];
    if (this.bits !== undefined) state.push(this.bits, this.groupSize);
    return { className: BatchKVCache.className, state };
  }

  restore(snapshot: CacheSnapshot): void {
    this.assertUsable();
    const quantized = this.bits !== undefined;
    if (snapshot?.className !== BatchKVCache.className || !Array.isArray(snapshot.state) || snapshot.state.length !== (quantized ? 7 : 5)) {
      throw new CacheError(`${NAME}.restore: expected a snapshot of a ${quantized ? `${this.bits}-bit quantized ` : 'plain '}${BatchKVCache.className}`);
    }
    const [keys, values, index, positions, windowSize, bits, groupSize] = snapshot.state;
    if ((windowSize || undefined) !== this.windowSize)
      throw new CacheError(`${NAME}.restore: the snapshot's window ${windowSize} differs from this cache's ${this.windowSize}`);
    if (quantized && (bits !== this.bits || groupSize !== this.groupSize))
      throw new CacheError(`${NAME}.restore: the snapshot's quantization (${bits} bits, group ${groupSize}) differs from this cache's`);
    if (typeof index !== 'number' || !Array.isArray(positions) || !positions.every((p) => typeof p === 'number')) {
      throw new CacheError(`${NAME}.restore: malformed state`);
    }
    const planes = (value: CacheStateValue): Planes | null | undefined => {
      if (value === null) return null;
      const list = quantized && Array.isArray(value) ? value : [value];
      return list.length === (quantized ? 3 : 1) && list.every((a) => a instanceof mx.Array) ? (list as mx.Array[]) : undefined;
    };
    const keyPlanes = planes(keys);
    const valuePlanes = planes(values);
    if (keyPlanes === undefined || valuePlanes === undefined || (keyPlanes === null) !== (valuePlanes === null)) {
      throw new CacheError(`${NAME}.restore: keys and values must both be ${quantized ? '[packed, scales, biases] lists' : 'arrays'} or both be null`);
    }
    this.#release();
    this.#keys = keyPlanes?.map((a) => mx.keep(shareArray(a)));
    this.#values = valuePlanes?.map((a) => mx.keep(shareArray(a)));
    this.#dtype = keyPlanes ? (quantized ? keyPlanes[1].dtype : keyPlanes[0].dtype) : undefined;
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
    mx.dispose(this.#keys ?? [], this.#values ?? []);
    this.#keys = undefined;
    this.#values = undefined;
  }

  override dispose(): void {
    super.dispose();
    this.#rowOffsets?.dispose();
    this.#rowOffsets = undefined;
  }
}

// Affine-quantized cache (2–8 bits, groups along the head dimension): a quarter (4-bit) or half
// (8-bit) of a float16 cache's memory. Mirrors mlx-lm's QuantizedKVCache (same buffers, growth and
// state). `updateAndFetch` returns keys/values dequantized to the input dtype, so any attention
// works; `updateAndFetchQuantized` returns the packed tensors for a quantized attention kernel.
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
  stateInteger,
  writeSequence,
} from './buffers.js';
import { createAttentionMask } from './causal-mask.js';
import { BaseKVCache } from './base-kv-cache.js';
import { CacheError } from './errors.js';
import type { AttentionMask, CacheSnapshot, CacheStateValue, KVCache, MaskOptions } from './kv-cache.js';

const NAME = 'QuantizedKVCache';
const STEP = 256;
const SUPPORTED_BITS = [2, 3, 4, 5, 6, 8];
const SUPPORTED_GROUP_SIZES = [32, 64, 128];

/** MLX's affine quantization of a [B, H, L, D] tensor: packed uint32 data [B, H, L, D·bits/32], scales and biases [B, H, L, D/groupSize]. */
export interface QuantizedTensor {
  readonly data: mx.Array;
  readonly scales: mx.Array;
  readonly biases: mx.Array;
}

export interface QuantizedKVCacheOptions {
  /** Bits per element (2, 3, 4, 5, 6 or 8; default 8, as mlx-lm). */
  bits?: number;
  /** Elements per quantization group along the head dimension (32, 64 or 128; default 64). */
  groupSize?: number;
}

type Triple = [mx.Array, mx.Array, mx.Array];

function asTensor([data, scales, biases]: Triple): QuantizedTensor {
  return { data, scales, biases };
}

export class QuantizedKVCache extends BaseKVCache implements KVCache {
  protected readonly cacheName = NAME;
  static readonly className = 'QuantizedKVCache';
  readonly bits: number;
  readonly groupSize: number;
  #keys: Triple | undefined;
  #values: Triple | undefined;
  #offset = 0;

  constructor(options: QuantizedKVCacheOptions = {}) {
    super();
    const { bits = 8, groupSize = 64 } = options;
    if (!SUPPORTED_BITS.includes(bits)) throw new CacheError(`${NAME}: bits must be one of ${SUPPORTED_BITS.join(', ')}, got ${bits}`);
    if (!SUPPORTED_GROUP_SIZES.includes(groupSize))
      throw new CacheError(`${NAME}: groupSize must be one of ${SUPPORTED_GROUP_SIZES.join(', ')}, got ${groupSize}`);
    this.bits = bits;
    this.groupSize = groupSize;
  }

  static fromSnapshot(snapshot: CacheSnapshot): QuantizedKVCache {
    const [, , , groupSize, bits] = snapshotState(NAME, QuantizedKVCache.className, snapshot, 5);
    const cache = new QuantizedKVCache({ bits: stateInteger(NAME, bits, 'bits'), groupSize: stateInteger(NAME, groupSize, 'groupSize') });
    cache.restore(snapshot);
    return cache;
  }

  get offset(): number {
    return this.#offset;
  }

  get capacity(): number {
    return this.#keys ? this.#keys[0].shape[2] : 0;
  }

  get nbytes(): number {
    let total = 0;
    for (const a of [...(this.#keys ?? []), ...(this.#values ?? [])]) total += a.nbytes;
    return total;
  }

  get state(): readonly mx.Array[] {
    return this.#keys && this.#values ? [...this.#keys, ...this.#values] : [];
  }

  #checkHeadDim(a: mx.Array, what: string): void {
    const dim = a.shape[3];
    if (dim % this.groupSize !== 0 || (dim * this.bits) % 32 !== 0) {
      throw new CacheError(
        `${NAME}.updateAndFetch: the head dimension of the ${what} (${dim}) must be a multiple of groupSize ${this.groupSize}; use a smaller groupSize or a StandardKVCache`,
      );
    }
  }

  #update(keys: mx.Array, values: mx.Array): void {
    this.assertUsable();
    checkKeysValues(NAME, keys, values);
    this.#checkHeadDim(keys, 'keys');
    this.#checkHeadDim(values, 'values');
    if (this.#keys && this.#values) {
      checkCompatible(NAME, this.#keys[1], keys, 'keys');
      checkCompatible(NAME, this.#values[1], values, 'values');
    }
    const previous = this.#offset;
    const length = keys.shape[2];
    const next = mx.tidy(() => {
      let bufferKeys = this.#keys as mx.Array[] | undefined;
      let bufferValues = this.#values as mx.Array[] | undefined;
      if (!bufferKeys || !bufferValues || previous + length > bufferKeys[0].shape[2]) {
        const [b, h] = keys.shape;
        const grow = Math.ceil(length / STEP) * STEP;
        const elementsPerWord = 32 / this.bits;
        const init = (dim: number): mx.Array[] => [
          mx.zeros([b, h, grow, dim / elementsPerWord], 'uint32'),
          mx.zeros([b, h, grow, dim / this.groupSize], keys.dtype),
          mx.zeros([b, h, grow, dim / this.groupSize], keys.dtype),
        ];
        const expand = (a: mx.Array): mx.Array => mx.concatenate([a, mx.zeros([b, h, grow, a.shape[3]], a.dtype)], 2);
        if (bufferKeys && bufferValues) {
          if (previous % STEP !== 0) {
            bufferKeys = bufferKeys.map((a) => sliceSequence(a, 0, previous));
            bufferValues = bufferValues.map((a) => sliceSequence(a, 0, previous));
          }
          bufferKeys = bufferKeys.map(expand);
          bufferValues = bufferValues.map(expand);
        } else {
          bufferKeys = init(keys.shape[3]);
          bufferValues = init(values.shape[3]);
        }
      }
      const quantizedKeys = mx.quantize(keys, { groupSize: this.groupSize, bits: this.bits });
      const quantizedValues = mx.quantize(values, { groupSize: this.groupSize, bits: this.bits });
      return {
        keys: bufferKeys.map((a, i) => writeSequence(a, quantizedKeys[i]!, previous)),
        values: bufferValues.map((a, i) => writeSequence(a, quantizedValues[i]!, previous)),
      };
    });
    this.#keys = next.keys.map((a, i) => replaceBuffer(this.#keys?.[i], a)) as Triple;
    this.#values = next.values.map((a, i) => replaceBuffer(this.#values?.[i], a)) as Triple;
    this.#offset = previous + length;
  }

  #fetchQuantized(): { keys: Triple; values: Triple } {
    const view = (triple: Triple): Triple => triple.map((a) => (this.#offset < a.shape[2] ? sliceSequence(a, 0, this.#offset) : shareArray(a))) as Triple;
    return { keys: view(this.#keys!), values: view(this.#values!) };
  }

  /** Stores the update and returns the keys/values dequantized to the input dtype. */
  updateAndFetch(keys: mx.Array, values: mx.Array): { keys: mx.Array; values: mx.Array } {
    this.#update(keys, values);
    return mx.tidy(() => {
      const fetched = this.#fetchQuantized();
      const options = { groupSize: this.groupSize, bits: this.bits, dtype: keys.dtype };
      return {
        keys: mx.dequantize(fetched.keys[0], fetched.keys[1], fetched.keys[2], options),
        values: mx.dequantize(fetched.values[0], fetched.values[1], fetched.values[2], options),
      };
    });
  }

  /** Stores the update and returns the packed keys/values (mlx-lm's return value), for quantized attention (mx.quantizedMatmul). */
  updateAndFetchQuantized(keys: mx.Array, values: mx.Array): { keys: QuantizedTensor; values: QuantizedTensor } {
    this.#update(keys, values);
    const fetched = this.#fetchQuantized();
    return { keys: asTensor(fetched.keys), values: asTensor(fetched.values) };
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
    const share = (triple: Triple | undefined): CacheStateValue => (triple ? triple.map(shareArray) : null);
    return { className: QuantizedKVCache.className, state: [share(this.#keys), share(this.#values), this.#offset, this.groupSize, this.bits] };
  }

  restore(snapshot: CacheSnapshot): void {
    this.assertUsable();
    const [keysValue, valuesValue, offsetValue, groupSizeValue, bitsValue] = snapshotState(NAME, QuantizedKVCache.className, snapshot, 5);
    const offset = stateInteger(NAME, offsetValue, 'offset');
    if (stateInteger(NAME, groupSizeValue, 'groupSize') !== this.groupSize || stateInteger(NAME, bitsValue, 'bits') !== this.bits) {
      throw new CacheError(
        `${NAME}.restore: the snapshot was made with groupSize ${String(groupSizeValue)} and bits ${String(bitsValue)}, this cache uses ${this.groupSize} and ${this.bits}; use QuantizedKVCache.fromSnapshot`,
      );
    }
    const triple = (value: CacheStateValue, what: string): Triple | undefined => {
      if (value === null) return undefined;
      if (!Array.isArray(value) || value.length !== 3 || !value.every((a) => a instanceof mx.Array && a.ndim === 4)) {
        throw new CacheError(`${NAME}.restore: ${what} must be [data, scales, biases] (4-D mx.Arrays) or null`);
      }
      return value as Triple;
    };
    const keys = triple(keysValue, 'keys');
    const values = triple(valuesValue, 'values');
    if ((keys === undefined) !== (values === undefined)) throw new CacheError(`${NAME}.restore: keys and values must both be present or both be null`);
    if (keys && offset > keys[0].shape[2]) throw new CacheError(`${NAME}.restore: offset ${offset} exceeds the buffers' ${keys[0].shape[2]} positions`);
    this.#release();
    this.#keys = keys?.map(ownShared) as Triple | undefined;
    this.#values = values?.map(ownShared) as Triple | undefined;
    this.#offset = offset;
  }

  protected clearPositions(): void {
    this.#offset = 0;
  }

  protected releaseBuffers(): void {
    this.#release();
  }

  #release(): void {
    for (const a of [...(this.#keys ?? []), ...(this.#values ?? [])]) a.dispose();
    this.#keys = undefined;
    this.#values = undefined;
  }
}

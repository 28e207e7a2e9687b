// The last N token ids of each row, kept on the device in a ring buffer.
import * as mx from '@mlx-ts/core';
import { SampleInputError } from './errors.js';

function asRows(tokens: mx.Array | readonly number[] | readonly (readonly number[])[], who: string): mx.Array {
  if (tokens instanceof mx.Array) {
    const ndim = tokens.ndim;
    if (ndim !== 1 && ndim !== 2)
      throw new SampleInputError(`${who}: expected token ids of shape [length] or [batch, length], got [${tokens.shape.join(', ')}]`);
    return mx.tidy(() => {
      const ids = mx.astype(tokens, 'int32');
      return ndim === 1 ? mx.expandDims(ids, 0) : ids;
    });
  }
  const rows = (tokens.length > 0 && Array.isArray(tokens[0]) ? tokens : [tokens]) as readonly (readonly number[])[];
  for (const row of rows) {
    if (row.length !== rows[0].length) throw new SampleInputError(`${who}: every row must have the same number of tokens`);
    for (const id of row) {
      if (!Number.isSafeInteger(id) || id < 0) throw new SampleInputError(`${who}: token ids must be non-negative integers, got ${id}`);
    }
  }
  return mx.array(Int32Array.from(rows.flat()), 'int32', [rows.length, rows[0]?.length ?? 0]);
}

/**
 * Which tokens sit in the window is all the penalties need (not their order), so the buffer is
 * written round-robin at a slot the host computes from how many tokens it has seen: no value is
 * ever read back from the device.
 */
export class TokenWindow implements Disposable {
  readonly size: number;
  #ids: mx.Array | undefined; // [B, size] int32, kept
  #written = 0;

  constructor(size: number) {
    this.size = size;
  }

  /** Tokens currently in the window (at most size). */
  get length(): number {
    return Math.min(this.#written, this.size);
  }

  /** Starts over with the last `size` tokens of a prompt ([L] or [B, L]). */
  reset(tokens: mx.Array | readonly number[] | readonly (readonly number[])[]): void {
    const next = mx.tidy(() => {
      const rows = asRows(tokens, 'prompt');
      const [batch, length] = rows.shape;
      const kept = Math.min(length, this.size);
      const tail = mx.slice(rows, [0, length - kept], [batch, length]);
      const ids = kept === this.size ? tail : mx.concatenate([tail, mx.zeros([batch, this.size - kept], 'int32')], 1);
      return { ids, kept };
    });
    this.#replace(next.ids);
    this.#written = next.kept;
  }

  /** Appends one token per row ([B] or [B, 1]). */
  push(token: mx.Array): void {
    const slot = this.#written % this.size;
    const next = mx.tidy(() => {
      const column = mx.reshape(mx.astype(token, 'int32'), [token.size, 1]);
      const batch = column.shape[0];
      const ids = this.#ids ?? mx.zeros([batch, this.size], 'int32');
      if (ids.shape[0] !== batch) {
        throw new SampleInputError(`didSample: got ${batch} tokens for a history of ${ids.shape[0]} rows; pass one token per row of the batch`);
      }
      return mx.sliceUpdate(ids, column, [0, slot], [batch, slot + 1]);
    });
    this.#replace(next);
    this.#written += 1;
  }

  /** The filled part of the window, [B, length], in the caller's scope; undefined while empty. */
  view(): mx.Array | undefined {
    if (this.#ids === undefined || this.length === 0) return undefined;
    const [batch] = this.#ids.shape;
    return mx.slice(this.#ids, [0, 0], [batch, this.length]);
  }

  #replace(ids: mx.Array): void {
    this.#ids?.dispose();
    this.#ids = mx.keep(ids);
  }

  dispose(): void {
    this.#ids?.dispose();
    this.#ids = undefined;
    this.#written = 0;
  }

  [Symbol.dispose](): void {
    this.dispose();
  }
}

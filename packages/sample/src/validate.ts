// Option checks shared by the sampler and processor factories; they run once, at creation.
import type * as mx from '@mlx-ts/core';
import { SampleInputError, SampleOptionsError } from './errors.js';

export function checkNumber(option: string, value: unknown, min: number, max: number): number {
  if (typeof value !== 'number' || Number.isNaN(value) || value < min || value > max) {
    throw new SampleOptionsError(option, `expected a number in [${min}, ${max}], got ${String(value)}`);
  }
  return value;
}

export function checkInteger(option: string, value: unknown, min: number): number {
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < min) {
    throw new SampleOptionsError(option, `expected an integer >= ${min}, got ${String(value)}`);
  }
  return value;
}

export function checkTokenIds(option: string, value: unknown): number[] {
  if (!Array.isArray(value)) throw new SampleOptionsError(option, `expected a list of token ids, got ${typeof value}`);
  return value.map((id, i) => checkInteger(`${option}[${i}]`, id, 0));
}

/** Logits must be [B, V]; returns V. Reads only the shape (metadata), never the values. */
export function vocabularySize(logits: mx.Array, who: string): number {
  const shape = logits.shape;
  if (shape.length !== 2) {
    throw new SampleInputError(
      `${who}: expected logits of shape [batch, vocabulary], got [${shape.join(', ')}]; take the last position first (logits[:, -1, :])`,
    );
  }
  return shape[1];
}

// Additive logit bias (OpenAI's logit_bias, as mlx-lm's logit_bias_processor).
import * as mx from '@mlx-ts/core';
import { SampleInputError } from './errors.js';
import type { LogitsProcessor } from './logits-processor.js';
import { vocabularySize } from './validate.js';

/** Adds a fixed bias to the logits of given token ids (e.g. −100 bans a token, +100 forces it). */
export class LogitBias implements LogitsProcessor, Disposable {
  readonly #ids: readonly number[];
  readonly #values: readonly number[];
  readonly #largestId: number;
  #device: { ids: mx.Array; values: mx.Array } | undefined;

  constructor(bias: ReadonlyMap<number, number>) {
    this.#ids = [...bias.keys()];
    this.#values = [...bias.values()];
    this.#largestId = Math.max(-1, ...this.#ids);
  }

  process(logits: mx.Array): mx.Array {
    const vocabulary = vocabularySize(logits, 'logitBias');
    if (this.#ids.length === 0) return logits;
    if (this.#largestId >= vocabulary) {
      throw new SampleInputError(`logitBias: token id ${this.#largestId} is outside the vocabulary of ${vocabulary} tokens; remove it from logitBias`);
    }
    const device = (this.#device ??= mx.keep({
      ids: mx.array([this.#ids as number[]], 'int32'),
      values: mx.array([this.#values as number[]], 'float32'),
    }));
    return mx.tidy(() => {
      const [batch] = logits.shape;
      const ids = mx.broadcastTo(device.ids, [batch, this.#ids.length]);
      const biased = mx.add(mx.takeAlongAxis(logits, ids, -1), mx.astype(device.values, logits.dtype));
      return mx.putAlongAxis(logits, ids, biased, -1);
    });
  }

  dispose(): void {
    if (this.#device) mx.dispose(this.#device);
    this.#device = undefined;
  }

  [Symbol.dispose](): void {
    this.dispose();
  }
}

// Shared plumbing of the penalties that look at the last N tokens.
import * as mx from '@mlx-ts/core';
import { SampleInputError } from './errors.js';
import type { LogitsProcessor, TokenIds } from './logits-processor.js';
import { TokenWindow } from './token-window.js';
import { vocabularySize } from './validate.js';

/**
 * A processor that rewrites the logits of the tokens in its window. Subclasses compute the new
 * values of the gathered logits `selected` [B, n] of the window's tokens `window` [B, n]; every
 * occurrence of a repeated token gets the same value, so the scatter back is well defined.
 */
export abstract class WindowedPenalty implements LogitsProcessor, Disposable {
  readonly #window: TokenWindow;
  readonly #name: string;

  constructor(name: string, contextSize: number) {
    this.#name = name;
    this.#window = new TokenWindow(contextSize);
  }

  protected abstract penalize(selected: mx.Array, window: mx.Array): mx.Array;

  prompt(tokens: TokenIds): void {
    this.#window.reset(tokens);
  }

  didSample(token: mx.Array): void {
    this.#window.push(token);
  }

  process(logits: mx.Array): mx.Array {
    vocabularySize(logits, this.#name);
    if (this.#window.length === 0) return logits;
    return mx.tidy(() => {
      let window = this.#window.view()!;
      const [batch] = logits.shape;
      const [rows, length] = window.shape;
      if (rows !== batch) {
        if (rows !== 1)
          throw new SampleInputError(
            `${this.#name}: logits have ${batch} rows but the token history has ${rows}; give the prompt one row per batch row (or one row for all)`,
          );
        window = mx.broadcastTo(window, [batch, length]);
      }
      const selected = mx.takeAlongAxis(logits, window, -1);
      return mx.putAlongAxis(logits, window, this.penalize(selected, window), -1);
    });
  }

  dispose(): void {
    this.#window.dispose();
  }

  [Symbol.dispose](): void {
    this.dispose();
  }
}

// The LogitsProcessor contract, and composing several into one.
import * as mx from '@mlx-ts/core';

/** Token ids: an int array [L] or [B, L], or plain ids (one row, or one list per row). */
export type TokenIds = mx.Array | readonly number[] | readonly (readonly number[])[];

/**
 * Rewrites logits before sampling. Stateful processors (penalties) learn the history through
 * `prompt` (once per request) and `didSample` (once per generated token); `process` never reads
 * array values on the host, so the engine can build step n+1 before token n is known.
 */
export interface LogitsProcessor {
  /** Starts a request: the prompt's token ids ([L] or [B, L]). Resets any earlier history. */
  prompt?(tokens: TokenIds): void;
  /** Returns processed logits [B, V] (may be its input unchanged when there is nothing to do). */
  process(logits: mx.Array): mx.Array;
  /** Records the token just sampled for each row ([B]); it may still be unevaluated. */
  didSample?(token: mx.Array): void;
  /** Frees device state. */
  dispose?(): void;
}

/** Runs `processors` in order on logits, inside one memory scope. */
export function applyLogitsProcessors(processors: readonly LogitsProcessor[], logits: mx.Array): mx.Array {
  if (processors.length === 0) return logits;
  return mx.tidy(() => processors.reduce((current, processor) => processor.process(current), logits));
}

/** One processor that forwards every call to `processors`, in order. */
export function composeLogitsProcessors(processors: readonly LogitsProcessor[]): Required<LogitsProcessor> & Disposable {
  const dispose = () => {
    for (const processor of processors) processor.dispose?.();
  };
  return {
    prompt(tokens) {
      for (const processor of processors) processor.prompt?.(tokens);
    },
    process: (logits) => applyLogitsProcessors(processors, logits),
    didSample(token) {
      for (const processor of processors) processor.didSample?.(token);
    },
    dispose,
    [Symbol.dispose]: dispose,
  };
}

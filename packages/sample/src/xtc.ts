// XTC, "exclude top choices" (mlx_lm.sample_utils.apply_xtc): with some probability, remove every
// token above a probability threshold except the least likely of them, pushing the text away from
// its most predictable continuations.
import * as mx from '@mlx-ts/core';

export interface XtcOptions {
  /** Chance, per step, that the filter applies (one draw for the whole batch, as mlx-lm). */
  probability: number;
  /** Tokens with a probability above this are candidates for removal. */
  threshold: number;
  /** Token ids never removed (e.g. end of sequence, newline). */
  specialTokens?: readonly number[];
  /** Key for the per-step draw; the global random sequence when absent. */
  key?: mx.Array;
}

export function applyXtc(logprobs: mx.Array, options: XtcOptions): mx.Array {
  const { key, ...rest } = options;
  return mx.tidy(() => applyXtcWithDraw(logprobs, mx.random.uniform({ key }), rest));
}

/** applyXtc with its per-step uniform draw (a scalar in [0, 1)) given, for compiled samplers. */
export function applyXtcWithDraw(logprobs: mx.Array, draw: mx.Array, options: Omit<XtcOptions, 'key'>): mx.Array {
  const { probability, threshold, specialTokens = [] } = options;
  return mx.tidy(() => {
    const probs = mx.softmax(logprobs, -1);
    const smallestAbove = mx.min(mx.where(mx.greater(probs, threshold), probs, Infinity), -1, true);
    let mask = mx.greater(probs, smallestAbove);
    if (specialTokens.length > 0) {
      mask = mx.putAlongAxis(mask, mx.array([specialTokens as number[]], 'int32'), false, -1);
    }
    return mx.where(mx.greater(draw, probability), logprobs, mx.where(mask, -Infinity, logprobs));
  });
}

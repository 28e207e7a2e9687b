// Log-probabilities over the vocabulary.
import * as mx from '@mlx-ts/core';

/** logits − logsumexp(logits) along the last axis: what mlx-lm's generate_step hands its sampler. */
export function logSoftmax(logits: mx.Array): mx.Array {
  return mx.tidy(() => mx.subtract(logits, mx.logsumexp(logits, -1, true)));
}

// Top-k: keep the k most likely tokens of each row (mlx_lm.sample_utils.apply_top_k).
import * as mx from '@mlx-ts/core';

/**
 * Masks all but the `topK` largest log-probabilities of each row with -inf. Among tokens tied at
 * the boundary, the kept ones are those MLX's argpartition puts first (as in mlx-lm). A `topK` of
 * at least the vocabulary size keeps every token (mlx-lm raises instead).
 */
export function applyTopK(logprobs: mx.Array, topK: number): mx.Array {
  const [batch, vocabulary] = logprobs.shape;
  if (topK >= vocabulary) return logprobs;
  return mx.tidy(() => {
    const ranked = mx.argpartition(mx.negative(logprobs), topK - 1, -1);
    const dropped = mx.slice(ranked, [0, topK], [batch, vocabulary]);
    return mx.putAlongAxis(logprobs, dropped, -Infinity, -1);
  });
}

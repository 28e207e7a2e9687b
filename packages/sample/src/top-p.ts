// Top-p (nucleus): keep the smallest set of most likely tokens whose mass reaches p
// (mlx_lm.sample_utils.apply_top_p).
import * as mx from '@mlx-ts/core';

/**
 * Masks with -inf every token below the nucleus of mass `topP`. The mass is measured relative to
 * what the row still holds, so the filter also works after an earlier filter removed tokens.
 */
export function applyTopP(logprobs: mx.Array, topP: number): mx.Array {
  const [batch] = logprobs.shape;
  return mx.tidy(() => {
    const sorted = mx.sort(logprobs, -1);
    const sortedProbs = mx.exp(mx.astype(sorted, 'float32'));
    const massAbove = mx.cumsum(sortedProbs, -1, { reverse: true, inclusive: false });
    const first = (a: mx.Array) => mx.slice(a, [0, 0], [batch, 1]);
    const totalMass = mx.add(first(massAbove), first(sortedProbs));
    const numDropped = mx.sum(mx.greaterEqual(massAbove, mx.multiply(totalMass, topP)), -1, true);
    const threshold = mx.takeAlongAxis(sorted, numDropped, -1);
    return mx.where(mx.less(logprobs, threshold), -Infinity, logprobs);
  });
}

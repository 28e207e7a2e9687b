// Min-p: keep tokens whose probability is at least min_p times the top token's
// (mlx_lm.sample_utils.apply_min_p).
import * as mx from '@mlx-ts/core';

/**
 * Masks with -inf the tokens whose probability is below `minP` × the most likely token's; the
 * `minTokensToKeep` most likely tokens always survive.
 */
export function applyMinP(logprobs: mx.Array, minP: number, minTokensToKeep = 1): mx.Array {
  const [batch, vocabulary] = logprobs.shape;
  return mx.tidy(() => {
    const top = mx.max(logprobs, -1, true);
    let remove = mx.less(logprobs, mx.add(top, Math.log(minP)));
    const keep = Math.min(minTokensToKeep, vocabulary);
    if (keep > 1) {
      const ranked = mx.argpartition(logprobs, vocabulary - keep, -1);
      const best = mx.slice(ranked, [0, vocabulary - keep], [batch, vocabulary]);
      remove = mx.putAlongAxis(remove, best, false, -1);
    }
    return mx.where(remove, -Infinity, logprobs);
  });
}

// The token draw of mx.random.categorical, split so that the uniform noise is an input: the
// sampler then compiles the whole step, and top-k draws among its k candidates only.
import * as mx from '@mlx-ts/core';

/** -log(-log(u)): MLX's gumbel, op for op, so the same uniform gives the same noise bit for bit. */
function gumbel(uniform: mx.Array): mx.Array {
  return mx.negative(mx.log(mx.negative(mx.log(uniform))));
}

/**
 * What `mx.random.categorical(scaled)` returns when its gumbel noise comes from `uniform`
 * ([B, V], drawn as categorical draws it): argmax(gumbel + scaled) along the last axis, uint32 [B].
 */
export function gumbelArgmax(scaled: mx.Array, uniform: mx.Array): mx.Array {
  return mx.argmax(mx.add(gumbel(uniform), scaled), -1);
}

/**
 * categorical(topK-masked logprobs × inverseTemperature) without the mask or the noise of the
 * dropped tokens: they are -inf and never win, so only the k candidates are looked at. The
 * candidates are the ones apply_top_k keeps (the same argpartition), in ascending id order so
 * that equal scores resolve to the lowest id, as argmax over the whole row does. Token ids [B].
 */
export function gumbelArgmaxTopK(logprobs: mx.Array, topK: number, inverseTemperature: number, uniform: mx.Array): mx.Array {
  const [batch] = logprobs.shape;
  const ranked = mx.argpartition(mx.negative(logprobs), topK - 1, -1);
  const candidates = mx.sort(mx.slice(ranked, [0, 0], [batch, topK]), -1);
  const scaled = mx.multiply(mx.takeAlongAxis(logprobs, candidates, -1), inverseTemperature);
  const best = mx.argmax(mx.add(gumbel(mx.takeAlongAxis(uniform, candidates, -1)), scaled), -1, true);
  return mx.reshape(mx.takeAlongAxis(candidates, best, -1), [batch]);
}

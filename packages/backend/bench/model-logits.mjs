// For the drift benches: a model's float32 logits (host copy) at the last of `tokens` after
// feeding them into `cache`, and the index of a row's largest logit.
import * as mx from '@mlx-ts/core';

export function lastLogits(model, tokens, cache) {
  return mx.tidy(() => {
    const hidden = model.forward(mx.array(Int32Array.from(tokens), 'int32', [1, tokens.length]), cache);
    const last = mx.reshape(mx.take(hidden, mx.array([tokens.length - 1], 'int32'), 1), [1, -1]);
    const logits = model.unembed(last);
    mx.eval(logits, ...cache.flatMap((c) => [...c.state]));
    return logits.toTypedArray();
  });
}

export function argmax(a) {
  let best = 0;
  for (let i = 1; i < a.length; i++) if (a[i] > a[best]) best = i;
  return best;
}

// Log-probabilities of the chosen tokens and of the N most likely ones.
import * as mx from '@mlx-ts/core';
import { SampleInputError } from './errors.js';
import { logSoftmax } from './log-softmax.js';
import { vocabularySize } from './validate.js';

export interface TopLogprobs {
  /** Token ids [B, N] (int32), most likely first; equal values ordered by the lower id. */
  ids: mx.Array;
  /** Their log-probabilities [B, N]. */
  values: mx.Array;
}

export interface Logprobs {
  /** Log-probability of each row's chosen token, [B]. */
  logprob: mx.Array;
  /** The topN most likely tokens, when topN was given. */
  top?: TopLogprobs;
}

/**
 * The N largest entries of each row of `logprobs` [B, V], ordered by value then id, in O(V):
 * the N-th largest value (the boundary) is found with a partition; every token above it is
 * taken, and the lowest ids among those equal to it fill the rest (a full sort of a 262k
 * vocabulary would cost far more than the step).
 */
export function topLogprobs(logprobs: mx.Array, topN: number): TopLogprobs {
  const [batch, vocabulary] = logprobs.shape;
  const n = Math.min(topN, vocabulary);
  return mx.tidy(() => {
    const boundary = mx.slice(mx.partition(logprobs, vocabulary - n, -1), [0, vocabulary - n], [batch, vocabulary - n + 1]);
    // One int32 rank key per token: above the boundary → id − V, equal to it → id, below → id + V.
    // The n smallest keys are then exactly the chosen tokens (all those above, the lowest-id ties),
    // found with a second partition instead of ranking the ties with scans and a scatter over V.
    const allIds = mx.arange(vocabulary);
    const key = mx.where(
      mx.greater(logprobs, boundary),
      mx.subtract(allIds, vocabulary),
      mx.where(mx.equal(logprobs, boundary), allIds, mx.add(allIds, vocabulary)),
    );
    const chosenKeys = mx.sort(mx.slice(mx.partition(key, n - 1, -1), [0, 0], [batch, n]), -1);
    const idsByKey = mx.where(mx.less(chosenKeys, 0), mx.add(chosenKeys, vocabulary), chosenKeys);
    const valuesByKey = mx.takeAlongAxis(logprobs, idsByKey, -1);
    // Equal values share a key group (above or tied), where keys follow ids: a stable sort by
    // descending value keeps them in id order.
    const order = mx.argsort(mx.negative(valuesByKey), -1);
    return { ids: mx.takeAlongAxis(idsByKey, order, -1), values: mx.takeAlongAxis(valuesByKey, order, -1) };
  });
}

// One compiled step per topN (the element-wise passes over the vocabulary fuse into one);
// a handful of distinct topN values is the norm, so old entries are simply dropped past a few.
const compiledByTopN = new Map<number, mx.CompiledFunction<(logits: mx.Array, index: mx.Array) => mx.Array[]>>();
const maxCompiled = 8;

function compiledLogprobs(topN: number) {
  let step = compiledByTopN.get(topN);
  if (step === undefined) {
    step = mx.compile((logits: mx.Array, index: mx.Array): mx.Array[] => {
      const all = logSoftmax(logits);
      const logprob = mx.reshape(mx.takeAlongAxis(all, index, -1), [index.shape[0]]);
      if (topN === 0) return [logprob];
      const top = topLogprobs(all, topN);
      return [logprob, top.ids, top.values];
    });
    if (compiledByTopN.size >= maxCompiled) {
      const [oldest, old] = compiledByTopN.entries().next().value!;
      compiledByTopN.delete(oldest);
      old.dispose();
    }
    compiledByTopN.set(topN, step);
  }
  return step;
}

/**
 * Log-softmax of `logits` [B, V] at `token` [B] and, with `topN`, the topN most likely tokens.
 * Everything stays on the device.
 */
export function logprobs(logits: mx.Array, token: mx.Array, topN?: number): Logprobs {
  const vocabulary = vocabularySize(logits, 'logprobs');
  const [batch] = logits.shape;
  if (token.size !== batch) throw new SampleInputError(`logprobs: expected ${batch} token ids (one per row), got shape [${token.shape.join(', ')}]`);
  if (topN !== undefined && (!Number.isSafeInteger(topN) || topN < 1)) {
    throw new SampleInputError(`logprobs: topN must be a positive integer, got ${topN}`);
  }
  return mx.tidy(() => {
    const index = mx.reshape(mx.astype(token, 'int32'), [batch, 1]);
    const [logprob, ids, values] = compiledLogprobs(topN === undefined ? 0 : Math.min(topN, vocabulary))(logits, index);
    return topN === undefined ? { logprob } : { logprob, top: { ids, values } };
  });
}

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
 * the N-th largest value is found with a partition; every token above it is taken, and the
 * lowest ids among those equal to it fill the rest (a full sort of a 262k vocabulary would
 * cost far more than the step).
 */
export function topLogprobs(logprobs: mx.Array, topN: number): TopLogprobs {
  const [batch, vocabulary] = logprobs.shape;
  const n = Math.min(topN, vocabulary);
  return mx.tidy(() => {
    const boundary = mx.slice(mx.partition(logprobs, vocabulary - n, -1), [0, vocabulary - n], [batch, vocabulary - n + 1]);
    const above = mx.greater(logprobs, boundary);
    const room = mx.subtract(n, mx.sum(above, -1, true));
    const tied = mx.equal(logprobs, boundary);
    const tieRank = mx.cumsum(mx.astype(tied, 'int32'), -1);
    const chosen = mx.logicalOr(above, mx.logicalAnd(tied, mx.lessEqual(tieRank, room)));
    // Exactly n tokens are chosen; scatter their ids, in id order, to slots 0..n-1 (others to slot n).
    const slot = mx.where(chosen, mx.subtract(mx.cumsum(mx.astype(chosen, 'int32'), -1), 1), n);
    const allIds = mx.broadcastTo(mx.arange(vocabulary), [batch, vocabulary]);
    const scattered = mx.putAlongAxis(mx.zeros([batch, n + 1], 'int32'), slot, allIds, -1);
    const idsByIndex = mx.slice(scattered, [0, 0], [batch, n]);
    const valuesByIndex = mx.takeAlongAxis(logprobs, idsByIndex, -1);
    // A stable sort by descending value keeps equal values in id order.
    const order = mx.argsort(mx.negative(valuesByIndex), -1);
    return { ids: mx.takeAlongAxis(idsByIndex, order, -1), values: mx.takeAlongAxis(valuesByIndex, order, -1) };
  });
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
    const all = logSoftmax(logits);
    const index = mx.reshape(mx.astype(token, 'int32'), [batch, 1]);
    const logprob = mx.reshape(mx.takeAlongAxis(all, index, -1), [batch]);
    if (topN === undefined) return { logprob };
    return { logprob, top: topLogprobs(all, Math.min(topN, vocabulary)) };
  });
}

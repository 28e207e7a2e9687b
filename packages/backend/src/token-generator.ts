// The decode loop, shaped like mlx-lm's generate_step: chunked prefill, logits of the last
// position only, sampling on the device, and one step always in flight: step n+1 is built from
// token n while it is still on the device and scheduled before token n is read, so the host
// work of a step overlaps the device work of the previous one.
import * as mx from '@mlx-ts/core';
import type { KVCache } from '@mlx-ts/cache';
import type { LanguageModel } from '@mlx-ts/models';
import { type LogitsProcessor, type Sampler, logprobs as computeLogprobs } from '@mlx-ts/sample';

export interface GeneratedToken {
  id: number;
  logprob?: number;
  top?: { ids: number[]; logprobs: number[] };
}

export interface TokenGeneratorOptions {
  model: LanguageModel;
  cache: readonly KVCache[];
  sampler: Sampler;
  processors: readonly LogitsProcessor[];
  maxTokens: number;
  /** Prompt tokens are processed in chunks of this many (bounds the attention scores' memory). */
  prefillChunkSize?: number;
  logprobs?: boolean;
  topLogprobs?: number;
  signal?: AbortSignal;
  /** Called once the prompt is in the cache, before the first token is sampled. */
  onPromptProcessed?: () => void;
  /** Every id fed to the model through the cache, in order (prompt suffix, then generated tokens). */
  onFed?: (ids: readonly number[]) => void;
}

interface Step {
  token: mx.Array;
  logprob?: mx.Array;
  topIds?: mx.Array;
  topValues?: mx.Array;
}

const CLEAR_CACHE_EVERY = 256;

function cacheArrays(cache: readonly KVCache[]): mx.Array[] {
  return cache.flatMap((c) => [...c.state]);
}

function stepArrays(step: Step): mx.Array[] {
  return [step.token, step.logprob, step.topIds, step.topValues].filter((a): a is mx.Array => a !== undefined);
}

/**
 * Yields generated tokens for `promptIds` (the part of the prompt not already in `cache`; at
 * least one token). Stops after maxTokens or when the consumer stops iterating; the caller
 * decides about end-of-sequence tokens and stop strings.
 */
export async function* generateTokens(promptIds: readonly number[], options: TokenGeneratorOptions): AsyncGenerator<GeneratedToken> {
  const { model, cache, sampler, processors, maxTokens, signal } = options;
  const chunkSize = options.prefillChunkSize ?? 2048;
  if (promptIds.length === 0) throw new RangeError('generateTokens needs at least one prompt token to process');
  if (maxTokens <= 0) return;

  // Prefill in chunks while more than one chunk is left; the last chunk goes through the first
  // decode step, which computes the logits of its last position only (as mlx-lm does).
  let rest = promptIds;
  while (rest.length > chunkSize) {
    signal?.throwIfAborted();
    const chunk = rest.slice(0, chunkSize);
    mx.tidy(() => {
      model.forward(mx.array([[...chunk]], 'int32'), cache);
    });
    await mx.asyncEval(cacheArrays(cache));
    options.onFed?.(chunk);
    mx.memory.clearCache();
    rest = rest.slice(chunkSize);
  }

  const wantLogprobs = options.logprobs === true;
  const topN = wantLogprobs ? (options.topLogprobs ?? 0) : 0;
  const step = (input: mx.Array): Step =>
    mx.tidy(() => {
      const hidden = model.forward(input, cache);
      const length = hidden.shape[1];
      const last = length > 1 ? mx.slice(hidden, [0, length - 1, 0], [1, length, hidden.shape[2]]) : hidden;
      let logits = mx.reshape(model.unembed(last), [1, -1]);
      for (const processor of processors) logits = processor.process(logits);
      const token = sampler(logits);
      for (const processor of processors) processor.didSample?.(token);
      const out: Step = { token };
      if (wantLogprobs) {
        const lp = computeLogprobs(logits, token, topN > 0 ? topN : undefined);
        out.logprob = lp.logprob;
        if (lp.top) {
          out.topIds = lp.top.ids;
          out.topValues = lp.top.values;
        }
      }
      return out;
    });

  signal?.throwIfAborted();
  const promptTail = mx.array([[...rest]], 'int32');
  let current: Step;
  try {
    current = step(promptTail);
  } finally {
    promptTail.dispose();
  }
  let pending = mx.asyncEval(stepArrays(current), cacheArrays(cache));
  options.onFed?.(rest);
  let next: Step | undefined;
  try {
    for (let n = 0; n < maxTokens; n++) {
      if (n === 0) {
        await pending;
        options.onPromptProcessed?.();
      }
      // Schedule step n+1 from token n, still on the device, before reading token n.
      let nextPending: Promise<void> | undefined;
      if (n + 1 < maxTokens && !signal?.aborted) {
        const input = mx.reshape(current.token, [1, 1]);
        next = step(input);
        input.dispose();
        nextPending = mx.asyncEval(stepArrays(next));
      }
      await pending;
      const generated: GeneratedToken = { id: Number(current.token.item()) };
      if (current.logprob) generated.logprob = Number(current.logprob.item());
      if (current.topIds && current.topValues) {
        generated.top = {
          ids: Array.from(current.topIds.toTypedArray() as Int32Array | Uint32Array, Number),
          logprobs: Array.from(current.topValues.toTypedArray() as Float32Array),
        };
      }
      mx.dispose(stepArrays(current));
      if (next) options.onFed?.([generated.id]);
      yield generated;
      if (!next) break;
      current = next;
      next = undefined;
      pending = nextPending!;
      if ((n + 1) % CLEAR_CACHE_EVERY === 0) mx.memory.clearCache();
    }
  } finally {
    if (next) {
      // The scheduled step already fed its token to the cache; let it finish before the cache is reused.
      await mx.asyncEval(stepArrays(next)).catch(() => undefined);
      mx.dispose(stepArrays(next));
    }
    mx.dispose(stepArrays(current));
  }
}

// A logits processor that throws while a step is built (a grammar refusing the token it was
// given) fails its own row, the row that joined the batch at that very step included: its
// request ends with the error instead of waiting forever, the rows beside it go on, and the
// engine keeps serving.
import type * as mx from '@mlx-ts/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type LogitsProcessor, MlxBackend } from '../src/index.js';
import { tinyModelFolder } from './helpers.js';

/** Lets the prefill's sampling through, then throws on the first decode step. */
class ThrowsAtFirstDecode implements LogitsProcessor {
  private calls = 0;
  process(logits: mx.Array): mx.Array {
    if (++this.calls > 1) throw new Error('processor failed at its first decode step');
    return logits;
  }
}

let backend: MlxBackend;

beforeAll(async () => {
  backend = await MlxBackend.load(tinyModelFolder(), { logitsProcessors: (options) => (options.seed === 13 ? [new ThrowsAtFirstDecode()] : []) });
});
afterAll(async () => backend?.dispose());

describe('a step that throws', () => {
  it('fails the request whose row joined at that step', async () => {
    await expect(backend.generate('Hello there', { maxTokens: 6, seed: 13, ignoreEos: true })).rejects.toThrow('processor failed at its first decode step');
    expect(backend.stats()).toMatchObject({ activeSequences: 0, queueDepth: 0 });
  });

  it('leaves the rows beside it running', async () => {
    const [failed, beside] = await Promise.allSettled([
      backend.generate('Hello there', { maxTokens: 6, seed: 13, ignoreEos: true }),
      backend.generate('Something else', { maxTokens: 12, ignoreEos: true }),
    ]);
    expect(failed.status).toBe('rejected');
    expect(beside.status === 'fulfilled' && beside.value.tokenIds.length).toBe(12);
  });

  it('leaves the engine serving', async () => {
    const result = await backend.generate('Hello there', { maxTokens: 4, ignoreEos: true });
    expect(result.tokenIds).toHaveLength(4);
  });
});

// The engine on the tiny random Gemma 3: greedy output against the transformers reference,
// streaming, stop strings across tokens, abort, prompt-prefix reuse, memory over long runs.
import * as mx from '@mlx-ts/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BackendBusyError, type GenerateEvent, InvalidRequestError, MlxBackend } from '../src/index.js';
import { modelsFixtures, readJson, tinyModelFolder } from './helpers.js';

interface TinyReference {
  promptIds: number[];
  decode: { inputId: number; nextId: number }[];
}

const reference = readJson<TinyReference>(`${modelsFixtures}/tiny-gemma3-reference.json`);

let backend: MlxBackend;
beforeAll(async () => {
  backend = await MlxBackend.load(tinyModelFolder(), { dtype: 'float32' });
});
afterAll(async () => {
  await backend?.dispose();
});

async function collect(events: AsyncIterable<GenerateEvent>): Promise<{ deltas: string[]; done: Extract<GenerateEvent, { type: 'done' }> }> {
  const deltas: string[] = [];
  for await (const event of events) {
    if (event.type === 'text') deltas.push(event.text);
    else if (event.type === 'done') return { deltas, done: event };
  }
  throw new Error('the stream ended without a done event');
}

describe('tiny Gemma 3 through MlxBackend', () => {
  it('greedy generation from token ids equals the transformers reference', async () => {
    const expected = [reference.decode[0].inputId, ...reference.decode.map((d) => d.nextId)];
    const result = await backend.generate(reference.promptIds, { maxTokens: expected.length, ignoreEos: true });
    expect(result.tokenIds).toEqual(expected);
    expect(result.finishReason).toBe('length');
    expect(result.usage.promptTokens).toBe(reference.promptIds.length);
    expect(result.usage.completionTokens).toBe(expected.length);
  });

  it('chunked prefill (chunks shorter and longer than the sliding window) gives the same tokens', async () => {
    const expected = [reference.decode[0].inputId, ...reference.decode.map((d) => d.nextId)];
    for (const prefillChunkSize of [7, 24]) {
      const chunked = await MlxBackend.load(tinyModelFolder(), { dtype: 'float32', prefillChunkSize });
      try {
        const result = await chunked.generate(reference.promptIds, { maxTokens: expected.length, ignoreEos: true });
        expect(result.tokenIds, `prefill chunks of ${prefillChunkSize}`).toEqual(expected);
      } finally {
        await chunked.dispose();
      }
    }
  });

  it('streamed deltas concatenate to the non-streamed text', async () => {
    const options = { maxTokens: 40, ignoreEos: true };
    const whole = await backend.generate('Once upon a time', options);
    const { deltas, done } = await collect(backend.stream({ prompt: 'Once upon a time', ...options }));
    expect(deltas.join('')).toBe(whole.text);
    expect(done.finishReason).toBe(whole.finishReason);
    expect(done.usage.completionTokens).toBe(whole.tokenIds.length);
    expect('text' in done, 'the done event does not repeat the text').toBe(false);
    expect(whole.text.length).toBeGreaterThan(0);
  });

  it('a stop string split across tokens ends the text right before it', async () => {
    const free = await backend.generate('The quick brown', { maxTokens: 30, ignoreEos: true });
    // Pick a stop string that spans the boundary between the 4th and 5th generated tokens.
    const pieces = free.tokenIds.map((_, i) => backend.tokenizer.decode(free.tokenIds.slice(0, i + 1)));
    const boundary = pieces[3].length;
    const stop = free.text.slice(boundary - 1, boundary + 1);
    expect(stop.length).toBe(2);
    const expectedText = free.text.slice(0, free.text.indexOf(stop));
    const { deltas, done } = await collect(backend.stream({ prompt: 'The quick brown', maxTokens: 30, ignoreEos: true, stop: [stop] }));
    expect(done.finishReason).toBe('stop');
    expect(deltas.join('')).toBe(expectedText);
    expect(deltas.join('')).not.toContain(stop);
  });

  it('an abort stops generation within one token', async () => {
    const controller = new AbortController();
    let texts = 0;
    let idsAtAbort = 0;
    let done: Extract<GenerateEvent, { type: 'done' }> | undefined;
    for await (const event of backend.stream({ prompt: 'Hello world', maxTokens: 500, ignoreEos: true }, controller.signal)) {
      if (event.type === 'text') {
        idsAtAbort += event.tokenIds.length;
        if (++texts === 3) controller.abort();
      }
      if (event.type === 'done') done = event;
    }
    expect(done?.finishReason).toBe('abort');
    // The tokens seen when the abort came, plus at most the one already in flight.
    expect(done!.usage.completionTokens).toBeGreaterThanOrEqual(idsAtAbort);
    expect(done!.usage.completionTokens).toBeLessThanOrEqual(idsAtAbort + 1);
  });

  it('a follow-up chat turn reuses the KV prefix and gives the same output as without it', async () => {
    const first = [{ role: 'user' as const, content: 'Tell me about cats.' }];
    const turn1 = await backend.chat(first, { maxTokens: 12 });
    const second = [...first, { role: 'assistant' as const, content: turn1.text }, { role: 'user' as const, content: 'And dogs?' }];
    const turn2 = await backend.chat(second, { maxTokens: 12, ignoreEos: true });
    expect(turn2.usage.cachedPromptTokens).toBeGreaterThan(10);
    const fresh = await MlxBackend.load(tinyModelFolder(), { dtype: 'float32' });
    try {
      const uncached = await fresh.chat(second, { maxTokens: 12, ignoreEos: true });
      expect(uncached.usage.cachedPromptTokens).toBe(0);
      expect(turn2.tokenIds).toEqual(uncached.tokenIds);
    } finally {
      await fresh.dispose();
    }
  });

  it('reuse is correct on sliding-window layers after the window wrapped (prompt longer than the window)', async () => {
    // The tiny model's window is 16 tokens: a long first turn wraps the rotating caches.
    const first = [{ role: 'user' as const, content: 'The quick brown fox jumps over the lazy dog. '.repeat(4) }];
    const turn1 = await backend.chat(first, { maxTokens: 20, ignoreEos: true });
    const second = [...first, { role: 'assistant' as const, content: turn1.text }, { role: 'user' as const, content: 'Hello world again' }];
    const turn2 = await backend.chat(second, { maxTokens: 16, ignoreEos: true });
    const fresh = await MlxBackend.load(tinyModelFolder(), { dtype: 'float32' });
    try {
      const uncached = await fresh.chat(second, { maxTokens: 16, ignoreEos: true });
      expect(turn2.tokenIds).toEqual(uncached.tokenIds);
      expect(turn2.usage.cachedPromptTokens).toBeGreaterThan(0);
    } finally {
      await fresh.dispose();
    }
  });

  it('bad options are InvalidRequestError naming the option; the backend keeps working', async () => {
    await expect(backend.generate('hi', { temperature: Number.NaN })).rejects.toSatisfy((e) => InvalidRequestError.isInstance(e) && e.param === 'temperature');
    await expect(backend.generate('hi', { maxTokens: 0 })).rejects.toSatisfy((e) => InvalidRequestError.isInstance(e) && e.param === 'maxTokens');
    await expect(backend.generate('hi', { topP: 1.5 })).rejects.toSatisfy((e) => InvalidRequestError.isInstance(e) && e.param === 'topP');
    await expect(backend.chat([], {})).rejects.toSatisfy((e) => InvalidRequestError.isInstance(e) && e.param === 'messages');
    await expect(backend.generate([1, 2, 99999], {})).rejects.toSatisfy((e) => InvalidRequestError.isInstance(e) && e.param === 'prompt');
    await expect(backend.generate('hi', { maxTokens: 9000 })).rejects.toSatisfy((e) => InvalidRequestError.isInstance(e) && e.param === 'maxTokens');
    const ok = await backend.generate('hi', { maxTokens: 2, ignoreEos: true });
    expect(ok.usage.completionTokens).toBe(2);
  });

  it('past the batch limit, requests queue in FIFO order behind a bound', async () => {
    const small = await MlxBackend.load(tinyModelFolder(), { dtype: 'float32', maxQueue: 1, maxBatch: 1 });
    try {
      const order: number[] = [];
      const a = small.generate('one', { maxTokens: 20, ignoreEos: true }).then(() => order.push(1));
      const b = small.generate('two', { maxTokens: 5, ignoreEos: true }).then(() => order.push(2));
      await expect(small.generate('three', { maxTokens: 5 })).rejects.toSatisfy((e) => BackendBusyError.isInstance(e));
      await Promise.all([a, b]);
      expect(order).toEqual([1, 2]);
    } finally {
      await small.dispose();
    }
  });

  it('seeded sampling is reproducible', async () => {
    const options = { maxTokens: 16, temperature: 0.9, topP: 0.95, seed: 1234, ignoreEos: true };
    const a = await backend.generate('Hello', options);
    const b = await backend.generate('Hello', options);
    expect(a.tokenIds).toEqual(b.tokenIds);
  });

  it('logprobs of greedy tokens are the largest of the top alternatives', async () => {
    const result = await backend.generate('Hello', { maxTokens: 5, logprobs: true, topLogprobs: 3, ignoreEos: true });
    expect(result.logprobs).toHaveLength(5);
    for (const [i, entry] of result.logprobs!.entries()) {
      expect(entry.tokenId).toBe(result.tokenIds[i]);
      expect(entry.logprob).toBeLessThanOrEqual(0);
      expect(entry.top![0].tokenId).toBe(entry.tokenId);
      expect(entry.top![0].logprob).toBeCloseTo(entry.logprob, 5);
    }
  });

  it('2,000 generated tokens and 200 back-to-back requests leave memory and the wrapper count flat', async () => {
    await backend.generate('warm up', { maxTokens: 300, ignoreEos: true });
    // Cached prompt prefixes are kept on purpose (under a budget); measure without them.
    backend.clearPrefixCache();
    mx.memory.clearCache();
    const liveBefore = mx.liveArrayCount();
    const activeBefore = mx.memory.getActiveMemory();
    const long = await backend.generate('Once', { maxTokens: 2000, ignoreEos: true });
    expect(long.usage.completionTokens).toBe(2000);
    for (let i = 0; i < 200; i++) await backend.generate(`request ${i}`, { maxTokens: 3, ignoreEos: true });
    backend.clearPrefixCache();
    mx.memory.clearCache();
    // No growth with work done; the count may fall when the finalizer safety net frees earlier tests' garbage during the run.
    expect(mx.liveArrayCount()).toBeLessThanOrEqual(liveBefore);
    // Allow small allocator slack, not growth with work done.
    expect(mx.memory.getActiveMemory()).toBeLessThanOrEqual(activeBefore + 1024 * 1024);
  });
});

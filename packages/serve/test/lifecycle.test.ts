// Load, overload, disconnect and shutdown on the real model, with a backend that lets no
// request wait (maxQueue 0) beside one running sequence (maxBatch 1), so "the model is free again" is observable from outside.
import type { MlxBackend } from '@mlx-ts/backend';
import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createServer } from '../src/index.js';
import { loadReferenceBackend, modelId, postJson, reference, sseEvents } from './helpers.js';

let backend: MlxBackend;

beforeAll(async () => {
  backend = await loadReferenceBackend({ maxQueue: 0, maxBatch: 1 });
});

afterAll(async () => {
  await backend?.dispose();
});

const messages = reference.chat.messages;
// Greedy, as the mlx-lm reference: the long generations must not end early on a sampled EOS.
const greedy = { temperature: 0 };

/** Starts a long streamed generation and resolves once its first content bytes arrived. */
async function startLongStream(url: string) {
  const response = await postJson(`${url}/v1/chat/completions`, { model: modelId, messages, max_tokens: 400, stream: true });
  const reader = response.body!.getReader();
  await reader.read();
  return { reader, response };
}

describe('while the model loads', () => {
  it('/health and generation answer 503 with Retry-After, then serve', async () => {
    let resolveBackend!: (b: MlxBackend) => void;
    const server = createServer(new Promise<MlxBackend>((resolve) => (resolveBackend = resolve)), { modelId });
    const { url } = await server.listen(0);
    try {
      const health = await fetch(`${url}/health`);
      expect(health.status).toBe(503);
      expect(health.headers.get('retry-after')).toBe('2');
      expect(await health.json()).toMatchObject({ status: 'loading' });
      const early = await postJson(`${url}/v1/chat/completions`, { model: modelId, messages, max_tokens: 1 });
      expect(early.status).toBe(503);
      expect(((await early.json()) as { error: { code: string } }).error.code).toBe('model_loading');
      resolveBackend(backend);
      await new Promise((r) => setImmediate(r));
      expect((await fetch(`${url}/health`)).status).toBe(200);
    } finally {
      await server.close();
    }
  });
});

describe('a busy model', () => {
  it('a full queue answers 429 with Retry-After (RateLimitError); a disconnect frees the model', async () => {
    const server = createServer(backend, { modelId, defaults: greedy });
    const { url } = await server.listen(0);
    try {
      const before = backend.stats().generatedTokens;
      const long = await startLongStream(url);
      const busy = await postJson(`${url}/v1/chat/completions`, { model: modelId, messages, max_tokens: 1 });
      expect(busy.status).toBe(429);
      expect(busy.headers.get('retry-after')).toMatch(/^\d+$/);
      expect(((await busy.json()) as { error: { code: string } }).error.code).toBe('rate_limit_exceeded');
      const client = new OpenAI({ baseURL: `${url}/v1`, apiKey: 'unused', maxRetries: 0 });
      await expect(client.chat.completions.create({ model: modelId, messages, max_tokens: 1 })).rejects.toBeInstanceOf(OpenAI.RateLimitError);

      // The 400-token generation would run for many seconds; closing the connection must stop it:
      // the model takes a request again while the long stream is still far from its 400 tokens.
      await long.reader.cancel();
      let status = 0;
      while (status !== 200) {
        const next = await postJson(`${url}/v1/chat/completions`, { model: modelId, messages, max_tokens: 1 });
        status = next.status;
        await next.body?.cancel();
        if (status !== 200) await new Promise((r) => setTimeout(r, 50));
      }
      expect(backend.stats().activeSequences).toBe(0);
      // Tokens since the long stream started, the 1-token requests included.
      expect(backend.stats().generatedTokens - before).toBeLessThan(400);
    } finally {
      await server.close();
    }
  });
});

describe('graceful drain', () => {
  it('close() lets the running stream finish, refuses new work with 503, then stops listening', async () => {
    const server = createServer(backend, { modelId, defaults: greedy, drainTimeoutMs: 60_000 });
    const { url } = await server.listen(0);
    // Close once the stream has started (its first chunk arrived), so it is running, whatever the machine's speed.
    const response = await postJson(`${url}/v1/chat/completions`, { model: modelId, messages, max_tokens: 48, stream: true });
    const reader = response.body!.getReader();
    const decoder = new TextDecoder();
    const first = await reader.read();
    const closed = server.close();
    const running = (async () => {
      let body = decoder.decode(first.value, { stream: true });
      for (;;) {
        const { value, done } = await reader.read();
        if (done) return body;
        body += decoder.decode(value, { stream: true });
      }
    })();
    const health = await fetch(`${url}/health`);
    expect(health.status).toBe(503);
    expect(await health.json()).toMatchObject({ status: 'draining' });
    const refused = await postJson(`${url}/v1/chat/completions`, { model: modelId, messages, max_tokens: 1 });
    expect(refused.status).toBe(503);
    expect(((await refused.json()) as { error: { code: string } }).error.code).toBe('server_shutting_down');
    const events = sseEvents(await running);
    expect(events.at(-1)).toBe('[DONE]');
    expect(events.at(-2)).toMatchObject({ choices: [{ finish_reason: 'length' }] });
    await closed;
    await expect(fetch(`${url}/health`)).rejects.toThrow();
  });

  it('past the drain timeout, running requests end with a 503 error event', async () => {
    const server = createServer(backend, { modelId, defaults: greedy, drainTimeoutMs: 200 });
    const { url } = await server.listen(0);
    const long = await startLongStream(url);
    await server.close();
    let body = '';
    for (;;) {
      const { value, done } = await long.reader.read();
      if (done) break;
      body += new TextDecoder().decode(value);
    }
    const events = sseEvents(body.slice(body.indexOf('data: ')));
    expect(events.at(-1)).toBe('[DONE]');
    expect(events.at(-2)).toMatchObject({ error: { code: 'server_shutting_down', type: 'service_unavailable' } });
  });
});

// The model's worker thread dies under running requests (an uncaught error in it, as a fatal MLX
// failure would end it): those requests fail with a 503 naming the cause, /health says loading
// while a new worker loads the model again, and the next request gives the greedy text it gave
// before. Restarts are bounded: past the limit the server stays up, /health 503 naming why.
// Also: a prompt that can never fit the KV budget (--max-kv-tokens) is a 400, not a crash.
import type { LightMyRequestResponse } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BackendCrashedError } from '@mlx-ts/backend';
import { createServer, type OpenAIServer, WorkerBackend } from '../src/index.js';
import { tinyModel } from './cli-helpers.js';
import { postJson } from './helpers.js';
import { errorBody, tinyModelId } from './tiny-server.js';

const greedy = { model: tinyModelId, messages: [{ role: 'user', content: 'Write a list of colours' }], max_tokens: 24, temperature: 0 };
/** Runs until aborted or crashed: the end-of-sequence tokens are banned and the context is long. */
const long = { model: tinyModelId, prompt: 'a long story', max_tokens: 1000, logit_bias: { 1: -100, 106: -100 }, stream: true };

async function greedyText(url: string): Promise<string> {
  const response = await postJson(`${url}/v1/chat/completions`, greedy);
  expect(response.status).toBe(200);
  return ((await response.json()) as { choices: { message: { content: string } }[] }).choices[0]!.message.content;
}

/** Opens the long stream and resolves once its first token arrived; `rest` reads the remainder. */
async function runningStream(url: string): Promise<{ rest: Promise<string> }> {
  const response = await postJson(`${url}/v1/completions`, long);
  expect(response.status).toBe(200);
  const reader = response.body!.getReader();
  const decoder = new TextDecoder();
  let text = '';
  while (!text.includes('"text":')) {
    const { value, done } = await reader.read();
    if (done) throw new Error(`the long request ended early: ${text}`);
    text += decoder.decode(value, { stream: true });
  }
  const rest = (async () => {
    for (;;) {
      const { value, done } = await reader.read();
      if (done) return text;
      text += decoder.decode(value, { stream: true });
    }
  })();
  return { rest };
}

async function health(url: string): Promise<{ status: number; body: { status: string; error?: string } }> {
  const response = await fetch(`${url}/health`);
  return { status: response.status, body: (await response.json()) as { status: string; error?: string } };
}

/** Polls /health until it leaves `phase` (a reload is asynchronous; bounded by the test's timeout). */
async function waitWhile(url: string, phase: string): Promise<{ status: number; body: { status: string; error?: string } }> {
  for (;;) {
    const state = await health(url);
    if (state.body.status !== phase) return state;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

describe('the model worker dies under running requests', () => {
  let backend: WorkerBackend;
  let server: OpenAIServer;
  let url: string;
  const restarts: BackendCrashedError[] = [];
  // What the server answered at the moment the new worker began to load (through inject: in process, no socket).
  let atRestart: Promise<[LightMyRequestResponse, LightMyRequestResponse]> | undefined;

  beforeAll(async () => {
    backend = await WorkerBackend.load(tinyModel(), {
      onRestart: (error) => {
        restarts.push(error);
        atRestart ??= Promise.all([
          server.app.inject({ method: 'GET', url: '/health' }),
          server.app.inject({ method: 'POST', url: '/v1/chat/completions', payload: greedy }),
        ]);
      },
    });
    server = createServer(backend, { modelId: tinyModelId });
    ({ url } = await server.listen(0));
  });

  afterAll(async () => {
    await server?.close();
    await backend?.dispose();
  });

  it('fails them with a 503 naming the cause, reloads the model, and serves the same greedy text after', async () => {
    const before = await greedyText(url);
    expect(before.length).toBeGreaterThan(0);

    const streaming = await runningStream(url);
    const nonStreaming = postJson(`${url}/v1/completions`, { ...long, stream: false });
    // Both are in the engine before the crash: the stream has its first token; the other is sent once /health counts it.
    while (((await health(url)).body as { active?: number }).active! < 2) await new Promise((resolve) => setTimeout(resolve, 10));
    backend.crashForTesting('an MLX failure for testing');

    // The stream: an error event naming the cause, then [DONE].
    const text = await streaming.rest;
    expect(text.endsWith('data: [DONE]\n\n')).toBe(true);
    const errorEvent = text
      .split('\n\n')
      .filter((e) => e.startsWith('data: {'))
      .map((e) => JSON.parse(e.slice(6)) as { error?: { message: string; code: string } })
      .find((e) => e.error);
    expect(errorEvent?.error?.code).toBe('model_reloading');
    expect(errorEvent?.error?.message).toMatch(/model worker stopped \(an MLX failure for testing\); it is being restarted/);

    // The non-streaming request: a 503 with Retry-After, in OpenAI's shape.
    const refused = await nonStreaming;
    expect(refused.status).toBe(503);
    expect(refused.headers.get('retry-after')).toBeTruthy();
    const body = await errorBody(refused);
    expect(body.code).toBe('model_reloading');
    expect(body.message).toMatch(/an MLX failure for testing/);

    // While the new worker loaded the model: /health said loading, and a request got 503.
    expect(restarts.map((e) => [BackendCrashedError.isInstance(e), e.reason, e.restarting])).toEqual([[true, 'an MLX failure for testing', true]]);
    const [healthAtRestart, requestAtRestart] = await atRestart!;
    expect(healthAtRestart.statusCode).toBe(503);
    expect(healthAtRestart.json()).toMatchObject({ status: 'loading', error: expect.stringMatching(/being restarted/) });
    expect(requestAtRestart.statusCode).toBe(503);
    expect(requestAtRestart.json().error.code).toBe('model_reloading');

    const reloaded = await waitWhile(url, 'loading');
    expect(reloaded).toMatchObject({ status: 200, body: { status: 'ok' } });
    expect(await greedyText(url)).toBe(before);
    // Streaming works again too.
    const again = await postJson(`${url}/v1/chat/completions`, { ...greedy, stream: true });
    expect(again.status).toBe(200);
    expect(await again.text()).toMatch(/data: \[DONE\]\n\n$/);
  });
});

describe('restarts are bounded', () => {
  it('past the limit the server stays up and /health answers 503 naming why', async () => {
    let restarted!: () => void;
    const restarting = new Promise<void>((resolve) => (restarted = resolve));
    let stopped!: (error: Error) => void;
    const stoppedForGood = new Promise<Error>((resolve) => (stopped = resolve));
    const backend = await WorkerBackend.load(tinyModel(), {
      restart: { max: 1, windowMs: 60_000 },
      onRestart: () => restarted(),
      onCrash: (error) => stopped(error),
    });
    const server = createServer(backend, { modelId: tinyModelId });
    const { url } = await server.listen(0);
    try {
      const before = await greedyText(url);
      backend.crashForTesting('first failure');
      await restarting;
      expect(await waitWhile(url, 'loading')).toMatchObject({ status: 200, body: { status: 'ok' } });
      expect(await greedyText(url)).toBe(before);

      backend.crashForTesting('second failure');
      const gaveUp = await stoppedForGood;
      expect(BackendCrashedError.isInstance(gaveUp)).toBe(true);
      expect(gaveUp.message).toMatch(/second failure.*stopped 2 times within 60 s/);
      const failed = await health(url);
      expect(failed.status).toBe(503);
      expect(failed.body.status).toBe('failed');
      expect(failed.body.error).toMatch(/second failure.*stopped 2 times within 60 s/);
      const refused = await postJson(`${url}/v1/chat/completions`, greedy);
      expect(refused.status).toBe(503);
      expect((await errorBody(refused)).message).toMatch(/second failure/);
      // The HTTP server itself still answers.
      expect((await fetch(`${url}/v1/models`)).status).toBe(200);
    } finally {
      await server.close();
      await backend.dispose();
    }
  });
});

describe('a prompt larger than the KV budget (--max-kv-tokens)', () => {
  let backend: WorkerBackend;
  let server: OpenAIServer;
  let url: string;
  beforeAll(async () => {
    backend = await WorkerBackend.load(tinyModel(), { maxKvTokens: 24 });
    server = createServer(backend, { modelId: tinyModelId });
    ({ url } = await server.listen(0));
  });
  afterAll(async () => {
    await server?.close();
    await backend?.dispose();
  });

  it('is a 400 naming the limit, streaming or not, and the server keeps serving', async () => {
    const prompt = 'word '.repeat(60);
    for (const stream of [false, true]) {
      const response = await postJson(`${url}/v1/completions`, { model: tinyModelId, prompt, max_tokens: 4, stream });
      expect(response.status).toBe(400);
      const error = await errorBody(response);
      expect(error.param).toBe('prompt');
      expect(error.message).toMatch(/KV-cache tokens .* more than the 24 this backend holds .*--max-kv-tokens/);
    }
    const fits = await postJson(`${url}/v1/completions`, { model: tinyModelId, prompt: 'word', max_tokens: 4 });
    expect(fits.status).toBe(200);
    expect((await health(url)).body.status).toBe('ok');
  });
});

// A stream waiting for room in the batch answers 200 at once and sends `: keep-alive` comments
// until its first token, on chat completions, completions and the Responses API; the official
// `openai` client reads such a stream as it reads any other. The model runs on a worker thread
// (as `mlx-ts serve` runs it) with --max-batch 1, so a long first request holds the only row.
import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createServer, type OpenAIServer, WorkerBackend } from '../src/index.js';
import { tinyModel } from './cli-helpers.js';
import { postJson } from './helpers.js';
import { tinyModelId } from './tiny-server.js';

const comment = ': keep-alive\n\n';
let backend: WorkerBackend;
let server: OpenAIServer;
let url: string;

beforeAll(async () => {
  backend = await WorkerBackend.load(tinyModel(), { maxBatch: 1 });
  server = createServer(backend, { modelId: tinyModelId, defaults: { temperature: 0 }, sseKeepAliveMs: 200 });
  ({ url } = await server.listen(0));
});

afterAll(async () => {
  await server?.close();
  await backend?.dispose();
});

/** A request that holds the one row until it is aborted: the end-of-sequence tokens are banned and it may run to the context's end. */
async function occupyTheBatch(): Promise<AbortController> {
  const controller = new AbortController();
  const response = await fetch(`${url}/v1/completions`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ model: tinyModelId, prompt: 'a long story', max_tokens: 1000, logit_bias: { 1: -100, 106: -100 }, stream: true }),
    signal: controller.signal,
  });
  expect(response.status).toBe(200);
  // Running (not merely queued) once its first token arrived.
  const reader = response.body!.getReader();
  const decoder = new TextDecoder();
  let text = '';
  while (!text.includes('"text":')) {
    const { value, done } = await reader.read();
    if (done) throw new Error(`the long request ended early: ${text}`);
    text += decoder.decode(value, { stream: true });
  }
  // Keep reading (the client stays) until the test aborts it.
  void (async () => {
    for (;;) if ((await reader.read()).done) return;
  })().catch(() => undefined);
  return controller;
}

/** Reads `response` to its end; `onComment` runs once, at the first keep-alive comment. */
async function readAll(response: Response, onComment: () => void): Promise<string> {
  const reader = response.body!.getReader();
  const decoder = new TextDecoder();
  let text = '';
  let called = false;
  for (;;) {
    const { value, done } = await reader.read();
    if (done) return text;
    text += decoder.decode(value, { stream: true });
    if (!called && text.includes(comment)) {
      called = true;
      onComment();
    }
  }
}

const routes = [
  { path: '/v1/chat/completions', body: { messages: [{ role: 'user', content: 'Name a colour' }], max_tokens: 8 }, firstData: 'data: {' },
  { path: '/v1/completions', body: { prompt: 'Name a colour', max_tokens: 8 }, firstData: 'data: {' },
  // The Responses API opens with response.created / response.in_progress; the first token is the first output event after them.
  { path: '/v1/responses', body: { input: 'Name a colour', max_output_tokens: 8 }, firstData: 'event: response.output_item.added' },
];

describe('keep-alive comments while a stream is queued', () => {
  for (const route of routes) {
    it(`${route.path}: 200 at once, comments before the first token, then the same stream as alone`, async () => {
      const alone = await postJson(`${url}${route.path}`, { model: tinyModelId, ...route.body, stream: true });
      const aloneText = await alone.text();
      expect(aloneText).not.toContain(comment);
      const long = await occupyTheBatch();
      // fetch resolves with the headers: they come while the long request still holds the batch.
      const queued = await postJson(`${url}${route.path}`, { model: tinyModelId, ...route.body, stream: true });
      expect(queued.status).toBe(200);
      expect(queued.headers.get('content-type')).toMatch(/^text\/event-stream/);
      // The queued stream gets its row only once the long request has gone, after its first comment.
      const text = await readAll(queued, () => long.abort());
      const firstComment = text.indexOf(comment);
      expect(firstComment).toBeGreaterThanOrEqual(0);
      expect(firstComment).toBeLessThan(text.indexOf(route.firstData));
      // Without the comments it is the stream it is alone (ids and timestamps aside).
      const strip = (body: string) =>
        body
          .split(comment)
          .join('')
          .replace(/"(id|created|created_at|item_id)":("[^"]*"|\d+)/g, '"$1":_')
          .replace(/"(msg|resp|chatcmpl|cmpl)_[0-9a-f]+/g, '"$1_');
      expect(strip(text)).toBe(strip(aloneText));
    });
  }

  it('the official openai client parses a stream with keep-alive comments', async () => {
    const messages = [{ role: 'user' as const, content: 'Write a list of colours' }];
    const plain = new OpenAI({ baseURL: `${url}/v1`, apiKey: 'unused', maxRetries: 0 });
    const alone = await plain.chat.completions.create({ model: tinyModelId, messages, max_tokens: 16 });
    // The client's fetch, watched: the test learns of the first comment from the bytes the client reads.
    let sawComment!: () => void;
    const commented = new Promise<void>((resolve) => (sawComment = resolve));
    const watching: typeof fetch = async (input, init) => {
      const response = await fetch(input, init);
      if (!response.body) return response;
      let seen = '';
      const decoder = new TextDecoder();
      const body = response.body.pipeThrough(
        new TransformStream<Uint8Array, Uint8Array>({
          transform(chunk, controller) {
            seen += decoder.decode(chunk, { stream: true });
            if (seen.includes(comment)) sawComment();
            controller.enqueue(chunk);
          },
        }),
      );
      return new Response(body, { status: response.status, headers: response.headers });
    };
    const client = new OpenAI({ baseURL: `${url}/v1`, apiKey: 'unused', maxRetries: 0, fetch: watching });
    const long = await occupyTheBatch();
    const stream = await client.chat.completions.create({
      model: tinyModelId,
      messages,
      max_tokens: 16,
      stream: true,
      stream_options: { include_usage: true },
    });
    void commented.then(() => long.abort());
    let content = '';
    let usage: OpenAI.CompletionUsage | null | undefined;
    let chunks = 0;
    for await (const chunk of stream) {
      chunks++;
      content += chunk.choices[0]?.delta.content ?? '';
      usage = chunk.usage ?? usage;
    }
    await commented;
    expect(chunks).toBeGreaterThan(1);
    expect(content).toBe(alone.choices[0]!.message.content);
    expect(usage?.completion_tokens).toBe(alone.usage?.completion_tokens);
  });

  it('errors found before the request is queued keep their status', async () => {
    const bad = await postJson(`${url}/v1/completions`, { model: tinyModelId, prompt: [2, 999_999], max_tokens: 4, stream: true });
    expect(bad.status).toBe(400);
  });
});

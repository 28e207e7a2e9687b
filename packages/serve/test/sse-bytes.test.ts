// The SSE bytes on the wire, read with plain fetch: OpenAI's exact chunk shapes and order,
// `data: [DONE]` last, and a failure after the first byte sent as an error event before it.
import type { MlxBackend } from '@mlx-ts/backend';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createServer, type OpenAIServer } from '../src/index.js';
import { loadReferenceBackend, modelId, postJson, reference, sseEvents } from './helpers.js';

let backend: MlxBackend;
let server: OpenAIServer;
let url: string;

beforeAll(async () => {
  backend = await loadReferenceBackend();
  // The mlx-lm reference is greedy: omitted temperatures mean 0 here (the server's own default is OpenAI's 1).
  server = createServer(backend, { modelId, defaults: { temperature: 0 } });
  ({ url } = await server.listen(0));
});

afterAll(async () => {
  await server?.close();
  await backend?.dispose();
});

type Chunk = Record<string, unknown> & { choices: Record<string, unknown>[] };

describe('chat completion stream', () => {
  it('is role chunk, content chunks, finish chunk, [DONE] — nothing else', async () => {
    const response = await postJson(`${url}/v1/chat/completions`, {
      model: modelId,
      messages: reference.chat.messages,
      max_tokens: reference.maxTokens,
      stream: true,
    });
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toMatch(/^text\/event-stream/);
    expect(response.headers.get('x-request-id')).toMatch(/^req_/);
    const body = await response.text();
    expect(body.endsWith('\n\ndata: [DONE]\n\n')).toBe(true);
    expect(
      body
        .split('\n\n')
        .slice(0, -1)
        .every((event) => /^data: [^\n]+$/.test(event)),
    ).toBe(true);

    const events = sseEvents(body);
    expect(events.at(-1)).toBe('[DONE]');
    const chunks = events.slice(0, -1) as Chunk[];
    for (const chunk of chunks) {
      expect(Object.keys(chunk).sort()).toEqual(['choices', 'created', 'id', 'model', 'object', 'system_fingerprint']);
      expect(chunk.object).toBe('chat.completion.chunk');
      expect(chunk.id).toBe(chunks[0].id);
      expect(chunk.created).toBe(chunks[0].created);
      expect(chunk.choices).toHaveLength(1);
    }
    expect(chunks[0].choices[0]).toEqual({ index: 0, delta: { role: 'assistant', content: '' }, logprobs: null, finish_reason: null });
    const content = chunks.slice(1, -1);
    for (const chunk of content) {
      expect(Object.keys(chunk.choices[0].delta as object)).toEqual(['content']);
      expect(chunk.choices[0].finish_reason).toBeNull();
    }
    expect(content.map((chunk) => (chunk.choices[0].delta as { content: string }).content).join('')).toBe(reference.chat.text);
    expect(chunks.at(-1)!.choices[0]).toEqual({ index: 0, delta: {}, logprobs: null, finish_reason: 'length' });
  });

  it('with include_usage: usage null on every chunk, then a choices-less usage chunk', async () => {
    const response = await postJson(`${url}/v1/chat/completions`, {
      model: modelId,
      messages: reference.chat.messages,
      max_tokens: 3,
      stream: true,
      stream_options: { include_usage: true },
    });
    const chunks = sseEvents(await response.text()).slice(0, -1) as Chunk[];
    expect(chunks.slice(0, -1).every((chunk) => chunk.usage === null)).toBe(true);
    expect(chunks.at(-1)).toMatchObject({
      choices: [],
      usage: { prompt_tokens: reference.chat.promptTokens, completion_tokens: 3, total_tokens: reference.chat.promptTokens + 3 },
    });
  });

  it('an error known before the stream starts is a plain JSON response, not SSE', async () => {
    const response = await postJson(`${url}/v1/chat/completions`, { model: 'nope', messages: reference.chat.messages, stream: true });
    expect(response.status).toBe(404);
    expect(response.headers.get('content-type')).toMatch(/^application\/json/);
    expect(await response.json()).toEqual({
      error: { message: expect.stringContaining("'nope'"), type: 'invalid_request_error', param: 'model', code: 'model_not_found' },
    });
  });
});

describe('completion stream', () => {
  it('is text chunks, a finish chunk with empty text, [DONE]', async () => {
    const response = await postJson(`${url}/v1/completions`, {
      model: modelId,
      prompt: reference.completion.prompt,
      max_tokens: reference.maxTokens,
      stream: true,
    });
    const events = sseEvents(await response.text());
    expect(events.at(-1)).toBe('[DONE]');
    const chunks = events.slice(0, -1) as Chunk[];
    expect(chunks.every((chunk) => chunk.object === 'text_completion')).toBe(true);
    expect(
      chunks
        .slice(0, -1)
        .map((chunk) => chunk.choices[0].text)
        .join(''),
    ).toBe(reference.completion.text);
    expect(chunks.at(-1)!.choices[0]).toEqual({ index: 0, text: '', logprobs: null, finish_reason: 'length' });
  });

  it('a failure after the first byte is an error event, then [DONE]', async () => {
    // The second prompt holds a token id this model does not have: the backend rejects it
    // only when its turn comes, after the first prompt's choice has streamed.
    const response = await postJson(`${url}/v1/completions`, {
      model: modelId,
      prompt: [
        [2, 651],
        [2, 999_999_999],
      ],
      max_tokens: 2,
      stream: true,
    });
    expect(response.status).toBe(200);
    const events = sseEvents(await response.text());
    expect(events.at(-1)).toBe('[DONE]');
    expect(events.at(-2)).toEqual({ error: { message: expect.stringContaining('token ids'), type: 'invalid_request_error', param: 'prompt', code: null } });
    const chunks = events.slice(0, -2) as Chunk[];
    expect(chunks.at(-1)!.choices[0]).toMatchObject({ index: 0, finish_reason: 'length' });
  });
});

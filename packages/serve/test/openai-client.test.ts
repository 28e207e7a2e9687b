// The official `openai` client against the server on the real Gemma 3 270M; expected texts,
// token counts and log-probabilities come from mlx-lm (test/fixtures/serve-reference.json).
import type { MlxBackend } from '@mlx-ts/backend';
import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createServer, type OpenAIServer } from '../src/index.js';
import { loadReferenceBackend, modelId, reference } from './helpers.js';

let backend: MlxBackend;
let server: OpenAIServer;
let client: OpenAI;
let url: string;

beforeAll(async () => {
  backend = await loadReferenceBackend();
  // The mlx-lm reference is greedy: omitted temperatures mean 0 here (the server's own default is OpenAI's 1).
  server = createServer(backend, { modelId, defaults: { temperature: 0 } });
  ({ url } = await server.listen(0));
  client = new OpenAI({ baseURL: `${url}/v1`, apiKey: 'unused', maxRetries: 0 });
});

afterAll(async () => {
  await server?.close();
  await backend?.dispose();
});

const chat = reference.chat;
// float32 on both sides, but different kernels and chunking: log-probabilities agree to ~1e-2.
const expectClose = (actual: number, expected: number) => expect(Math.abs(actual - expected)).toBeLessThan(0.02);
const completion = reference.completion;

describe('models', () => {
  it('lists the allowed model id and retrieves it', async () => {
    const page = await client.models.list();
    expect(page.data.map((m) => [m.id, m.object, m.owned_by])).toEqual([[modelId, 'model', 'mlx-ts']]);
    expect((await client.models.retrieve(modelId)).id).toBe(modelId);
    await expect(client.models.retrieve('gpt-4o')).rejects.toBeInstanceOf(OpenAI.NotFoundError);
  });
});

describe('chat completions', () => {
  it('answers greedily with the reference text, usage and OpenAI fields', async () => {
    const response = await client.chat.completions.create({ model: modelId, messages: chat.messages, max_tokens: reference.maxTokens, temperature: 0 });
    expect(response.object).toBe('chat.completion');
    expect(response.id).toMatch(/^chatcmpl-/);
    expect(response.model).toBe(modelId);
    expect(response.system_fingerprint).toMatch(/^fp_mlx_ts_/);
    expect(response._request_id).toMatch(/^req_/);
    expect(response.choices).toHaveLength(1);
    expect(response.choices[0].message.role).toBe('assistant');
    expect(response.choices[0].message.content).toBe(chat.text);
    expect(response.choices[0].finish_reason).toBe('length');
    expect(response.usage).toMatchObject({
      prompt_tokens: chat.promptTokens,
      completion_tokens: reference.maxTokens,
      total_tokens: chat.promptTokens + reference.maxTokens,
    });
    expect(response.usage?.prompt_tokens_details?.cached_tokens).toBeTypeOf('number');
  });

  it('streams the same text with include_usage: role first, one finish chunk, then usage', async () => {
    const stream = await client.chat.completions.create({
      model: modelId,
      messages: chat.messages,
      max_completion_tokens: reference.maxTokens,
      stream: true,
      stream_options: { include_usage: true },
    });
    const chunks = [];
    for await (const chunk of stream) chunks.push(chunk);
    expect(new Set(chunks.map((c) => c.id)).size).toBe(1);
    expect(chunks.every((c) => c.object === 'chat.completion.chunk')).toBe(true);
    expect(chunks[0].choices[0].delta.role).toBe('assistant');
    expect(chunks.slice(1).every((c) => c.choices.every((choice) => choice.delta.role === undefined))).toBe(true);
    const text = chunks.flatMap((c) => c.choices.map((choice) => choice.delta.content ?? '')).join('');
    expect(text).toBe(chat.text);
    const finishes = chunks.flatMap((c) => c.choices.filter((choice) => choice.finish_reason !== null));
    expect(finishes.map((choice) => choice.finish_reason)).toEqual(['length']);
    const last = chunks.at(-1)!;
    expect(last.choices).toEqual([]);
    expect(last.usage).toMatchObject({
      prompt_tokens: chat.promptTokens,
      completion_tokens: reference.maxTokens,
      total_tokens: chat.promptTokens + reference.maxTokens,
    });
    expect(chunks.slice(0, -1).every((c) => c.usage === null)).toBe(true);
  });

  it('returns log-probabilities and alternatives matching mlx-lm', async () => {
    const response = await client.chat.completions.create({
      model: modelId,
      messages: chat.messages,
      max_tokens: reference.maxTokens,
      logprobs: true,
      top_logprobs: 3,
    });
    const content = response.choices[0].logprobs!.content!;
    expect(content.map((entry) => entry.token)).toEqual(chat.tokens);
    content.forEach((entry, i) => {
      expectClose(entry.logprob, chat.logprobs[i]);
      expect(entry.bytes).toEqual([...Buffer.from(chat.tokens[i], 'utf8')]);
      expect(entry.top_logprobs.map((top) => top.token)).toEqual(chat.top[i].map((top) => top.token));
      entry.top_logprobs.forEach((top, j) => expectClose(top.logprob, chat.top[i][j].logprob));
    });
  });

  it('stops before a stop string and reports finish_reason stop', async () => {
    const response = await client.chat.completions.create({ model: modelId, messages: chat.messages, max_tokens: reference.maxTokens, stop: [' capital'] });
    expect(response.choices[0].message.content).toBe(chat.text.slice(0, chat.text.indexOf(' capital')));
    expect(response.choices[0].finish_reason).toBe('stop');
  });

  it('gives n choices with their indices; a seed makes sampling reproducible', async () => {
    const request = { model: modelId, messages: chat.messages, max_tokens: 6, temperature: 1, seed: 7, n: 2 };
    const first = await client.chat.completions.create(request);
    const second = await client.chat.completions.create(request);
    expect(first.choices.map((c) => c.index)).toEqual([0, 1]);
    expect(second.choices.map((c) => c.message.content)).toEqual(first.choices.map((c) => c.message.content));
    // Prompt tokens count once per prompt; completion tokens add up over the choices.
    expect(first.usage!.prompt_tokens).toBe(chat.promptTokens);
    expect(first.usage!.completion_tokens).toBeGreaterThan(6);
    expect(first.usage!.completion_tokens).toBeLessThanOrEqual(12);
  });

  it('n choices share one prefill and stream side by side, each with its own finish', async () => {
    const before = backend.stats();
    const stream = await client.chat.completions.create({
      model: modelId,
      messages: chat.messages,
      max_tokens: 5,
      temperature: 1,
      seed: 3,
      n: 3,
      stream: true,
    });
    const texts = ['', '', ''];
    const finishes: (string | null)[] = [null, null, null];
    for await (const chunk of stream)
      for (const choice of chunk.choices) {
        texts[choice.index] += choice.delta.content ?? '';
        if (choice.finish_reason) finishes[choice.index] = choice.finish_reason;
      }
    expect(finishes).toEqual(['length', 'length', 'length']);
    expect(texts.every((text) => text.length > 0)).toBe(true);
    // The prompt went through the model once for the three rows (none of it from the prefix cache).
    const after = backend.stats();
    expect(after.promptTokens + after.cachedPromptTokens - before.promptTokens - before.cachedPromptTokens).toBe(chat.promptTokens);
    expect(after.generatedTokens - before.generatedTokens).toBe(15);
  });
});

describe('completions', () => {
  it('continues a prompt greedily with the reference text', async () => {
    const response = await client.completions.create({ model: modelId, prompt: completion.prompt, max_tokens: reference.maxTokens, temperature: 0 });
    expect(response.object).toBe('text_completion');
    expect(response.id).toMatch(/^cmpl-/);
    expect(response.choices[0].text).toBe(completion.text);
    expect(response.choices[0].finish_reason).toBe('length');
    expect(response.usage).toMatchObject({ prompt_tokens: completion.promptTokens, completion_tokens: reference.maxTokens });
  });

  it('streams and reports legacy logprobs', async () => {
    const stream = await client.completions.create({ model: modelId, prompt: completion.prompt, max_tokens: reference.maxTokens, stream: true, logprobs: 2 });
    let text = '';
    const tokens: string[] = [];
    const logprobs: number[] = [];
    const finishes: (string | null)[] = [];
    for await (const chunk of stream) {
      for (const choice of chunk.choices) {
        text += choice.text;
        tokens.push(...(choice.logprobs?.tokens ?? []));
        logprobs.push(...(choice.logprobs?.token_logprobs ?? []));
        if (choice.finish_reason) finishes.push(choice.finish_reason);
      }
    }
    expect(text).toBe(completion.text);
    expect(tokens).toEqual(completion.tokens);
    logprobs.forEach((value, i) => expectClose(value, completion.logprobs[i]));
    expect(finishes).toEqual(['length']);
  });
});

describe('errors raise the matching client classes', () => {
  it('unknown model → NotFoundError with code model_not_found', async () => {
    const error = await client.chat.completions.create({ model: 'gpt-4o', messages: chat.messages }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(OpenAI.NotFoundError);
    expect((error as InstanceType<typeof OpenAI.NotFoundError>).code).toBe('model_not_found');
  });

  it('an out-of-range value → BadRequestError naming the parameter', async () => {
    const error = await client.chat.completions.create({ model: modelId, messages: chat.messages, top_p: 1.1 }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(OpenAI.BadRequestError);
    expect((error as InstanceType<typeof OpenAI.BadRequestError>).param).toBe('top_p');
  });

  it('an unsupported parameter → BadRequestError naming it', async () => {
    // Audio output would change the answer and is not supported: a 400 naming it, not ignored.
    const error = await client.chat.completions
      .create({ model: modelId, messages: chat.messages, audio: { voice: 'alloy', format: 'wav' } })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(OpenAI.BadRequestError);
    expect((error as InstanceType<typeof OpenAI.BadRequestError>).param).toBe('audio');
  });

  it('an API key is required when configured: AuthenticationError without it, success with it', async () => {
    const guarded = createServer(backend, { modelId, apiKey: 'sk-test-secret' });
    const { url: guardedUrl } = await guarded.listen(0);
    try {
      const wrong = new OpenAI({ baseURL: `${guardedUrl}/v1`, apiKey: 'sk-wrong', maxRetries: 0 });
      await expect(wrong.models.list()).rejects.toBeInstanceOf(OpenAI.AuthenticationError);
      const right = new OpenAI({ baseURL: `${guardedUrl}/v1`, apiKey: 'sk-test-secret', maxRetries: 0 });
      expect((await right.models.list()).data[0].id).toBe(modelId);
      expect((await fetch(`${guardedUrl}/health`)).status).toBe(200);
    } finally {
      await guarded.close();
    }
  });
});

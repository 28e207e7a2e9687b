// The other way in: @ai-sdk/openai-compatible against a running `mlx-ts serve` (the real server,
// in process, over an MlxBackend on the tiny model). Its answers are the engine's own.
import { createOpenAICompatible } from '@ai-sdk/openai-compatible';
import { generateText, streamText } from 'ai';
import { MlxBackend } from '@mlx-ts/backend';
import { createServer, type OpenAIServer } from '@mlx-ts/serve';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tinyModelFolder } from './helpers.js';

const modelId = 'tiny-gemma3';
const messages = [{ role: 'user' as const, content: 'hello world' }];
let backend: MlxBackend;
let server: OpenAIServer;
let baseURL: string;

beforeAll(async () => {
  backend = await MlxBackend.load(tinyModelFolder(), { dtype: 'float32' });
  server = createServer(backend, { modelId, defaults: { temperature: 0 } });
  baseURL = `${(await server.listen(0)).url}/v1`;
});

afterAll(async () => {
  await server?.close();
  await backend?.dispose();
});

function provider() {
  return createOpenAICompatible({ name: 'mlx-ts', baseURL, includeUsage: true });
}

describe('@ai-sdk/openai-compatible against mlx-ts serve', () => {
  it('generateText returns the engine greedy text and usage', async () => {
    const reference = await backend.chat(messages, { maxTokens: 12 });
    const result = await generateText({ model: provider()(modelId), messages, maxOutputTokens: 12, temperature: 0 });
    expect(result.text).toBe(reference.text);
    expect(result.usage.inputTokens).toBe(reference.usage.promptTokens);
    expect(result.usage.outputTokens).toBe(reference.usage.completionTokens);
    expect(result.finishReason).toBe('length');
    expect(result.response.modelId).toBe(modelId);
  });

  it('streamText deltas reassemble into the engine greedy text', async () => {
    const reference = await backend.chat(messages, { maxTokens: 12 });
    const result = streamText({ model: provider()(modelId), messages, maxOutputTokens: 12, temperature: 0 });
    const deltas: string[] = [];
    for await (const delta of result.textStream) deltas.push(delta);
    expect(deltas.length).toBeGreaterThan(1);
    expect(deltas.join('')).toBe(reference.text);
    const usage = await result.usage;
    expect(usage.inputTokens).toBe(reference.usage.promptTokens);
    expect(usage.outputTokens).toBe(reference.usage.completionTokens);
  });

  it('reports the prompt tokens reused from the previous turn (cached_tokens) as cache reads', async () => {
    const model = provider()(modelId);
    const first = await generateText({ model, messages, maxOutputTokens: 8 });
    const second = await generateText({
      model,
      messages: [...messages, { role: 'assistant', content: first.text }, { role: 'user', content: 'and then?' }],
      maxOutputTokens: 8,
    });
    expect(second.usage.inputTokenDetails.cacheReadTokens).toBeGreaterThanOrEqual(first.usage.inputTokens!);
    expect(second.usage.inputTokenDetails.cacheReadTokens).toBeLessThan(second.usage.inputTokens!);
  });
});

// WorkerBackend (the model on a worker thread, as `mlx-ts serve` runs it) behind the server:
// same reference output, typed errors that cross the thread keep their status, and the HTTP
// thread stays free while the worker generates.
import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createServer, type OpenAIServer, WorkerBackend } from '../src/index.js';
import { modelId, postJson, reference, referenceModel, testModelPath } from './helpers.js';

let backend: WorkerBackend;
let server: OpenAIServer;
let client: OpenAI;
let url: string;

beforeAll(async () => {
  backend = await WorkerBackend.load(testModelPath(referenceModel));
  // The mlx-lm reference is greedy: omitted temperatures mean 0 here (the server's own default is OpenAI's 1).
  server = createServer(backend, { modelId, defaults: { temperature: 0 } });
  ({ url } = await server.listen(0));
  client = new OpenAI({ baseURL: `${url}/v1`, apiKey: 'unused', maxRetries: 0 });
});

afterAll(async () => {
  await server?.close();
  await backend?.dispose();
});

describe('WorkerBackend', () => {
  it('streams the reference text and usage', async () => {
    const stream = await client.chat.completions.create({
      model: modelId,
      messages: reference.chat.messages,
      max_tokens: reference.maxTokens,
      stream: true,
      stream_options: { include_usage: true },
    });
    let text = '';
    let usage: OpenAI.CompletionUsage | null | undefined;
    for await (const chunk of stream) {
      text += chunk.choices[0]?.delta.content ?? '';
      usage = chunk.usage ?? usage;
    }
    expect(text).toBe(reference.chat.text);
    expect(usage).toMatchObject({ prompt_tokens: reference.chat.promptTokens, completion_tokens: reference.maxTokens });
  });

  it('backend errors keep their meaning across the thread', async () => {
    const outOfVocabulary = await postJson(`${url}/v1/completions`, { model: modelId, prompt: [2, 999_999_999], max_tokens: 1 });
    expect(outOfVocabulary.status).toBe(400);
    expect(((await outOfVocabulary.json()) as { error: { param: string } }).error.param).toBe('prompt');
    const refused = await postJson(`${url}/v1/chat/completions`, {
      model: modelId,
      messages: [{ role: 'assistant', content: 'a' }, { role: 'assistant', content: 'b' }],
      max_tokens: 1,
    });
    expect(refused.status).toBe(400);
  });

  it('/health answers within 100 ms while a generation runs', async () => {
    const running = postJson(`${url}/v1/chat/completions`, { model: modelId, messages: reference.chat.messages, max_tokens: 12 }).then((r) => r.json());
    const latencies: number[] = [];
    for (let i = 0; i < 8; i++) {
      await new Promise((r) => setTimeout(r, 100));
      const started = performance.now();
      expect((await fetch(`${url}/health`)).status).toBe(200);
      latencies.push(performance.now() - started);
    }
    await running;
    // In-process, MLX on the CPU holds the event loop for most of each step (100-500 ms here).
    expect(Math.max(...latencies)).toBeLessThan(250);
  });
});

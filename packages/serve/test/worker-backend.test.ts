// WorkerBackend (the model on a worker thread, as `mlx-ts serve` runs it) behind the server:
// same reference output, typed errors that cross the thread keep their status and class, and the
// HTTP thread stays free while the worker generates.
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ModelLoadError } from '@mlx-ts/models';
import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadWorkerBackend } from '../src/cli/load-backend.js';
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
      messages: [
        { role: 'assistant', content: 'a' },
        { role: 'assistant', content: 'b' },
      ],
      max_tokens: 1,
    });
    expect(refused.status).toBe(400);
  });

  it('/health answers while a generation runs, and the HTTP thread keeps turning', async () => {
    // Event-loop turns (a setImmediate chain) during the generation: in-process, MLX on the CPU
    // holds the loop for most of each step, leaving about one turn per token.
    let turns = 0;
    let running = true;
    const spin = () => {
      turns++;
      if (running) setImmediate(spin);
    };
    setImmediate(spin);
    const order: string[] = [];
    const generation = postJson(`${url}/v1/chat/completions`, { model: modelId, messages: reference.chat.messages, max_tokens: 24 })
      .then((r) => r.json() as Promise<{ usage: { completion_tokens: number } }>)
      .then((body) => {
        order.push('generation');
        return body;
      });
    for (let i = 0; i < 8; i++) {
      expect((await fetch(`${url}/health`)).status).toBe(200);
      order.push('health');
    }
    const body = await generation;
    running = false;
    expect(order.indexOf('generation'), 'every /health answered before the generation ended').toBe(8);
    expect(turns, `${turns} turns for ${body.usage.completion_tokens} tokens`).toBeGreaterThan(body.usage.completion_tokens * 10);
  });

  it('a model that cannot load reaches `mlx-ts serve` as a ModelLoadError', async () => {
    const missing = join(tmpdir(), 'mlx-ts-no-such-model');
    const error = await loadWorkerBackend({ model: missing }).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(ModelLoadError.isInstance(error), `expected a ModelLoadError, got ${String(error)}`).toBe(true);
    expect((error as ModelLoadError).code).toBe('model_load_error');
    expect((error as ModelLoadError).file).toBe(missing);
  });
});

// Bad requests get the right 4xx with an OpenAI error body naming the parameter, and the
// server keeps serving afterwards.
import type { MlxBackend } from '@mlx-ts/backend';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createServer, type OpenAIServer } from '../src/index.js';
import { loadReferenceBackend, modelId, postJson } from './helpers.js';

let backend: MlxBackend;
let server: OpenAIServer;
let url: string;

beforeAll(async () => {
  backend = await loadReferenceBackend();
  server = createServer(backend, { modelId });
  ({ url } = await server.listen(0));
});

afterAll(async () => {
  await server?.close();
  await backend?.dispose();
});

const messages = [{ role: 'user', content: 'Hi' }];
const chat = (extra: Record<string, unknown>) => ({ model: modelId, messages, max_tokens: 2, ...extra });

async function expectError(response: Response, status: number, param: string | null, code?: string) {
  expect(response.status).toBe(status);
  expect(response.headers.get('content-type')).toMatch(/^application\/json/);
  const body = (await response.json()) as { error: { message: string; type: string; param: string | null; code: string | null } };
  expect(Object.keys(body)).toEqual(['error']);
  expect(Object.keys(body.error).sort()).toEqual(['code', 'message', 'param', 'type']);
  expect(body.error.message.length).toBeGreaterThan(10);
  expect(body.error.param).toBe(param);
  if (code !== undefined) expect(body.error.code).toBe(code);
  return body.error;
}

describe('malformed bodies', () => {
  it('invalid JSON → 400 invalid_json', async () => {
    await expectError(await postJson(`${url}/v1/chat/completions`, '{"model": "x", '), 400, null, 'invalid_json');
  });
  it('NaN is not JSON → 400', async () => {
    await expectError(await postJson(`${url}/v1/chat/completions`, `{"model":"${modelId}","messages":[],"temperature":NaN}`), 400, null, 'invalid_json');
  });
  it('a JSON array or number body → 400', async () => {
    await expectError(await postJson(`${url}/v1/chat/completions`, '[1,2]'), 400, null, 'invalid_json');
    await expectError(await postJson(`${url}/v1/completions`, '42'), 400, null, 'invalid_json');
  });
  it('a form body → 415', async () => {
    const response = await fetch(`${url}/v1/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: 'model=x',
    });
    await expectError(response, 415, null, 'unsupported_media_type');
  });
  it('a 10 MB prompt → 413 before any work', async () => {
    const huge = 'a'.repeat(10 * 1024 * 1024);
    await expectError(await postJson(`${url}/v1/completions`, { model: modelId, prompt: huge }), 413, null, 'request_too_large');
  });
});

describe('wrong values name the parameter', () => {
  const cases: [string, Record<string, unknown>, string][] = [
    ['max_tokens 0', { max_tokens: 0 }, 'max_tokens'],
    ['max_tokens -1', { max_tokens: -1 }, 'max_tokens'],
    ['max_tokens 1e12', { max_tokens: 1e12 }, 'max_tokens'],
    ['max_tokens 1.5', { max_tokens: 1.5 }, 'max_tokens'],
    ['max_completion_tokens "5"', { max_completion_tokens: '5' }, 'max_completion_tokens'],
    ['temperature as a string', { temperature: 'hot' }, 'temperature'],
    ['temperature 3', { temperature: 3 }, 'temperature'],
    ['top_p 1.1', { top_p: 1.1 }, 'top_p'],
    ['top_p 0', { top_p: 0 }, 'top_p'],
    ['n 1000', { n: 1000 }, 'n'],
    ['seed -1', { seed: -1 }, 'seed'],
    ['stop as a number', { stop: 5 }, 'stop'],
    ['top_logprobs 21', { logprobs: true, top_logprobs: 21 }, 'top_logprobs'],
    ['top_logprobs without logprobs', { top_logprobs: 2 }, 'top_logprobs'],
    ['stream_options without stream', { stream_options: { include_usage: true } }, 'stream_options'],
    ['logit_bias with a non-numeric key', { logit_bias: { abc: 1 } }, 'logit_bias'],
    ['logit_bias beyond the vocabulary', { logit_bias: { '999999999': 1 } }, 'logit_bias'],
    ['response_format of an unknown type', { response_format: { type: 'xml' } }, 'response_format'],
    [
      'response_format json_schema without a name',
      { response_format: { type: 'json_schema', json_schema: { schema: { type: 'object' } } } },
      'response_format.json_schema',
    ],
    ['an empty tools list', { tools: [] }, 'tools'],
    ['tool_choice without tools', { tool_choice: 'required' }, 'tool_choice'],
    [
      'tool_choice naming an unknown function',
      { tools: [{ type: 'function', function: { name: 'f' } }], tool_choice: { type: 'function', function: { name: 'g' } } },
      'tool_choice',
    ],
    ['unknown parameter', { frobnicate: true }, 'frobnicate'],
  ];
  for (const [name, extra, param] of cases) {
    it(`${name} → 400 (${param})`, async () => {
      await expectError(await postJson(`${url}/v1/chat/completions`, chat(extra)), 400, param);
    });
  }

  it('empty, missing or malformed messages → 400 naming messages', async () => {
    await expectError(await postJson(`${url}/v1/chat/completions`, chat({ messages: [] })), 400, 'messages');
    await expectError(await postJson(`${url}/v1/chat/completions`, { model: modelId }), 400, 'messages', 'missing_required_parameter');
    await expectError(await postJson(`${url}/v1/chat/completions`, chat({ messages: 'hello' })), 400, 'messages');
    await expectError(await postJson(`${url}/v1/chat/completions`, chat({ messages: [{ role: 'critic', content: 'x' }] })), 400, 'messages[0].role');
    await expectError(
      await postJson(`${url}/v1/chat/completions`, chat({ messages: [{ role: 'tool', content: 'x' }] })),
      400,
      'messages[0].tool_call_id',
      'missing_required_parameter',
    );
    await expectError(await postJson(`${url}/v1/chat/completions`, chat({ messages: [{ role: 'user', content: 123 }] })), 400, 'messages[0].content');
    await expectError(
      await postJson(`${url}/v1/chat/completions`, chat({ messages: [{ role: 'user', content: 'x', tool_calls: [] }] })),
      400,
      'messages[0].tool_calls',
    );
  });

  it('a conversation the chat template refuses → 400 naming messages', async () => {
    const twoAssistants = [
      { role: 'user', content: 'a' },
      { role: 'assistant', content: 'b' },
      { role: 'assistant', content: 'c' },
    ];
    await expectError(await postJson(`${url}/v1/chat/completions`, chat({ messages: twoAssistants })), 400, 'messages');
  });

  it('completions: empty prompt, echo, suffix, best_of ≠ n → 400', async () => {
    const completion = (extra: Record<string, unknown>) => ({ model: modelId, prompt: 'Hi', max_tokens: 2, ...extra });
    await expectError(await postJson(`${url}/v1/completions`, completion({ prompt: '' })), 400, 'prompt');
    await expectError(await postJson(`${url}/v1/completions`, completion({ prompt: [] })), 400, 'prompt');
    await expectError(await postJson(`${url}/v1/completions`, completion({ echo: true })), 400, 'echo');
    await expectError(await postJson(`${url}/v1/completions`, completion({ suffix: 'x' })), 400, 'suffix');
    await expectError(await postJson(`${url}/v1/completions`, completion({ best_of: 3 })), 400, 'best_of');
    await expectError(await postJson(`${url}/v1/completions`, completion({ logprobs: 21 })), 400, 'logprobs');
  });

  it('unknown model → 404 model_not_found; unknown route → 404', async () => {
    await expectError(await postJson(`${url}/v1/chat/completions`, chat({ model: '/etc/passwd' })), 404, 'model', 'model_not_found');
    await expectError(await fetch(`${url}/v1/embeddings`), 404, null, 'unknown_url');
  });
});

describe('after all that', () => {
  it('the server still serves', async () => {
    expect((await fetch(`${url}/health`)).status).toBe(200);
    const response = await postJson(`${url}/v1/chat/completions`, chat({}));
    expect(response.status).toBe(200);
    const body = (await response.json()) as { usage: { completion_tokens: number } };
    expect(body.usage.completion_tokens).toBe(2);
  });
});

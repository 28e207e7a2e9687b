// Structured output and tool calls through the official `openai` client, on the real Gemma 3
// 270M: parsed zod objects, a tool round trip with tool_choice 'required', a streamed tool call
// reassembled by the client's own stream helper, and 400s that name what is wrong. (The Python
// client's turn is in python-client.test.ts, against a server in its own process.)
import type { MlxBackend } from '@mlx-ts/backend';
import OpenAI from 'openai';
import { zodResponseFormat } from 'openai/helpers/zod';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { createServer, type OpenAIServer } from '../src/index.js';
import { loadReferenceBackend, modelId, postJson } from './helpers.js';

let backend: MlxBackend;
let server: OpenAIServer;
let client: OpenAI;
let url: string;

beforeAll(async () => {
  backend = await loadReferenceBackend({ dtype: 'float32' });
  // Greedy, so each run writes the same objects and calls.
  server = createServer(backend, { modelId, defaults: { temperature: 0 } });
  ({ url } = await server.listen(0));
  client = new OpenAI({ baseURL: `${url}/v1`, apiKey: 'unused', maxRetries: 0 });
});

afterAll(async () => {
  await server?.close();
  await backend?.dispose();
});

const weatherTool = {
  type: 'function' as const,
  function: {
    name: 'get_weather',
    description: 'The current weather of a city',
    parameters: { type: 'object', properties: { city: { type: 'string', maxLength: 24 } }, required: ['city'], additionalProperties: false },
    strict: true,
  },
};

describe('response_format', () => {
  it('chat.completions.parse with a zod schema gets a parsed object', async () => {
    const Person = z.object({ name: z.string().max(16), age: z.number().int().min(0).max(120), pets: z.array(z.enum(['cat', 'dog', 'fish'])).max(3) });
    const completion = await client.chat.completions.parse({
      model: modelId,
      messages: [{ role: 'user', content: 'Invent a person and describe them as JSON.' }],
      response_format: zodResponseFormat(Person, 'person'),
      max_tokens: 60,
    });
    const message = completion.choices[0].message;
    expect(completion.choices[0].finish_reason).toBe('stop');
    expect(Person.parse(message.parsed)).toEqual(message.parsed);
    expect(JSON.parse(message.content!)).toEqual(message.parsed);
  });

  it('json_object gives a JSON object', async () => {
    const completion = await client.chat.completions.create({
      model: modelId,
      messages: [{ role: 'user', content: 'A JSON object with the keys "a" and "b".' }],
      response_format: { type: 'json_object' },
      max_tokens: 64,
    });
    expect(completion.choices[0].finish_reason).toBe('stop');
    const value = JSON.parse(completion.choices[0].message.content!);
    expect(typeof value === 'object' && value !== null && !Array.isArray(value)).toBe(true);
  });

  const bad = (schema: unknown) =>
    postJson(`${url}/v1/chat/completions`, {
      model: modelId,
      messages: [{ role: 'user', content: 'x' }],
      response_format: { type: 'json_schema', json_schema: { name: 'x', schema } },
    });

  it('an invalid schema is a 400 naming what is wrong', async () => {
    const response = await bad({ type: 'object', properties: { a: { type: 'strin' } } });
    expect(response.status).toBe(400);
    const { error } = (await response.json()) as { error: { message: string; param: string } };
    expect(error.param).toBe('response_format');
    expect(error.message).toContain('/properties/a/type');
  });

  it('an unsupported schema feature is a 400 naming the feature', async () => {
    const response = await bad({ type: 'array', items: { type: 'string' }, uniqueItems: true });
    expect(response.status).toBe(400);
    const { error } = (await response.json()) as { error: { message: string; param: string } };
    expect(error.param).toBe('response_format');
    expect(error.message).toContain("'uniqueItems'");
  });
});

describe('tools', () => {
  it('a round trip with tool_choice required: call, result, answer', async () => {
    const messages: OpenAI.ChatCompletionMessageParam[] = [{ role: 'user', content: 'What is the weather in Paris?' }];
    const first = await client.chat.completions.create({
      model: modelId,
      messages,
      tools: [weatherTool],
      tool_choice: 'required',
      parallel_tool_calls: false,
      max_tokens: 40,
    });
    const choice = first.choices[0];
    expect(choice.finish_reason).toBe('tool_calls');
    const calls = choice.message.tool_calls!;
    expect(calls).toHaveLength(1);
    const call = calls[0] as OpenAI.ChatCompletionMessageFunctionToolCall;
    expect(call.type).toBe('function');
    expect(call.id).toMatch(/^call_/);
    expect(call.function.name).toBe('get_weather');
    expect(typeof JSON.parse(call.function.arguments).city).toBe('string');

    messages.push(choice.message, { role: 'tool', tool_call_id: call.id, content: JSON.stringify({ temperature: 21, sky: 'sunny' }) });
    const answer = await client.chat.completions.create({ model: modelId, messages, tools: [weatherTool], tool_choice: 'none', max_tokens: 24 });
    expect(answer.choices[0].message.tool_calls).toBeUndefined();
    expect(answer.choices[0].message.content!.length).toBeGreaterThan(0);
    expect(['stop', 'length']).toContain(answer.choices[0].finish_reason);
  });

  it('a named function streamed: the client reassembles the call from tool_calls deltas', async () => {
    const stream = client.chat.completions.stream({
      model: modelId,
      messages: [{ role: 'user', content: 'Weather in Oslo, please.' }],
      tools: [weatherTool],
      tool_choice: { type: 'function', function: { name: 'get_weather' } },
      max_tokens: 40,
    });
    const deltas: unknown[] = [];
    stream.on('chunk', (chunk) => {
      for (const call of chunk.choices[0]?.delta.tool_calls ?? []) deltas.push(call);
    });
    const final = await stream.finalChatCompletion();
    expect(deltas.length).toBeGreaterThanOrEqual(2);
    expect(final.choices[0].finish_reason).toBe('tool_calls');
    const call = final.choices[0].message.tool_calls![0] as OpenAI.ChatCompletionMessageFunctionToolCall;
    expect(call.function.name).toBe('get_weather');
    expect(Object.keys(JSON.parse(call.function.arguments))).toEqual(['city']);
  });
});

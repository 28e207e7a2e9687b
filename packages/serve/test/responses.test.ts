// POST /v1/responses through the official openai npm client (`client.responses.create`, streamed
// and not) on the real Gemma 3 270M; the expected text and token counts come from mlx-lm
// (test/fixtures/serve-reference.json).
import type { MlxBackend } from '@mlx-ts/backend';
import OpenAI from 'openai';
import { zodTextFormat } from 'openai/helpers/zod';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { createServer, type OpenAIServer } from '../src/index.js';
import { loadReferenceBackend, modelId, postJson, reference } from './helpers.js';

let backend: MlxBackend;
let server: OpenAIServer;
let client: OpenAI;
let url: string;

beforeAll(async () => {
  backend = await loadReferenceBackend();
  server = createServer(backend, { modelId, storedResponses: 2 });
  ({ url } = await server.listen(0));
  client = new OpenAI({ baseURL: `${url}/v1`, apiKey: 'unused', maxRetries: 0 });
});

afterAll(async () => {
  await server?.close();
  await backend?.dispose();
});

const chat = reference.chat;
const input = chat.messages[0].content;

describe('responses.create', () => {
  it("returns mlx-lm's greedy text as output_text, with usage and status", async () => {
    const response = await client.responses.create({ model: modelId, input, max_output_tokens: reference.maxTokens, temperature: 0 });
    expect(response.object).toBe('response');
    expect(response.id).toMatch(/^resp_/);
    expect(response.output_text).toBe(chat.text);
    expect(response.usage).toMatchObject({
      input_tokens: chat.promptTokens,
      output_tokens: chat.completionIds.length,
      total_tokens: chat.promptTokens + chat.completionIds.length,
    });
    // The reference stops at max tokens: the response is incomplete for that reason, as OpenAI reports it.
    expect(response.status).toBe('incomplete');
    expect(response.incomplete_details).toEqual({ reason: 'max_output_tokens' });
    expect(response.output[0]).toMatchObject({ type: 'message', role: 'assistant', content: [{ type: 'output_text', text: chat.text }] });
  });

  it('streams the event types in order, the deltas adding up to the same text', async () => {
    const stream = await client.responses.create({ model: modelId, input, max_output_tokens: reference.maxTokens, temperature: 0, stream: true });
    const types: string[] = [];
    let text = '';
    let final: OpenAI.Responses.Response | undefined;
    for await (const event of stream) {
      types.push(event.type);
      if (event.type === 'response.output_text.delta') text += event.delta;
      if (event.type === 'response.incomplete' || event.type === 'response.completed') final = event.response;
    }
    const distinct = types.filter((type, i) => type !== types[i - 1]);
    expect(distinct).toEqual([
      'response.created',
      'response.in_progress',
      'response.output_item.added',
      'response.content_part.added',
      'response.output_text.delta',
      'response.output_text.done',
      'response.content_part.done',
      'response.output_item.done',
      'response.incomplete',
    ]);
    expect(text).toBe(chat.text);
    expect(final?.output_text ?? (final!.output[0] as { content: { text: string }[] }).content[0].text).toBe(chat.text);
    expect(final?.usage?.output_tokens).toBe(chat.completionIds.length);
  });

  it('instructions become the system message: the same prompt as chat.completions with that system message', async () => {
    const instructions = 'Answer in one word.';
    const viaResponses = await client.responses.create({ model: modelId, input, instructions, max_output_tokens: 4, temperature: 0 });
    const viaChat = await client.chat.completions.create({
      model: modelId,
      messages: [{ role: 'system', content: instructions }, ...chat.messages],
      max_tokens: 4,
      temperature: 0,
    });
    expect(viaResponses.instructions).toBe(instructions);
    expect(viaResponses.usage!.input_tokens).toBe(viaChat.usage!.prompt_tokens);
    expect(viaResponses.output_text).toBe(viaChat.choices[0].message.content);
  });

  it('previous_response_id continues the conversation held in memory; the store is bounded', async () => {
    const first = await client.responses.create({ model: modelId, input, max_output_tokens: 4, temperature: 0 });
    const follow = 'And another?';
    const second = await client.responses.create({ model: modelId, input: follow, previous_response_id: first.id, max_output_tokens: 4, temperature: 0 });
    const viaChat = await client.chat.completions.create({
      model: modelId,
      messages: [...chat.messages, { role: 'assistant', content: first.output_text }, { role: 'user', content: follow }],
      max_tokens: 4,
      temperature: 0,
    });
    expect(second.previous_response_id).toBe(first.id);
    expect(second.usage!.input_tokens).toBe(viaChat.usage!.prompt_tokens);
    expect(second.output_text).toBe(viaChat.choices[0].message.content);

    // This server keeps 2: two more responses push `first` out.
    await client.responses.create({ model: modelId, input, max_output_tokens: 1 });
    await client.responses.create({ model: modelId, input, max_output_tokens: 1 });
    const gone = await client.responses
      .create({ model: modelId, input: follow, previous_response_id: first.id, max_output_tokens: 1 })
      .catch((e: unknown) => e);
    expect(gone).toBeInstanceOf(OpenAI.BadRequestError);
    expect((gone as InstanceType<typeof OpenAI.BadRequestError>).param).toBe('previous_response_id');
  });

  it('store: false keeps nothing; an unsupported parameter is a 400 naming it', async () => {
    const unstored = await client.responses.create({ model: modelId, input, max_output_tokens: 1, store: false });
    const missing = await client.responses
      .create({ model: modelId, input: 'x', previous_response_id: unstored.id, max_output_tokens: 1 })
      .catch((e: unknown) => e);
    expect(missing).toBeInstanceOf(OpenAI.BadRequestError);
    const unsupported = await postJson(`${url}/v1/responses`, { model: modelId, input, background: true });
    expect(unsupported.status).toBe(400);
    expect(((await unsupported.json()) as { error: { param: string } }).error.param).toBe('background');
  });

  it('text.format json_schema: responses.parse with a zod schema gets a parsed object; json_object any object', async () => {
    const City = z.object({ city: z.string().max(24), country: z.string().max(24) });
    const parsed = await client.responses.parse({
      model: modelId,
      input: 'Name a city and its country as JSON.',
      text: { format: zodTextFormat(City, 'city') },
      // Greedy, and room for the longest object the schema allows.
      max_output_tokens: 80,
      temperature: 0,
    });
    expect(parsed.status).toBe('completed');
    expect(City.parse(parsed.output_parsed)).toEqual(parsed.output_parsed);
    expect(parsed.text?.format).toMatchObject({ type: 'json_schema', name: 'city' });
    const object = await client.responses.create({
      model: modelId,
      input: 'A JSON object with the key "a".',
      text: { format: { type: 'json_object' } },
      max_output_tokens: 80,
      temperature: 0,
    });
    expect(typeof JSON.parse(object.output_text)).toBe('object');
    const invalid = await postJson(`${url}/v1/responses`, {
      model: modelId,
      input,
      text: { format: { type: 'json_schema', name: 'x', schema: { type: 'object', properties: { a: { type: 'strin' } } } } },
    });
    expect(invalid.status).toBe(400);
    const { error } = (await invalid.json()) as { error: { message: string; param: string } };
    expect(error.param).toBe('text.format');
    expect(error.message).toContain('/properties/a/type');
  });
});

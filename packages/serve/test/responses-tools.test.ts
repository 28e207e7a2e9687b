// Function tools through POST /v1/responses with the official openai client, on the real Gemma 3
// 270M: a constrained call whose arguments satisfy the tool's schema, the round trip (the call and
// its output sent back, by input items and by previous_response_id, rendered as chat completions
// render the same conversation), a streamed call, and 400s for what this server cannot run.
import type { MlxBackend } from '@mlx-ts/backend';
import { Ajv } from 'ajv';
import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createServer, type OpenAIServer } from '../src/index.js';
import { loadReferenceBackend, modelId } from './helpers.js';

let backend: MlxBackend;
let server: OpenAIServer;
let client: OpenAI;

beforeAll(async () => {
  backend = await loadReferenceBackend({ dtype: 'float32' });
  // Greedy, so each run makes the same calls.
  server = createServer(backend, { modelId, defaults: { temperature: 0 } });
  const { url } = await server.listen(0);
  client = new OpenAI({ baseURL: `${url}/v1`, apiKey: 'unused', maxRetries: 0 });
});

afterAll(async () => {
  await server?.close();
  await backend?.dispose();
});

const parameters = {
  type: 'object',
  properties: { city: { type: 'string', maxLength: 24 }, unit: { enum: ['celsius', 'fahrenheit'] } },
  required: ['city', 'unit'],
  additionalProperties: false,
};
const weatherTool: OpenAI.Responses.FunctionTool = {
  type: 'function',
  name: 'get_weather',
  description: 'The current weather of a city',
  parameters,
  strict: true,
};
const question = 'What is the weather in Paris?';
const isCall = (item: OpenAI.Responses.ResponseOutputItem): item is OpenAI.Responses.ResponseFunctionToolCall => item.type === 'function_call';

describe('responses.create with function tools', () => {
  it("tool_choice 'required': a function_call item whose arguments satisfy the schema; the round trip answers in text", async () => {
    const first = await client.responses.create({
      model: modelId,
      input: question,
      tools: [weatherTool],
      tool_choice: 'required',
      parallel_tool_calls: false,
      max_output_tokens: 40,
    });
    expect(first.status).toBe('completed');
    expect(first.tools).toMatchObject([{ type: 'function', name: 'get_weather', parameters }]);
    expect(first.tool_choice).toBe('required');
    expect(first.parallel_tool_calls).toBe(false);
    const calls = first.output.filter(isCall);
    expect(calls).toHaveLength(1);
    const call = calls[0]!;
    expect(call).toMatchObject({ type: 'function_call', name: 'get_weather', status: 'completed' });
    expect(call.id).toMatch(/^fc_/);
    expect(call.call_id).toMatch(/^call_/);
    const validate = new Ajv().compile(parameters);
    expect(validate(JSON.parse(call.arguments)), JSON.stringify(validate.errors)).toBe(true);

    // The call and its output sent back as input items: the template renders them as it renders
    // the same conversation as chat messages (the same prompt tokens), and the model answers.
    const output = JSON.stringify({ temperature: 21, sky: 'sunny' });
    const answer = await client.responses.create({
      model: modelId,
      input: [{ role: 'user', content: question }, call, { type: 'function_call_output', call_id: call.call_id, output }],
      tools: [weatherTool],
      tool_choice: 'none',
      max_output_tokens: 16,
    });
    const viaChat = await client.chat.completions.create({
      model: modelId,
      messages: [
        { role: 'user', content: question },
        { role: 'assistant', content: null, tool_calls: [{ id: call.call_id, type: 'function', function: { name: call.name, arguments: call.arguments } }] },
        // The function's name, which the Responses input carries with the call: the template renders it.
        { role: 'tool', tool_call_id: call.call_id, content: output, name: call.name } as OpenAI.ChatCompletionToolMessageParam,
      ],
      tools: [{ type: 'function', function: { name: 'get_weather', description: weatherTool.description!, parameters, strict: true } }],
      tool_choice: 'none',
      max_tokens: 16,
    });
    expect(answer.output.filter(isCall)).toEqual([]);
    expect(answer.output_text.length).toBeGreaterThan(0);
    expect(answer.usage!.input_tokens).toBe(viaChat.usage!.prompt_tokens);
    expect(answer.output_text).toBe(viaChat.choices[0]!.message.content);

    // The same through previous_response_id: the stored call is the history the output answers.
    const continued = await client.responses.create({
      model: modelId,
      previous_response_id: first.id,
      input: [{ type: 'function_call_output', call_id: call.call_id, output }],
      tools: [weatherTool],
      tool_choice: 'none',
      max_output_tokens: 16,
    });
    expect(continued.usage!.input_tokens).toBe(answer.usage!.input_tokens);
    expect(continued.output_text).toBe(answer.output_text);
  });

  it('a named function streamed: output_item.added, argument deltas adding up to the final arguments, done, completed', async () => {
    const stream = await client.responses.create({
      model: modelId,
      input: 'Weather in Oslo, please.',
      tools: [weatherTool],
      tool_choice: { type: 'function', name: 'get_weather' },
      max_output_tokens: 40,
      stream: true,
    });
    const types: string[] = [];
    let added: OpenAI.Responses.ResponseOutputItem | undefined;
    let deltas = '';
    let argumentsDone: string | undefined;
    let final: OpenAI.Responses.Response | undefined;
    for await (const event of stream) {
      types.push(event.type);
      if (event.type === 'response.output_item.added') added = event.item;
      if (event.type === 'response.function_call_arguments.delta') {
        expect(event).toMatchObject({ item_id: added?.id, output_index: 0 });
        deltas += event.delta;
      }
      if (event.type === 'response.function_call_arguments.done') argumentsDone = event.arguments;
      if (event.type === 'response.completed') final = event.response;
    }
    expect(types.filter((type, i) => type !== types[i - 1])).toEqual([
      'response.created',
      'response.in_progress',
      'response.output_item.added',
      'response.function_call_arguments.delta',
      'response.function_call_arguments.done',
      'response.output_item.done',
      'response.completed',
    ]);
    expect(added).toMatchObject({ type: 'function_call', name: 'get_weather', arguments: '', status: 'in_progress' });
    expect(argumentsDone).toBe(deltas);
    expect(final!.output).toEqual([
      {
        id: added!.id,
        type: 'function_call',
        status: 'completed',
        call_id: (added as OpenAI.Responses.ResponseFunctionToolCall).call_id,
        name: 'get_weather',
        arguments: deltas,
      },
    ]);
    expect(Object.keys(JSON.parse(deltas)).sort()).toEqual(['city', 'unit']);
  });

  it('a hosted tool type is a 400 naming it; so is a tool_choice naming no given function', async () => {
    const hosted = await client.responses.create({ model: modelId, input: question, tools: [{ type: 'web_search' }] }).catch((e: unknown) => e);
    expect(hosted).toBeInstanceOf(OpenAI.BadRequestError);
    expect((hosted as InstanceType<typeof OpenAI.BadRequestError>).param).toBe('tools[0].type');
    expect((hosted as Error).message).toContain("'web_search'");
    const unknown = await client.responses
      .create({ model: modelId, input: question, tools: [weatherTool], tool_choice: { type: 'function', name: 'get_time' } })
      .catch((e: unknown) => e);
    expect(unknown).toBeInstanceOf(OpenAI.BadRequestError);
    expect((unknown as InstanceType<typeof OpenAI.BadRequestError>).param).toBe('tool_choice');
  });
});

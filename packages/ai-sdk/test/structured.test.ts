// Structured output and tool calls end to end on Gemma 3 270M: the AI SDK's generateObject,
// streamObject and a two-step tool loop over a real MlxBackend, in process and through
// `mlx-ts serve` with @ai-sdk/openai-compatible, through the engine's constrained decoding and
// tool calling.
import { createOpenAICompatible } from '@ai-sdk/openai-compatible';
import { generateObject, generateText, jsonSchema, stepCountIs, streamObject, tool } from 'ai';
import { MlxBackend } from '@mlx-ts/backend';
import { createServer, type OpenAIServer } from '@mlx-ts/serve';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { mlx } from '../src/index.js';
import { RecordingBackend, requireModelData } from './helpers.js';

const city = z.object({ city: z.string().max(40), country: z.string().max(40) });
const weatherSchema = { type: 'object', properties: { city: { type: 'string', maxLength: 40 } }, required: ['city'], additionalProperties: false } as const;
const weather = tool({
  description: 'The current temperature in a city, in degrees Celsius',
  inputSchema: jsonSchema<{ city: string }>(weatherSchema),
  execute: async ({ city: name }) => ({ city: name, celsius: 21 }),
});

let engine: MlxBackend;
let backend: RecordingBackend;
let server: OpenAIServer;
let baseURL: string;

beforeAll(async () => {
  engine = await MlxBackend.load(requireModelData('gemma-3-270m-bf16'), { dtype: 'float32' });
  backend = new RecordingBackend(engine);
  server = createServer(engine, { modelId: 'gemma-3-270m', defaults: { temperature: 0 } });
  baseURL = `${(await server.listen(0)).url}/v1`;
});

afterAll(async () => {
  await server?.close();
  await engine?.dispose();
});

describe('in process', () => {
  it('generateObject with a zod schema returns a valid object', async () => {
    const result = await generateObject({ model: mlx({ backend }), schema: city, prompt: 'Name a large city and the country it is in.', maxOutputTokens: 64 });
    expect(city.parse(result.object)).toEqual(result.object);
    expect(backend.lastCall.request).toMatchObject({ responseFormat: { type: 'json_schema', strict: true } });
    expect(JSON.parse(backend.lastCall.result!.text)).toEqual(result.object);
  });

  it('streamObject ends in a valid object', async () => {
    const result = streamObject({ model: mlx({ backend }), schema: city, prompt: 'Name a city in Japan and its country.', maxOutputTokens: 64 });
    let last: unknown;
    for await (const partial of result.partialObjectStream) last = partial;
    expect(city.parse(await result.object)).toEqual(last);
  });

  it('runs a two-step tool loop: a call, its result, an answer', async () => {
    const result = await generateText({
      model: mlx({ backend }),
      prompt: 'How warm is it in Paris right now?',
      tools: { weather },
      stopWhen: stepCountIs(2),
      prepareStep: ({ stepNumber }) => ({ toolChoice: stepNumber === 0 ? 'required' : 'none' }),
      // One call per turn: allowed parallel calls, the 270M repeats its call until max tokens.
      providerOptions: { mlx: { parallelToolCalls: false } },
      maxOutputTokens: 64,
    });
    expect(result.steps).toHaveLength(2);
    const [call] = result.steps[0].toolCalls;
    expect(call.toolName).toBe('weather');
    expect(typeof (call.input as { city: string }).city).toBe('string');
    expect(result.steps[0].finishReason).toBe('tool-calls');
    expect(result.steps[0].toolResults[0].output).toEqual({ city: (call.input as { city: string }).city, celsius: 21 });
    // The engine's own tool call (id, name, arguments) is what the AI SDK got.
    const first = backend.calls.at(-2)!;
    expect(first.result!.toolCalls).toEqual([{ id: call.toolCallId, type: 'function', function: { name: 'weather', arguments: JSON.stringify(call.input) } }]);
    expect(backend.lastCall.request).toMatchObject({
      toolChoice: 'none',
      messages: [{ role: 'user' }, { role: 'assistant', content: null }, { role: 'tool', toolCallId: call.toolCallId, name: 'weather' }],
    });
    expect(result.text.length).toBeGreaterThan(0);
  });
});

describe('through mlx-ts serve with @ai-sdk/openai-compatible', () => {
  it('json_object (the default): any JSON object', async () => {
    const server = createOpenAICompatible({ name: 'mlx-ts', baseURL });
    const result = await generateObject({
      model: server('gemma-3-270m'),
      output: 'no-schema',
      prompt: 'Describe Paris as a JSON object.',
      maxOutputTokens: 64,
    });
    expect(typeof result.object).toBe('object');
    expect(result.object).not.toBeNull();
  });

  it('json_schema (supportsStructuredOutputs): a valid object', async () => {
    const server = createOpenAICompatible({ name: 'mlx-ts', baseURL, supportsStructuredOutputs: true });
    const result = await generateObject({
      model: server('gemma-3-270m'),
      schema: city,
      prompt: 'Name a large city and the country it is in.',
      maxOutputTokens: 64,
    });
    expect(city.parse(result.object)).toEqual(result.object);
    expect(result.warnings).toEqual([]);
  });

  it('a two-step tool loop', async () => {
    const server = createOpenAICompatible({ name: 'mlx-ts', baseURL });
    const result = await generateText({
      model: server('gemma-3-270m'),
      prompt: 'How warm is it in Paris right now?',
      tools: { weather },
      stopWhen: stepCountIs(2),
      prepareStep: ({ stepNumber }) => ({ toolChoice: stepNumber === 0 ? 'required' : 'none' }),
      // Passed through to the request body as OpenAI's parallel_tool_calls.
      providerOptions: { 'mlx-ts': { parallel_tool_calls: false } },
      maxOutputTokens: 64,
    });
    expect(result.steps).toHaveLength(2);
    expect(result.steps[0].toolCalls[0].toolName).toBe('weather');
    expect(result.steps[0].toolResults).toHaveLength(1);
    expect(result.text.length).toBeGreaterThan(0);
  });
});

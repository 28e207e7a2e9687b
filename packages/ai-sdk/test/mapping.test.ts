// The provider's translation in both directions, exactly: the GenerateRequest it builds from what
// the real `ai` package sends (tools, tool choice, tool results, JSON response formats), and the
// AI SDK results it builds from spec events (tool-call deltas, done with tool calls, JSON text).
import { type ToolResultPart, generateObject, generateText, jsonSchema, stepCountIs, streamObject, streamText, tool } from 'ai';
import type { GenerateEvent, ToolCall } from '@mlx-ts/spec';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { mlx } from '../src/index.js';
import { ScriptedBackend, scriptedTimings } from './helpers.js';

const weatherCall: ToolCall = { id: 'call-7', type: 'function', function: { name: 'weather', arguments: '{"city":"Paris"}' } };

/** A turn in which the model calls `weather`, its arguments written in two fragments. */
function toolCallTurn(): GenerateEvent[] {
  return [
    { type: 'tool-call-delta', index: 0, id: 'call-7', name: 'weather', argumentsDelta: '' },
    { type: 'tool-call-delta', index: 0, argumentsDelta: '{"city":' },
    { type: 'tool-call-delta', index: 0, argumentsDelta: '"Paris"}' },
    {
      type: 'done',
      finishReason: 'tool_calls',
      usage: { promptTokens: 40, cachedPromptTokens: 0, completionTokens: 9 },
      timings: scriptedTimings,
      toolCalls: [weatherCall],
    },
  ];
}

function textTurn(...pieces: string[]): GenerateEvent[] {
  return [
    ...pieces.map((text, i): GenerateEvent => ({ type: 'text', text, tokenIds: [100 + i] })),
    { type: 'done', finishReason: 'stop', usage: { promptTokens: 60, cachedPromptTokens: 49, completionTokens: pieces.length }, timings: scriptedTimings },
  ];
}

const weatherSchema = {
  type: 'object',
  properties: { city: { type: 'string', description: 'the city name' } },
  required: ['city'],
  additionalProperties: false,
} as const;

const weatherTool = tool({
  description: 'Current temperature in a city',
  inputSchema: jsonSchema<{ city: string }>(weatherSchema),
  execute: async ({ city }) => ({ city, celsius: 21 }),
});

describe('tools', () => {
  it('runs a two-step tool loop: the call becomes a tool-call, its result a tool message', async () => {
    const backend = new ScriptedBackend([toolCallTurn(), textTurn('It is ', '21 °C.')]);
    const result = await generateText({
      model: mlx({ backend }),
      prompt: 'How warm is it in Paris?',
      tools: { weather: weatherTool },
      toolChoice: 'auto',
      stopWhen: stepCountIs(2),
    });
    const definition = { type: 'function', function: { name: 'weather', description: 'Current temperature in a city', parameters: weatherSchema } };
    expect(backend.requests[0]).toEqual({
      messages: [{ role: 'user', content: 'How warm is it in Paris?' }],
      tools: [definition],
      toolChoice: 'auto',
    });
    expect(backend.requests[1]).toEqual({
      messages: [
        { role: 'user', content: 'How warm is it in Paris?' },
        { role: 'assistant', content: null, toolCalls: [weatherCall] },
        { role: 'tool', toolCallId: 'call-7', name: 'weather', content: '{"city":"Paris","celsius":21}' },
      ],
      tools: [definition],
      toolChoice: 'auto',
    });
    expect(result.steps).toHaveLength(2);
    expect(result.steps[0].finishReason).toBe('tool-calls');
    expect(result.steps[0].toolCalls).toMatchObject([{ toolCallId: 'call-7', toolName: 'weather', input: { city: 'Paris' } }]);
    expect(result.steps[0].toolResults).toMatchObject([{ toolCallId: 'call-7', output: { city: 'Paris', celsius: 21 } }]);
    expect(result.text).toBe('It is 21 °C.');
    expect(result.finishReason).toBe('stop');
    expect(result.totalUsage).toMatchObject({ inputTokens: 100, outputTokens: 11, inputTokenDetails: { cacheReadTokens: 49 } });
  });

  it('gives a call written without arguments the empty object as input, in both calls and streams', async () => {
    const noArguments: ToolCall = { id: 'call-1', type: 'function', function: { name: 'now', arguments: '' } };
    const turn = (): GenerateEvent[] => [
      { type: 'tool-call-delta', index: 0, id: 'call-1', name: 'now', argumentsDelta: '' },
      {
        type: 'done',
        finishReason: 'tool_calls',
        usage: { promptTokens: 9, cachedPromptTokens: 0, completionTokens: 3 },
        timings: scriptedTimings,
        toolCalls: [noArguments],
      },
    ];
    const backend = new ScriptedBackend([turn(), turn()]);
    const tools = { now: tool({ inputSchema: jsonSchema<Record<string, never>>({ type: 'object', properties: {} }) }) };
    const generated = await generateText({ model: mlx({ backend }), prompt: 'time?', tools });
    expect(generated.toolCalls).toMatchObject([{ toolCallId: 'call-1', toolName: 'now', input: {} }]);
    const streamed = streamText({ model: mlx({ backend }), prompt: 'time?', tools });
    expect(await streamed.toolCalls).toMatchObject([{ toolCallId: 'call-1', toolName: 'now', input: {} }]);
  });

  it('maps every tool choice', async () => {
    const choices = [
      ['none', 'none'],
      ['required', 'required'],
      [
        { type: 'tool', toolName: 'weather' },
        { type: 'function', function: { name: 'weather' } },
      ],
    ] as const;
    for (const [choice, mapped] of choices) {
      // The AI SDK checks that a required or named choice was obeyed: those turns call the tool.
      const backend = new ScriptedBackend([choice === 'none' ? textTurn('ok') : toolCallTurn()]);
      await generateText({ model: mlx({ backend }), prompt: 'hi', tools: { weather: weatherTool }, toolChoice: choice });
      expect(backend.requests[0].toolChoice).toEqual(mapped);
    }
  });

  it('passes a strict tool and the parallel-calls setting through, and reports input examples', async () => {
    const backend = new ScriptedBackend([textTurn('ok')]);
    const result = await generateText({
      model: mlx({ backend }),
      prompt: 'hi',
      tools: { weather: tool({ inputSchema: jsonSchema(weatherSchema), strict: true, inputExamples: [{ input: { city: 'Oslo' } }] }) },
      providerOptions: { mlx: { parallelToolCalls: false } },
    });
    expect(backend.requests[0]).toMatchObject({
      parallelToolCalls: false,
      tools: [{ type: 'function', function: { name: 'weather', parameters: weatherSchema, strict: true } }],
    });
    expect(result.warnings).toEqual([
      { type: 'unsupported', feature: 'tool input examples', details: 'the examples of tool "weather" are not shown to the model' },
    ]);
  });

  it('streams a tool call as tool-input parts, then the complete call', async () => {
    const backend = new ScriptedBackend([[{ type: 'text', text: 'Checking. ', tokenIds: [5] }, ...toolCallTurn()]]);
    const result = streamText({ model: mlx({ backend }), prompt: 'How warm is it in Paris?', tools: { weather: { ...weatherTool, execute: undefined } } });
    const parts: unknown[] = [];
    for await (const part of result.fullStream) {
      if (['text-start', 'text-delta', 'text-end', 'tool-input-start', 'tool-input-delta', 'tool-input-end', 'tool-call'].includes(part.type)) parts.push(part);
    }
    expect(parts).toMatchObject([
      { type: 'text-start', id: 'text-0' },
      { type: 'text-delta', id: 'text-0', text: 'Checking. ' },
      { type: 'text-end', id: 'text-0' },
      { type: 'tool-input-start', id: 'call-7', toolName: 'weather' },
      { type: 'tool-input-delta', id: 'call-7', delta: '{"city":' },
      { type: 'tool-input-delta', id: 'call-7', delta: '"Paris"}' },
      { type: 'tool-input-end', id: 'call-7' },
      { type: 'tool-call', toolCallId: 'call-7', toolName: 'weather', input: { city: 'Paris' } },
    ]);
    expect(await result.finishReason).toBe('tool-calls');
  });

  it('renders every kind of tool output as the tool message text', async () => {
    const backend = new ScriptedBackend([textTurn('ok')]);
    const outputs: ToolResultPart['output'][] = [
      { type: 'text', value: 'plain' },
      { type: 'json', value: { a: [1, 2] } },
      { type: 'error-text', value: 'boom' },
      { type: 'error-json', value: { error: 'bad city' } },
      { type: 'execution-denied', reason: 'not allowed' },
      {
        type: 'content',
        value: [
          { type: 'text', text: 'part one, ' },
          { type: 'text', text: 'part two' },
        ],
      },
    ];
    await generateText({
      model: mlx({ backend }),
      messages: [
        { role: 'user', content: 'go' },
        {
          role: 'assistant',
          content: [
            { type: 'text', text: 'Calling. ' },
            ...outputs.map((_, i) => ({ type: 'tool-call' as const, toolCallId: `c${i}`, toolName: 'weather', input: { city: `C${i}` } })),
          ],
        },
        { role: 'tool', content: outputs.map((output, i) => ({ type: 'tool-result' as const, toolCallId: `c${i}`, toolName: 'weather', output })) },
      ],
    });
    const messages = (backend.requests[0] as { messages: unknown[] }).messages;
    expect(messages[1]).toEqual({
      role: 'assistant',
      content: 'Calling. ',
      toolCalls: outputs.map((_, i) => ({ id: `c${i}`, type: 'function', function: { name: 'weather', arguments: `{"city":"C${i}"}` } })),
    });
    expect(messages.slice(2)).toEqual(
      ['plain', '{"a":[1,2]}', 'boom', '{"error":"bad city"}', 'not allowed', 'part one, part two'].map((content, i) => ({
        role: 'tool',
        toolCallId: `c${i}`,
        name: 'weather',
        content,
      })),
    );
  });
});

describe('finish reasons', () => {
  it('reports a request the engine stopped on its own (no abort signal) as interrupted', async () => {
    const backend = new ScriptedBackend([
      [
        { type: 'text', text: 'Half', tokenIds: [1] },
        { type: 'done', finishReason: 'abort', usage: { promptTokens: 5, cachedPromptTokens: 0, completionTokens: 1 }, timings: scriptedTimings },
      ],
    ]);
    const result = await generateText({ model: mlx({ backend }), prompt: 'hi' });
    expect(result.text).toBe('Half');
    expect(result.finishReason).toBe('interrupted');
    expect(result.rawFinishReason).toBe('abort');
  });
});

describe('structured output', () => {
  const person = z.object({ name: z.string(), age: z.number().int() });

  it('generateObject sends the zod schema as a json_schema response format and parses the answer', async () => {
    const backend = new ScriptedBackend([textTurn('{"name":', '"Ada","age":36}')]);
    const result = await generateObject({ model: mlx({ backend }), schema: person, schemaName: 'person', prompt: 'Who wrote the first program?' });
    expect(backend.requests[0]).toEqual({
      messages: [{ role: 'user', content: 'Who wrote the first program?' }],
      responseFormat: { type: 'json_schema', name: 'person', strict: true, schema: z.toJSONSchema(person, { target: 'draft-7' }) },
    });
    expect(result.object).toEqual({ name: 'Ada', age: 36 });
    expect(result.warnings).toEqual([]);
  });

  it('streamObject streams partial objects from the JSON text', async () => {
    const backend = new ScriptedBackend([textTurn('{"name":"A', 'da","age":', '36}')]);
    const result = streamObject({ model: mlx({ backend }), schema: person, prompt: 'Who?' });
    const partials: unknown[] = [];
    for await (const partial of result.partialObjectStream) partials.push(partial);
    expect(partials.at(-1)).toEqual({ name: 'Ada', age: 36 });
    expect(partials.length).toBeGreaterThan(1);
    expect(await result.object).toEqual({ name: 'Ada', age: 36 });
  });

  it('without a schema asks for any JSON object; strictness and the description are reported', async () => {
    const backend = new ScriptedBackend([textTurn('{"ok":true}'), textTurn('{"name":"Ada","age":36}')]);
    const any = await generateObject({ model: mlx({ backend }), output: 'no-schema', prompt: 'JSON please' });
    expect(backend.requests[0]).toEqual({ messages: [{ role: 'user', content: 'JSON please' }], responseFormat: { type: 'json_object' } });
    expect(any.object).toEqual({ ok: true });
    const loose = await generateObject({
      model: mlx({ backend }),
      schema: person,
      schemaDescription: 'a person',
      prompt: 'Who?',
      providerOptions: { mlx: { strictJsonSchema: false } },
    });
    expect(backend.requests[1]).toMatchObject({ responseFormat: { type: 'json_schema', strict: false } });
    expect(loose.warnings).toEqual([
      {
        type: 'unsupported',
        feature: 'responseFormat.description',
        details: 'the output is constrained by the schema; its description is not shown to the model',
      },
    ]);
  });
});

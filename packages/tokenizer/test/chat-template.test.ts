import { describe, expect, it } from 'vitest';
import { type Tokenizer, TokenizerError, type ChatMessage } from '../src/index.js';
import { loadTokenizer, readFixture, tokenizerNames } from './helpers.js';

interface ChatFixture {
  tools: Record<string, unknown>[];
  conversations: Record<string, ChatMessage[]>;
  tokenizers: Record<
    string,
    { conversation: string; addGenerationPrompt: boolean; tools: boolean; templateArguments?: Record<string, unknown>; rendered?: string; error?: string }[]
  >;
}

const fixture = readFixture<ChatFixture>('chat-templates.json');

describe.each(tokenizerNames)('applyChatTemplate matches transformers: %s', (name) => {
  const cases = fixture.tokenizers[name]!;
  it.each(
    cases.map(
      (c) =>
        [
          `${c.conversation}, generation prompt ${c.addGenerationPrompt}${c.tools ? ', tools' : ''}${c.templateArguments ? `, ${JSON.stringify(c.templateArguments)}` : ''}`,
          c,
        ] as const,
    ),
  )('%s', async (_, c) => {
    const tokenizer = await loadTokenizer(name);
    const render = (): string =>
      tokenizer.applyChatTemplate(fixture.conversations[c.conversation]!, {
        addGenerationPrompt: c.addGenerationPrompt,
        tools: c.tools ? fixture.tools : undefined,
        templateArguments: c.templateArguments,
      });
    if (c.error !== undefined) {
      expect(render).toThrow(TokenizerError);
    } else {
      expect(render()).toBe(c.rendered);
    }
  });
});

describe('chat template safety', () => {
  const messages: ChatMessage[] = [{ role: 'user', content: 'hi' }];

  it('does not add a second BOS when the template writes one (Gemma 3)', async () => {
    const tokenizer = await loadTokenizer('gemma3');
    const ids = tokenizer.encodeChat(messages, { addGenerationPrompt: true });
    expect(ids.slice(0, 2)).toEqual([2, 105]); // <bos> <start_of_turn>
    expect(ids.filter((id) => id === 2)).toHaveLength(1);
  });

  it('stops a template that loops too long', async () => {
    const tokenizer = await loadTokenizer('qwen3');
    const template = '{% for i in range(50000) %}{% for j in range(50000) %}{{ "" }}{% endfor %}{% endfor %}';
    // 2.5 billion iterations: only the 200 ms budget can end it (a hang fails on the test timeout).
    expect(() => tokenizer.applyChatTemplate(messages, { chatTemplate: template, timeoutMs: 200 })).toThrow(/took too long/);
  });

  it('stops a template whose output grows too large', async () => {
    const tokenizer = await loadTokenizer('qwen3');
    const template = '{% set ns = namespace(s="x") %}{% for i in range(40) %}{% set ns.s = ns.s + ns.s %}{% endfor %}{{ ns.s }}';
    expect(() => tokenizer.applyChatTemplate(messages, { chatTemplate: template, maxOutputLength: 1_000_000 })).toThrow(TokenizerError);
  });

  it('refuses a huge range()', async () => {
    const tokenizer = await loadTokenizer('qwen3');
    expect(() => tokenizer.applyChatTemplate(messages, { chatTemplate: '{% for i in range(1000000000) %}x{% endfor %}' })).toThrow(/range\(\)/);
  });

  it('reports syntax errors and raise_exception as TokenizerError', async () => {
    const tokenizer = await loadTokenizer('qwen3');
    expect(() => tokenizer.applyChatTemplate(messages, { chatTemplate: '{% if %}' })).toThrow(TokenizerError);
    expect(() => tokenizer.applyChatTemplate(messages, { chatTemplate: '{{ raise_exception("no way") }}' })).toThrow(/no way/);
  });

  it('names the fix when a tokenizer has no template (Llama 2)', async () => {
    const tokenizer = await loadTokenizer('llama2');
    expect(() => tokenizer.applyChatTemplate(messages)).toThrow(/no chat template/);
  });

  it('rejects messages without a role', async () => {
    const tokenizer: Tokenizer = await loadTokenizer('gemma3');
    expect(() => tokenizer.applyChatTemplate([{ content: 'x' } as unknown as ChatMessage])).toThrow(TokenizerError);
  });
});

describe('templates that need Python string conversion', () => {
  it('raise a TokenizerError instead of rendering different text (Llama 3 template given content parts)', async () => {
    const tokenizer = await loadTokenizer('llama3');
    const messages = fixture.conversations['content parts']!;
    expect(() => tokenizer.applyChatTemplate(messages)).toThrow(TokenizerError);
  });
});

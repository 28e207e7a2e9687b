import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { Tokenizer, TokenizerError, type GgufTokenizerMetadata, type TokenizerJson } from '../src/index.js';
import { describeMismatches, modelFolder, readFixture, type ParityFixture } from './helpers.js';

interface SourceFiles {
  json: TokenizerJson;
  config: { chat_template?: string };
}

function readSource(name: 'gemma3' | 'llama3'): SourceFiles {
  const folder = modelFolder(name);
  return {
    json: JSON.parse(readFileSync(join(folder, 'tokenizer.json'), 'utf8')) as TokenizerJson,
    config: JSON.parse(readFileSync(join(folder, 'tokenizer_config.json'), 'utf8')) as { chat_template?: string },
  };
}

function tokensAndTypes(json: TokenizerJson): { tokens: string[]; types: number[] } {
  const tokens: string[] = [];
  for (const [token, id] of Object.entries(json.model.vocab)) tokens[id] = token;
  for (const added of json.added_tokens ?? []) tokens[added.id] = added.content;
  const types = tokens.map(() => 1);
  for (let id = 0; id < tokens.length; id++) if (/^<0x[0-9A-F]{2}>$/.test(tokens[id]!)) types[id] = 6;
  for (const added of json.added_tokens ?? []) types[added.id] = added.content === json.model.unk_token ? 2 : added.special ? 3 : 4;
  return { tokens, types };
}

/**
 * GGUF metadata as llama.cpp's converter writes it for a SentencePiece vocabulary: tokens, scores and
 * token types, no merges. tokenizer.json has no scores, so a token's score is minus the rank of the
 * first merge that makes it (SentencePiece merges the best-scoring piece first).
 */
function gemmaMetadata({ json, config }: SourceFiles): GgufTokenizerMetadata {
  const { tokens, types } = tokensAndTypes(json);
  const scores = tokens.map(() => -1e9);
  const merges = json.model.merges ?? [];
  for (let rank = merges.length - 1; rank >= 0; rank--) {
    const merge = merges[rank]!;
    const [left, right] = typeof merge === 'string' ? merge.split(' ') : merge;
    scores[json.model.vocab[left! + right!]!] = -rank;
  }
  return {
    'tokenizer.ggml.model': 'llama',
    'tokenizer.ggml.pre': 'default',
    'tokenizer.ggml.tokens': tokens,
    'tokenizer.ggml.scores': scores,
    'tokenizer.ggml.token_type': types,
    'tokenizer.ggml.bos_token_id': 2,
    'tokenizer.ggml.eos_token_id': 1,
    'tokenizer.ggml.unknown_token_id': 3,
    'tokenizer.ggml.padding_token_id': 0,
    'tokenizer.ggml.add_bos_token': true,
    'tokenizer.ggml.add_eos_token': false,
    'tokenizer.ggml.add_space_prefix': false,
    'tokenizer.chat_template': config.chat_template,
  };
}

function llama3Metadata({ json }: SourceFiles): GgufTokenizerMetadata {
  const { tokens, types } = tokensAndTypes(json);
  return {
    'tokenizer.ggml.model': 'gpt2',
    'tokenizer.ggml.pre': 'llama-bpe',
    'tokenizer.ggml.tokens': tokens,
    'tokenizer.ggml.token_type': types,
    'tokenizer.ggml.merges': (json.model.merges ?? []).map((m) => (typeof m === 'string' ? m : m.join(' '))),
    'tokenizer.ggml.bos_token_id': 128000,
    'tokenizer.ggml.eos_token_id': 128001,
    'tokenizer.ggml.add_bos_token': false,
  };
}

describe('Tokenizer.fromGguf', () => {
  it('a SentencePiece (llama) vocabulary merged by score encodes the Gemma 3 corpus exactly as tokenizer.json does', () => {
    const source = readSource('gemma3');
    const tokenizer = Tokenizer.fromGguf(gemmaMetadata(source));
    const fixture = readFixture<ParityFixture>('gemma3.parity.json');
    expect(tokenizer.bosTokenId).toBe(2);
    expect(tokenizer.eosTokenIds).toEqual([1]);
    const problems = describeMismatches(fixture.cases, (c) => {
      const ids = tokenizer.encode(c.text);
      const decoded = tokenizer.decode(c.ids);
      if (JSON.stringify(ids) !== JSON.stringify(c.ids))
        return `${JSON.stringify(c.text.slice(0, 60))}: ${JSON.stringify(ids.slice(0, 16))} vs ${JSON.stringify(c.ids.slice(0, 16))}`;
      return decoded === c.decoded ? null : `decode ${JSON.stringify(decoded.slice(0, 60))}`;
    });
    expect(problems).toEqual([]);
  });

  it('renders the GGUF chat template like transformers, with BOS from the GGUF ids', () => {
    const source = readSource('gemma3');
    const tokenizer = Tokenizer.fromGguf(gemmaMetadata(source));
    const chat = readFixture<{
      conversations: Record<string, never>;
      tokenizers: Record<string, { conversation: string; addGenerationPrompt: boolean; tools: boolean; rendered?: string }[]>;
    }>('chat-templates.json');
    const cases = chat.tokenizers.gemma3!.filter((c) => c.rendered !== undefined && !c.tools);
    expect(cases.length).toBeGreaterThan(5);
    for (const c of cases) {
      expect(tokenizer.applyChatTemplate(chat.conversations[c.conversation]!, { addGenerationPrompt: c.addGenerationPrompt })).toBe(c.rendered);
    }
  });

  it('a byte-level (gpt2) vocabulary with merges encodes the Llama 3 corpus exactly as tokenizer.json does', () => {
    const tokenizer = Tokenizer.fromGguf(llama3Metadata(readSource('llama3')));
    const fixture = readFixture<ParityFixture>('llama3.parity.json');
    const problems = describeMismatches(fixture.cases, (c) => {
      const ids = tokenizer.encode(c.text);
      if (JSON.stringify(ids) !== JSON.stringify(c.idsWithoutSpecialTokens)) return JSON.stringify(c.text.slice(0, 60));
      return tokenizer.decode(c.ids) === c.decoded ? null : `decode of ${JSON.stringify(c.text.slice(0, 60))}`;
    });
    expect(problems).toEqual([]);
  });

  it('rejects malformed metadata with a TokenizerError that names the key', () => {
    expect(() => Tokenizer.fromGguf({ 'tokenizer.ggml.model': 'bert', 'tokenizer.ggml.tokens': ['a'] })).toThrow(/unsupported tokenizer.ggml.model "bert"/);
    expect(() => Tokenizer.fromGguf({ 'tokenizer.ggml.model': 'llama', 'tokenizer.ggml.tokens': 'abc' as never })).toThrow(/tokenizer.ggml.tokens/);
    expect(() => Tokenizer.fromGguf({ 'tokenizer.ggml.model': 'llama', 'tokenizer.ggml.tokens': ['a', 'b'] })).toThrow(/tokenizer.ggml.scores/);
    expect(() => Tokenizer.fromGguf({ 'tokenizer.ggml.model': 'gpt2', 'tokenizer.ggml.tokens': ['a'] })).toThrow(TokenizerError);
  });
});

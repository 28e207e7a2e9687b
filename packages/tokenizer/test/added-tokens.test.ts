import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { Tokenizer, type TokenizerJson } from '../src/index.js';
import { modelFolder, readFixture } from './helpers.js';

interface AddedTokensFixture {
  addedTokens: { content: string; lstrip: boolean; rstrip: boolean; single_word: boolean; normalized: boolean; special: boolean }[];
  tokenizers: Record<'llama2' | 'qwen3', { ids: Record<string, number>; cases: { text: string; ids: number[] }[] }>;
}

const fixture = readFixture<AddedTokensFixture>('added-tokens.json');

describe.each(['llama2', 'qwen3'] as const)('added tokens with lstrip / rstrip / single_word / normalized: %s', (name) => {
  it('splits text exactly as Hugging Face tokenizers does', () => {
    const json = JSON.parse(readFileSync(join(modelFolder(name), 'tokenizer.json'), 'utf8')) as TokenizerJson;
    const { ids, cases } = fixture.tokenizers[name];
    for (const token of fixture.addedTokens) json.added_tokens!.push({ id: ids[token.content]!, ...token });
    const tokenizer = Tokenizer.fromJson(json);
    expect(cases.length).toBeGreaterThan(30);
    for (const c of cases) expect({ text: c.text, ids: tokenizer.encode(c.text, { addSpecialTokens: false }) }).toEqual(c);
  });
});

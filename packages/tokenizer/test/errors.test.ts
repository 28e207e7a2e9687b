import { describe, expect, it } from 'vitest';
import { Tokenizer, TokenizerError, type TokenizerJson } from '../src/index.js';
import { loadTokenizer } from './helpers.js';

const tiny = (overrides: Partial<TokenizerJson>): TokenizerJson => ({
  model: { type: 'BPE', vocab: { a: 0, b: 1, ab: 2 }, merges: ['a b'] },
  ...overrides,
});

describe('TokenizerError', () => {
  it('names an unsupported normalizer, pre-tokenizer, decoder, post-processor or model type', () => {
    expect(() => Tokenizer.fromJson(tiny({ normalizer: { type: 'Precompiled' } }))).toThrow(/normalizer type "Precompiled"/);
    expect(() => Tokenizer.fromJson(tiny({ pre_tokenizer: { type: 'BertPreTokenizer' } }))).toThrow(/pre-tokenizer type "BertPreTokenizer"/);
    expect(() => Tokenizer.fromJson(tiny({ decoder: { type: 'WordPiece' } }))).toThrow(/decoder type "WordPiece"/);
    expect(() => Tokenizer.fromJson(tiny({ post_processor: { type: 'Mystery' } }))).toThrow(/post-processor type "Mystery"/);
    expect(() => Tokenizer.fromJson({ model: { type: 'Unigram', vocab: {} } })).toThrow(/model type "Unigram"/);
  });

  it('is recognised across package copies through its Symbol.for marker', () => {
    let caught: unknown;
    try {
      Tokenizer.fromJson(tiny({ normalizer: { type: 'Nope' } }));
    } catch (error) {
      caught = error;
    }
    expect(TokenizerError.isInstance(caught)).toBe(true);
    expect(TokenizerError.isInstance(new Error('x'))).toBe(false);
    expect(caught).toBeInstanceOf(TokenizerError);
  });

  it('reports a merge naming an unknown token, a missing file and an out-of-range id', async () => {
    expect(() => Tokenizer.fromJson(tiny({ model: { type: 'BPE', vocab: { a: 0 }, merges: ['a z'] } }))).toThrow(/not in the vocabulary/);
    await expect(Tokenizer.fromFile('/nonexistent/tokenizer.json')).rejects.toThrow(/Cannot read tokenizer.json/);
    await expect(Tokenizer.fromDirectory('/nonexistent')).rejects.toThrow(TokenizerError);
    const tokenizer = await loadTokenizer('llama2');
    expect(() => tokenizer.decode([1, 999999])).toThrow(/outside the vocabulary/);
    expect(() => tokenizer.encode(42 as unknown as string)).toThrow(TokenizerError);
  });

  it('encodes a tiny tokenizer by its merges (closed form)', () => {
    const tokenizer = Tokenizer.fromJson(tiny({}));
    expect(tokenizer.encode('abab')).toEqual([2, 2]);
    expect(tokenizer.encode('ba')).toEqual([1, 0]);
    expect(tokenizer.vocabSize).toBe(3);
  });
});

describe('vocabulary accessors', () => {
  it('maps ids and tokens both ways and exposes BOS / EOS from the config (Gemma 3)', async () => {
    const tokenizer = await loadTokenizer('gemma3');
    expect(tokenizer.bosTokenId).toBe(2);
    expect(tokenizer.eosTokenIds).toEqual([106]); // tokenizer_config eos_token is <end_of_turn>
    expect(tokenizer.idToToken(105)).toBe('<start_of_turn>');
    expect(tokenizer.tokenToId('<end_of_turn>')).toBe(106);
    expect(tokenizer.tokenToId('\u2581the')).toBe(506);
    expect(tokenizer.vocabSize).toBe(262145); // tokenizers' get_vocab_size(with_added_tokens=True)
  });
});

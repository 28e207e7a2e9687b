// Regressions for what fuzzing tokenizer.json (test/fuzz-tokenizer-json.test.ts) found.
import { describe, expect, it } from 'vitest';
import { Tokenizer, TokenizerError, type TokenizerJson } from '../src/index.js';
import { tokenizerPartsFromBytes } from '../src/load-files.js';

const tiny = (overrides: Partial<TokenizerJson>): TokenizerJson => ({
  model: { type: 'BPE', vocab: { a: 0, b: 1, ab: 2, '😀': 3 }, merges: ['a b'] },
  ...overrides,
});
const split = (pattern: unknown): TokenizerJson => tiny({ pre_tokenizer: { type: 'Split', pattern, behavior: 'Isolated', invert: false } });
const bytes = (json: unknown) => Buffer.from(JSON.stringify(json));

describe('tokenizer.json fuzzing findings', () => {
  it('a Split regex that matches the empty string ends on text with astral characters (it looped forever)', () => {
    for (const behavior of ['Isolated', 'Removed']) {
      const tokenizer = Tokenizer.fromJson(tiny({ pre_tokenizer: { type: 'Split', pattern: { Regex: 'x*' }, behavior, invert: false } }));
      expect(tokenizer.encode('ab😀ab')).toEqual([2, 3, 2]);
    }
  });

  it('a pattern whose Regex or String is not a string is a TokenizerError (it compiled to an empty regex)', () => {
    for (const pattern of [{ Regex: 0.5 }, { String: null }, { String: 5, Regex: 'a' }, {}, 'ab', null]) {
      expect(() => Tokenizer.fromJson(split(pattern))).toThrow(/pattern must be/);
      expect(() => Tokenizer.fromJson(tiny({ normalizer: { type: 'Replace', pattern, content: '' } }))).toThrow(TokenizerError);
    }
  });

  it('special-token ids of a TemplateProcessing that are not ids are a TokenizerError (encode returned null ids)', () => {
    const post = (ids: unknown) => ({
      type: 'TemplateProcessing',
      single: [{ SpecialToken: { id: '<s>' } }, { Sequence: { id: 'A' } }],
      special_tokens: { '<s>': { id: '<s>', ids, tokens: ['<s>'] } },
    });
    for (const ids of [[null], undefined, 3, [-1], [0.5]])
      expect(() => Tokenizer.fromJson(tiny({ post_processor: post(ids) }))).toThrow(/not a list of token ids/);
    expect(() => Tokenizer.fromJson(tiny({ post_processor: { type: 'BertProcessing', cls: ['[CLS]'], sep: null } }))).toThrow(/cls.*sep/);
  });

  it('a huge vocab or added-token id is a TokenizerError, not an allocation of its size', () => {
    const vocab = { model: { type: 'BPE', vocab: { a: 0, b: 99_999_999_999 }, merges: [] } };
    expect(() => tokenizerPartsFromBytes(bytes(vocab))).toThrow(/has id 99999999999/);
    expect(() => Tokenizer.fromJson(vocab as TokenizerJson)).toThrow(/has id 99999999999/);
    for (const id of [1e9, -1, 0.5, '3', null]) {
      const added = tiny({ added_tokens: [{ id: id as number, content: '<s>', special: true }] });
      expect(() => Tokenizer.fromJson(added)).toThrow(/Added token "<s>" has id/);
    }
    expect(() => Tokenizer.fromJson(tiny({ added_tokens: [{ id: 4 } as never] }))).toThrow(/non-empty string "content"/);
  });

  it('whatever else a malformed file breaks in the scanner or the builders is a TokenizerError', () => {
    const cases = [
      '{"model":{"type":"BPE","vocab":{"\\ud800\\u":0}}}',
      '{"model":{"type":"BPE","vocab":{"a":0,"b":1,"ab":2},"merges":["a\\u0062"]}}',
      '{"model":{"type":"BPE","vocab":{"a":0}},"decoder":{"type":"Sequence","decoders":5}}',
      '{"model":{"type":"BPE","vocab":{"a":0}},"added_tokens":{"id":1}}',
    ];
    for (const text of cases) expect(() => tokenizerPartsFromBytes(Buffer.from(text)), text).toThrow(TokenizerError);
  });
});

describe('chat template fuzzing findings', () => {
  const tokenizer = Tokenizer.fromJson(tiny({}));
  const render = (chatTemplate: string) => () => tokenizer.applyChatTemplate([{ role: 'user', content: 'hi' }], { chatTemplate, maxOutputLength: 65536 });

  it('a huge indent or tojson indent is a TokenizerError before its padding is built (tojson(indent=10**8) took 400 MB)', () => {
    expect(render('{{ messages|tojson(indent=99999999) }}')).toThrow(/indent of 99999999/);
    expect(render("{{ 'a\nb'|indent(10**8) }}")).toThrow(/indent of 100000000/);
    expect(render('{{ messages|tojson(indent=2) }}')()).toContain('\n  ');
  });

  it('a list doubled in a loop is stopped at the output limit', () => {
    const doubling = '{% set ns = namespace(a=[1]) %}{% for i in range(64) %}{% set ns.a = ns.a + ns.a %}{% endfor %}{{ ns.a|length }}';
    expect(render(doubling)).toThrow(/list of more than 65536 items/);
  });
});

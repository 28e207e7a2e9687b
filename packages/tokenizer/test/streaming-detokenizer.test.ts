import { describe, expect, it } from 'vitest';
import { describeMismatches, loadTokenizer, readFixture, tokenizerNames, type ParityFixture } from './helpers.js';

describe.each(tokenizerNames)('StreamingDetokenizer: %s', (name) => {
  const fixture = readFixture<ParityFixture>(`${name}.parity.json`);
  const sequences = [
    ...fixture.cases.map((c) => ({ ids: c.ids, decoded: c.decoded, skipped: c.decodedSkippingSpecialTokens })),
    ...fixture.decodeCases.map((c) => ({ ids: c.ids, decoded: c.decoded, skipped: c.decodedSkippingSpecialTokens })),
  ];

  for (const skipSpecialTokens of [false, true]) {
    it(`deltas concatenate to Hugging Face's decode (skipSpecialTokens: ${skipSpecialTokens})`, async () => {
      const tokenizer = await loadTokenizer(name);
      const problems = describeMismatches(sequences, (s) => {
        const detokenizer = tokenizer.createStreamingDetokenizer({ skipSpecialTokens });
        let text = '';
        for (const id of s.ids) {
          const delta = detokenizer.push(id);
          if (!delta.isWellFormed()) return `delta splits a surrogate pair: ${JSON.stringify(delta)}`;
          text += delta;
        }
        text += detokenizer.flush();
        const expected = skipSpecialTokens ? s.skipped : s.decoded;
        return text === expected
          ? null
          : `${JSON.stringify(s.ids.slice(0, 12))}: ${JSON.stringify(text.slice(0, 60))} vs ${JSON.stringify(expected.slice(0, 60))}`;
      });
      expect(problems).toEqual([]);
    });
  }
});

describe('StreamingDetokenizer holds back unfinished characters', () => {
  it('returns nothing inside a byte-fallback run and the whole character at its end (Gemma 3)', async () => {
    const tokenizer = await loadTokenizer('gemma3');
    // U+1F9CC (troll) is not a Gemma piece: it is spelled as four <0xXX> byte tokens.
    const bytes = ['<0xF0>', '<0x9F>', '<0xA7>', '<0x8C>'].map((t) => tokenizer.tokenToId(t)!);
    const ids = [tokenizer.tokenToId('Hi')!, ...bytes, tokenizer.tokenToId('!')!];
    const detokenizer = tokenizer.createStreamingDetokenizer();
    const deltas = ids.map((id) => detokenizer.push(id));
    expect(deltas).toEqual(['Hi', '', '', '', '', '\u{1F9CC}!']);
    expect(detokenizer.flush()).toBe('');
  });

  it('returns nothing inside a multi-byte character of a byte-level vocabulary (Qwen 3)', async () => {
    const tokenizer = await loadTokenizer('qwen3');
    // "é" is two bytes, C3 A9: byte-level tokens "Ã" and "©".
    const ids = [tokenizer.tokenToId('\u00c3')!, tokenizer.tokenToId('\u00a9')!];
    const detokenizer = tokenizer.createStreamingDetokenizer();
    expect(detokenizer.push(ids[0]!)).toBe('');
    expect(detokenizer.push(ids[1]!)).toBe('\u00e9');
  });

  it('flush turns an unfinished character into U+FFFD, as decode does', async () => {
    const tokenizer = await loadTokenizer('llama3');
    const ids = [tokenizer.tokenToId('\u00c3')!];
    const detokenizer = tokenizer.createStreamingDetokenizer();
    expect(detokenizer.push(ids[0]!)).toBe('');
    expect(detokenizer.flush()).toBe('\ufffd');
  });
});

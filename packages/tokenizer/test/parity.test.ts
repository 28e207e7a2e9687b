import { describe, expect, it } from 'vitest';
import { describeMismatches, loadTokenizer, readFixture, tokenizerNames, type ParityFixture } from './helpers.js';

const same = (a: readonly number[], b: readonly number[]): boolean => a.length === b.length && a.every((x, i) => x === b[i]);

describe.each(tokenizerNames)('parity with Hugging Face tokenizers: %s', (name) => {
  const fixture = readFixture<ParityFixture>(`${name}.parity.json`);

  it('has the full corpus (at least 300 cases)', () => {
    expect(fixture.cases.length).toBeGreaterThanOrEqual(300);
  });

  it('encodes every case to the same ids (with special tokens)', async () => {
    const tokenizer = await loadTokenizer(name);
    const problems = describeMismatches(fixture.cases, (c) => {
      const ids = tokenizer.encode(c.text);
      return same(ids, c.ids)
        ? null
        : `${JSON.stringify(c.text.slice(0, 80))}: got ${JSON.stringify(ids.slice(0, 20))}, expected ${JSON.stringify(c.ids.slice(0, 20))}`;
    });
    expect(problems).toEqual([]);
  });

  it('encodes every case to the same ids without special tokens', async () => {
    const tokenizer = await loadTokenizer(name);
    const problems = describeMismatches(fixture.cases, (c) => {
      const ids = tokenizer.encode(c.text, { addSpecialTokens: false });
      return same(ids, c.idsWithoutSpecialTokens) ? null : JSON.stringify(c.text.slice(0, 80));
    });
    expect(problems).toEqual([]);
  });

  it('decodes every case as Hugging Face does, keeping and skipping special tokens', async () => {
    const tokenizer = await loadTokenizer(name);
    const problems = describeMismatches(fixture.cases, (c) => {
      const kept = tokenizer.decode(c.ids);
      const skipped = tokenizer.decode(c.ids, { skipSpecialTokens: true });
      if (kept !== c.decoded) return `kept: ${JSON.stringify(kept.slice(0, 80))} vs ${JSON.stringify(c.decoded.slice(0, 80))}`;
      if (skipped !== c.decodedSkippingSpecialTokens)
        return `skipped: ${JSON.stringify(skipped.slice(0, 80))} vs ${JSON.stringify(c.decodedSkippingSpecialTokens.slice(0, 80))}`;
      return null;
    });
    expect(problems).toEqual([]);
  });

  it('decodes random id sequences (broken UTF-8, byte runs, specials) as Hugging Face does', async () => {
    const tokenizer = await loadTokenizer(name);
    expect(fixture.decodeCases.length).toBeGreaterThanOrEqual(50);
    const problems = describeMismatches(fixture.decodeCases, (c) => {
      const kept = tokenizer.decode(c.ids);
      const skipped = tokenizer.decode(c.ids, { skipSpecialTokens: true });
      return kept === c.decoded && skipped === c.decodedSkippingSpecialTokens
        ? null
        : `${JSON.stringify(c.ids)}: ${JSON.stringify(kept)} vs ${JSON.stringify(c.decoded)}`;
    });
    expect(problems).toEqual([]);
  });
});

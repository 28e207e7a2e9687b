// Fuzzing (fast-check) of tokenizer.json loading, from the bytes on (the byte scanner of the
// vocabulary and merges, then every component's builder): a hostile file loads or fails with a
// TokenizerError in bounded time, and a tokenizer that loads encodes and decodes with nothing but
// TokenizerErrors either.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { TokenizerError } from '../src/errors.js';
import { tokenizerPartsFromBytes } from '../src/load-files.js';
import { Tokenizer } from '../src/tokenizer.js';
import { budget, fuzzTimeout, hangMs, report } from './helpers/fuzz-budget.js';
import { hostileTokenizerJson } from './helpers/tokenizer-json-arbitrary.js';

const text = fc.oneof(fc.constantFrom('hello world', '<s>hello</s>', '\t héllo 123 ✓'), fc.string({ maxLength: 24, unit: 'binary' }));

describe('tokenizer.json loading', () => {
  it(
    'loads or throws a TokenizerError, for any bytes; what loads encodes and decodes',
    () => {
      const outcomes = { loaded: 0, refused: 0, encodeRefused: 0 };
      fc.assert(
        fc.property(hostileTokenizerJson, text, (bytes, input) => {
          const started = performance.now();
          let tokenizer: Tokenizer;
          try {
            tokenizer = new Tokenizer(tokenizerPartsFromBytes(bytes));
          } catch (error) {
            if (!TokenizerError.isInstance(error)) throw error;
            outcomes.refused++;
            return;
          } finally {
            expect(performance.now() - started).toBeLessThan(hangMs);
          }
          outcomes.loaded++;
          try {
            const ids = tokenizer.encode(input);
            expect(ids.every((id) => Number.isInteger(id))).toBe(true);
            tokenizer.decode(ids);
            tokenizer.decode(tokenizer.encode(input, { addSpecialTokens: false }), { skipSpecialTokens: true });
          } catch (error) {
            if (!TokenizerError.isInstance(error)) throw error;
            outcomes.encodeRefused++;
          }
          expect(performance.now() - started).toBeLessThan(hangMs);
        }),
        budget(),
      );
      report('tokenizer-json', outcomes.loaded + outcomes.refused, outcomes);
      expect(outcomes.loaded + outcomes.refused).toBeGreaterThan(0);
    },
    fuzzTimeout,
  );
});

// Fuzzing (fast-check) of applyChatTemplate with hostile Jinja: loops, huge ranges and repeats,
// doubling strings and lists, recursive macros, odd filters. Each render returns text no longer
// than maxOutputLength or throws a TokenizerError, within its time limit (plus a margin for one
// step of the interpreter), and without building anything much larger than the output limit.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { TokenizerError } from '../src/errors.js';
import { Tokenizer } from '../src/tokenizer.js';
import { budget, fuzzTimeout, hangMs, report } from './helpers/fuzz-budget.js';
import { hostileMessages, hostileTemplate } from './helpers/jinja-arbitrary.js';

const tokenizer = Tokenizer.fromJson({ model: { type: 'BPE', vocab: { a: 0, b: 1, ab: 2 }, merges: ['a b'] } }, { bos_token: '<s>', eos_token: '</s>' });
const maxOutputLength = 64 * 1024;

describe('applyChatTemplate', () => {
  it(
    'renders bounded text or throws a TokenizerError, for any template',
    () => {
      const outcomes = { rendered: 0, refused: 0 };
      fc.assert(
        fc.property(hostileTemplate, hostileMessages, fc.boolean(), (chatTemplate, messages, addGenerationPrompt) => {
          const started = performance.now();
          const before = process.memoryUsage().heapUsed;
          try {
            const text = tokenizer.applyChatTemplate(messages, { chatTemplate, addGenerationPrompt, timeoutMs: 10, maxOutputLength });
            expect(typeof text).toBe('string');
            expect(text.length).toBeLessThanOrEqual(maxOutputLength);
            outcomes.rendered++;
          } catch (error) {
            if (!TokenizerError.isInstance(error)) throw error;
            outcomes.refused++;
          }
          expect(performance.now() - started).toBeLessThan(hangMs);
          expect(process.memoryUsage().heapUsed - before).toBeLessThan(256 * 1024 * 1024);
        }),
        budget(),
      );
      report('chat-template', outcomes.rendered + outcomes.refused, outcomes);
      expect(outcomes.rendered + outcomes.refused).toBeGreaterThan(0);
    },
    fuzzTimeout,
  );
});

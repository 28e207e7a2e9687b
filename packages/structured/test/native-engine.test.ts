// The native engine against the oracle: on fixed inputs (fixtures/mask-cases.ts over Gemma 3's
// 262k vocabulary) every mask equals the one Python's xgrammar computed (fixtures/gemma3-masks.json,
// made by fixtures/make-mask-fixtures.mjs). And its failures: a bad grammar, schema or tool
// format is a StructuredOutputError with the engine's text, and a C++ exception thrown inside
// the engine is a JS error, after which the engine keeps working.
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import * as mx from '@mlx-ts/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Constraint, GrammarEngine, StructuredOutputError, toolCallConstraint, vocabularyFromTokenizer } from '../src/index.js';
import { nativeXGrammar } from '../src/native-engine.js';
import { maskCases, toolSyntax } from './fixtures/mask-cases.js';
import { gemma, gemmaTokenizer } from './helpers.js';

interface FixtureCase {
  name: string;
  tokens: number[];
  steps: { allowed: number; sha256: string; accepted: boolean }[];
  terminated: boolean;
}
const fixture = JSON.parse(readFileSync(new URL('./fixtures/gemma3-masks.json', import.meta.url), 'utf8')) as { xgrammar: string; cases: FixtureCase[] };

let engine: GrammarEngine;

beforeAll(async () => {
  const tokenizer = await gemmaTokenizer();
  engine = await GrammarEngine.create(vocabularyFromTokenizer(tokenizer, gemma.vocabularySize, gemma.stopTokenIds));
});

afterAll(() => engine.dispose());

function constraintOf(item: (typeof maskCases)[number]): Constraint {
  return item.tool ? toolCallConstraint(item.tool.functions, toolSyntax, item.tool as never) : (item.constraint as Constraint);
}

function popcount(words: Int32Array): number {
  let count = 0;
  for (let word of words) {
    word = word - ((word >>> 1) & 0x55555555);
    word = (word & 0x33333333) + ((word >>> 2) & 0x33333333);
    count += (((word + (word >>> 4)) & 0x0f0f0f0f) * 0x01010101) >>> 24;
  }
  return count;
}

describe('masks equal the Python xgrammar oracle', () => {
  it('is the xgrammar the fixtures were made with', () => {
    expect(nativeXGrammar().version).toBe(fixture.xgrammar);
  });

  for (const item of maskCases) {
    it(item.name, async () => {
      const expected = fixture.cases.find((c) => c.name === item.name)!;
      expect(expected, `no fixture for ${item.name}; rerun make-mask-fixtures.mjs`).toBeDefined();
      const matcher = new (nativeXGrammar().GrammarMatcher)(await engine.compile(constraintOf(item)));
      const bitmask = new Int32Array(gemma.vocabularySize / 32);
      try {
        expected.steps.forEach((step, i) => {
          matcher.fillNextTokenBitmask(bitmask);
          const digest = createHash('sha256').update(new Uint8Array(bitmask.buffer)).digest('hex');
          expect({ step: i, allowed: popcount(bitmask), digest }).toEqual({ step: i, allowed: step.allowed, digest: step.sha256 });
          expect(matcher.acceptToken(expected.tokens[i]!)).toBe(step.accepted);
        });
        expect(matcher.isTerminated()).toBe(expected.terminated);
      } finally {
        matcher.dispose();
      }
    });
  }
});

describe('engine errors', () => {
  async function refusal(constraint: Constraint): Promise<StructuredOutputError> {
    const error = await engine.compile(constraint).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(StructuredOutputError.isInstance(error), String(error)).toBe(true);
    return error as StructuredOutputError;
  }

  it('a grammar that does not parse: StructuredOutputError with the engine text', async () => {
    const error = await refusal({ type: 'grammar', grammar: 'root ::= "a' });
    expect(error.kind).toBe('invalid');
    expect(error.message).toMatch(/^The grammar does not parse: .+/);
    // The engine's message, without the time and source location of its log line.
    expect(error.message).not.toMatch(/\.cc:\d+/);
  });

  it('a grammar without its root rule', async () => {
    const error = await refusal({ type: 'grammar', grammar: 'start ::= "a"' });
    expect(error.message).toMatch(/root/);
  });

  it('a schema xgrammar refuses though it is valid JSON Schema: the engine text', async () => {
    const error = await refusal({ type: 'json_schema', schema: { type: 'string', minLength: 5, maxLength: 2 } });
    expect(error.message).toBe('The JSON schema cannot be used for constrained decoding: minLength 5 is greater than maxLength 2');
  });

  it('a $ref to itself is refused when it compiles (xgrammar 0.2.9; 0.1.27 compiled a grammar that admits nothing)', async () => {
    const error = await refusal({ type: 'json_schema', schema: { $ref: '#' } });
    expect(error.message).toMatch(/Circular \$ref chain with no schema content: # -> #/);
  });

  it('a grammar that admits nothing is refused before the first token', async () => {
    const error = await engine.createProcessor({ type: 'grammar', grammar: 'root ::= root' }).catch((e: unknown) => e);
    expect(StructuredOutputError.isInstance(error)).toBe(true);
    expect((error as Error).message).toMatch(/admits no output at all/);
  });

  it('a structural tag of an unknown format type', async () => {
    const error = await refusal({ type: 'structural_tag', format: { type: 'no_such_format' } as never });
    expect(error.kind).toBe('unsupported');
    expect(error.message).toMatch(/^The tool-call format cannot be compiled: .+/);
  });

  it('a C++ exception is a JS error, and the engine keeps working after it', async () => {
    const matcher = new (nativeXGrammar().GrammarMatcher)(await engine.compile({ type: 'grammar', grammar: 'root ::= "yes"' }));
    const bitmask = new Int32Array(gemma.vocabularySize / 32);
    // The wrong mask length: xgrammar's shape check throws.
    expect(() => matcher.fillNextTokenBitmask(new Int32Array(3))).toThrow(/shape/);
    const tokenizer = await gemmaTokenizer();
    for (const id of tokenizer.encode('yes').filter((id) => id !== tokenizer.bosTokenId)) expect(matcher.acceptToken(id)).toBe(true);
    expect(matcher.acceptToken(gemma.stopTokenIds[0]!)).toBe(true);
    expect(matcher.isTerminated()).toBe(true);
    // A mask after the end: xgrammar throws (its WebAssembly build aborted the module here).
    expect(() => matcher.fillNextTokenBitmask(bitmask)).toThrow(/terminated/);
    matcher.dispose();
    expect(() => matcher.isTerminated()).toThrow(/after dispose/);
    // Still usable: a fresh processor masks as before.
    const processor = await engine.createProcessor({ type: 'json_object' });
    const masked = mx.tidy(() => mx.keep(processor.process(mx.zeros([1, gemma.vocabularySize], 'float32'))));
    expect(processor.maskedSteps).toBe(1);
    masked.dispose();
    processor.dispose();
  });

  it('a processor turns an engine exception into a StructuredOutputError', async () => {
    const processor = await engine.createProcessor({ type: 'grammar', grammar: 'root ::= "yes"' });
    // Reaching into the matcher to make it throw mid-request, as a corrupted state would.
    const matcher = (processor as unknown as { matcher: { fillNextTokenBitmask(out: Int32Array): boolean } }).matcher;
    (processor as unknown as { bitmask: Int32Array }).bitmask = new Int32Array(3);
    const logits = mx.keep(mx.zeros([1, gemma.vocabularySize], 'float32'));
    let error: unknown;
    try {
      mx.tidy(() => processor.process(logits));
    } catch (e) {
      error = e;
    }
    expect(StructuredOutputError.isInstance(error), String(error)).toBe(true);
    expect((error as Error).message).toMatch(/^The grammar engine failed: .*shape/);
    expect(matcher).toBeDefined();
    logits.dispose();
    processor.dispose();
  });
});

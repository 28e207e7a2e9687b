// The mask on the device, driven by random logits over Gemma 3's real 262k vocabulary: whatever
// the logits, greedy sampling through the processor yields text that parses and validates.
import * as mx from '@mlx-ts/core';
import { Ajv2020 } from 'ajv/dist/2020.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Tokenizer } from '@mlx-ts/tokenizer';
import { type Constraint, GrammarEngine, type ToolCallSyntax, toolCallConstraint, vocabularyFromTokenizer } from '../src/index.js';
import { gemma, gemmaTokenizer } from './helpers.js';

let tokenizer: Tokenizer;
let engine: GrammarEngine;

beforeAll(async () => {
  tokenizer = await gemmaTokenizer();
  engine = await GrammarEngine.create(vocabularyFromTokenizer(tokenizer, gemma.vocabularySize, gemma.stopTokenIds));
});

afterAll(() => engine.dispose());

/** Greedy decoding of seeded random logits through the constraint, until a stop token. */
async function sample(constraint: Constraint, seed: number, maxTokens = 200): Promise<{ text: string; stopped: boolean }> {
  const processor = await engine.createProcessor(constraint);
  const ids: number[] = [];
  let stopped = false;
  try {
    for (let step = 0; step < maxTokens; step++) {
      const token = mx.tidy(() => {
        const logits = mx.random.normal({ shape: [1, gemma.vocabularySize], key: mx.random.key(seed * 1000 + step) });
        const masked = processor.process(logits);
        const chosen = mx.argmax(masked, -1);
        processor.didSample(chosen);
        return chosen;
      });
      const id = Number(token.item());
      token.dispose();
      if (gemma.stopTokenIds.includes(id)) {
        stopped = true;
        break;
      }
      ids.push(id);
    }
  } finally {
    processor.dispose();
  }
  return { text: tokenizer.decode(ids, { skipSpecialTokens: true }), stopped };
}

describe('constrained sampling on random logits', () => {
  const schema = {
    type: 'object',
    properties: {
      name: { type: 'string', maxLength: 12 },
      age: { type: 'integer', minimum: 0, maximum: 120 },
      colour: { enum: ['red', 'green', 'blue'] },
      tags: { type: 'array', items: { type: 'string', pattern: '^[a-z]{1,5}$' }, maxItems: 3 },
      position: {
        type: 'object',
        properties: { x: { type: 'number' }, y: { type: 'integer', minimum: -5, maximum: 5 } },
        required: ['x', 'y'],
        additionalProperties: false,
      },
    },
    required: ['name', 'age', 'colour', 'tags', 'position'],
    additionalProperties: false,
  };

  it('a JSON schema: every output parses and validates', async () => {
    const validate = new Ajv2020({ strict: false }).compile(schema);
    for (let seed = 0; seed < 5; seed++) {
      const { text, stopped } = await sample({ type: 'json_schema', schema }, seed);
      expect(stopped, text).toBe(true);
      const value = JSON.parse(text);
      expect(validate(value), `${text}\n${JSON.stringify(validate.errors)}`).toBe(true);
    }
  });

  it('json_object: every output is a JSON object', async () => {
    for (let seed = 10; seed < 13; seed++) {
      const { text, stopped } = await sample({ type: 'json_object' }, seed, 60);
      // Random logits may wander past 60 tokens inside one object; what was generated stays a valid prefix.
      if (stopped) expect(typeof JSON.parse(text)).toBe('object');
      else expect(text.startsWith('{')).toBe(true);
    }
  });

  it('a grammar: the output is one of its sentences', async () => {
    const grammar = 'root ::= "yes" | "no" | "maybe " [0-9]';
    for (let seed = 20; seed < 24; seed++) {
      const { text, stopped } = await sample({ type: 'grammar', grammar }, seed);
      expect(stopped).toBe(true);
      expect(text).toMatch(/^(yes|no|maybe [0-9])$/);
    }
  });

  it('tool calls, required: only calls, each naming a function and matching its parameters', async () => {
    const syntax: ToolCallSyntax = {
      trigger: '<tool_call>',
      begin: (name) => `<tool_call>{"name": "${name}", "arguments": `,
      end: '}</tool_call>',
      separator: '\n',
    };
    const functions = [
      {
        name: 'get_weather',
        parameters: { type: 'object', properties: { city: { type: 'string', maxLength: 8 } }, required: ['city'], additionalProperties: false },
      },
      { name: 'get_time', parameters: { type: 'object', properties: { zone: { enum: ['utc', 'cet'] } }, required: ['zone'], additionalProperties: false } },
    ];
    const validators = Object.fromEntries(functions.map((fn) => [fn.name, new Ajv2020({ strict: false }).compile(fn.parameters)]));
    for (let seed = 30; seed < 33; seed++) {
      const { text, stopped } = await sample(toolCallConstraint(functions, syntax, { mode: 'required', parallel: false }), seed);
      expect(stopped, text).toBe(true);
      const match = /^<tool_call>(.*)<\/tool_call>$/s.exec(text);
      expect(match, text).not.toBeNull();
      const call = JSON.parse(match![1]!) as { name: string; arguments: unknown };
      expect(Object.keys(validators)).toContain(call.name);
      expect(validators[call.name]!(call.arguments), text).toBe(true);
    }
  });
});

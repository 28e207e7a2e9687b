import { describe, expect, it } from 'vitest';
import { StructuredOutputError, checkJsonSchema } from '../src/index.js';

function refusal(schema: unknown): StructuredOutputError {
  try {
    checkJsonSchema(schema);
  } catch (error) {
    if (StructuredOutputError.isInstance(error)) return error;
    throw error;
  }
  throw new Error(`accepted ${JSON.stringify(schema)}`);
}

describe('checkJsonSchema', () => {
  it('accepts the OpenAI strict subset and draft-7 style schemas', () => {
    checkJsonSchema({
      $schema: 'http://json-schema.org/draft-07/schema#',
      type: 'object',
      properties: { a: { type: 'string', pattern: '^x' }, b: { anyOf: [{ type: 'integer', minimum: 0 }, { type: 'null' }] }, c: { $ref: '#/$defs/c' } },
      required: ['a', 'b', 'c'],
      additionalProperties: false,
      $defs: { c: { type: 'array', items: { enum: [1, 2] }, maxItems: 2 } },
    });
  });

  it('an invalid schema names the place and the problem', () => {
    const error = refusal({ type: 'object', properties: { a: { type: 'strin' } } });
    expect(error.kind).toBe('invalid');
    expect(error.message).toContain('/properties/a/type');
    expect(refusal({ type: 'object', required: 'a' }).message).toContain('/required');
  });

  it('an unsupported keyword is named, with where it is', () => {
    const error = refusal({ type: 'object', properties: { list: { type: 'array', uniqueItems: true } } });
    expect(error.kind).toBe('unsupported');
    expect(error.feature).toBe('uniqueItems');
    expect(error.message).toContain('/properties/list');
    expect(refusal({ type: 'number', maximum: 1 }).feature).toBe('maximum');
    expect(refusal({ not: { type: 'string' } }).feature).toBe('not');
    expect(refusal({ $ref: 'https://example.com/schema.json' }).feature).toBe('$ref');
  });
});

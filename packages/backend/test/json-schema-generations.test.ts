// The proof of constrained decoding on the real Gemma 3 270M: random JSON schemas (nested
// objects, arrays, enums, required fields, bounded integers, patterns), sampled at temperature
// 0.8 with fixed seeds; every output must parse and validate against its schema (ajv). And
// json_object output always parses.
import { Ajv2020 } from 'ajv/dist/2020.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MlxBackend } from '../src/index.js';
import { requireModelData } from './helpers.js';
import { randomSchema } from './random-schemas.js';

/** 50 schemas × 10 seeds = 500 generations (each schema compiles once, then comes from the cache). */
const schemaCount = 50;
const seedsPerSchema = 10;

let backend: MlxBackend;
beforeAll(async () => {
  backend = await MlxBackend.load(requireModelData('gemma-3-270m-bf16'), { dtype: 'float32' });
});
afterAll(async () => {
  await backend?.dispose();
});

describe('Gemma 3 270M under random JSON schemas', () => {
  it(`${schemaCount * seedsPerSchema} generations each parse and validate`, async () => {
    const ajv = new Ajv2020({ strict: false });
    const failures: string[] = [];
    let generations = 0;
    for (let s = 0; s < schemaCount; s++) {
      const schema = randomSchema(s);
      const validate = ajv.compile(schema);
      for (let seed = 0; seed < seedsPerSchema; seed++) {
        const result = await backend.generate('JSON:', { responseFormat: { type: 'json_schema', schema }, maxTokens: 48, temperature: 0.8, seed });
        generations++;
        let value: unknown;
        try {
          value = JSON.parse(result.text);
        } catch {
          failures.push(`schema ${s} seed ${seed}: not JSON (${result.finishReason}): ${result.text}`);
          continue;
        }
        if (!validate(value)) failures.push(`schema ${s} seed ${seed}: ${result.text} — ${ajv.errorsText(validate.errors)}`);
        if (result.finishReason !== 'stop') failures.push(`schema ${s} seed ${seed}: finished by ${result.finishReason}`);
      }
    }
    expect(generations).toBe(schemaCount * seedsPerSchema);
    expect(failures).toEqual([]);
  }, 1_800_000);

  it('json_object output always parses to an object', async () => {
    const prompts = ['A JSON object with the key "name".', 'A JSON object with the keys "a" and "b".', 'A JSON object with the key "colour".'];
    for (const content of prompts) {
      const result = await backend.chat([{ role: 'user', content }], { responseFormat: { type: 'json_object' }, maxTokens: 64 });
      expect(result.finishReason, result.text).toBe('stop');
      const value = JSON.parse(result.text);
      expect(typeof value === 'object' && value !== null && !Array.isArray(value)).toBe(true);
    }
  });
});

// A user's own logits processors (MlxBackendOptions.logitsProcessors) on the tiny random Gemma 3:
// a processor that lowers one token's logit gives the tokens of the built-in logitBias option, and
// rows with and without it share a batch without changing each other.
import * as mx from '@mlx-ts/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type GenerateOptions, type LogitsProcessor, MlxBackend } from '../src/index.js';
import { modelsFixtures, readJson, tinyModelFolder } from './helpers.js';

interface TinyReference {
  promptIds: number[];
  decode: { inputId: number; nextId: number }[];
}
const reference = readJson<TinyReference>(`${modelsFixtures}/tiny-gemma3-reference.json`);
const expected = [reference.decode[0].inputId, ...reference.decode.map((d) => d.nextId)];
const options = { maxTokens: expected.length, ignoreEos: true };

/** Lowers one token's logit by 100, as logitBias { [token]: -100 } does; counts what the engine tells it. */
class LowerToken implements LogitsProcessor {
  prompts: number[][] = [];
  sampled = 0;
  constructor(private readonly token: number) {}
  prompt(tokens: readonly number[] | mx.Array): void {
    this.prompts.push([...(tokens as readonly number[])]);
  }
  process(logits: mx.Array): mx.Array {
    const bias = new Float32Array(logits.shape[1]);
    bias[this.token] = -100;
    return mx.add(logits, mx.array(bias));
  }
  didSample(): void {
    this.sampled++;
  }
}

const processorCalls: GenerateOptions[] = [];
const processors: LowerToken[] = [];
let custom: MlxBackend;
let builtIn: MlxBackend;

beforeAll(async () => {
  custom = await MlxBackend.load(tinyModelFolder(), {
    dtype: 'float32',
    logitsProcessors: (requestOptions) => {
      processorCalls.push(requestOptions);
      if (requestOptions.seed !== 3) return [];
      const processor = new LowerToken(expected[1]);
      processors.push(processor);
      return [processor];
    },
  });
  builtIn = await MlxBackend.load(tinyModelFolder(), { dtype: 'float32' });
});
afterAll(async () => {
  await custom?.dispose();
  await builtIn?.dispose();
});

describe('custom logits processors', () => {
  it('run for the request they were made for, with its options, and give the built-in logitBias output', async () => {
    const result = await custom.generate(reference.promptIds, { ...options, seed: 3 });
    const withBias = await builtIn.generate(reference.promptIds, { ...options, logitBias: { [expected[1]]: -100 } });
    expect(result.tokenIds).toEqual(withBias.tokenIds);
    // The lowered token changes the output, so the processor really ran.
    expect(result.tokenIds).not.toEqual(expected);
    expect(processorCalls.at(-1)).toMatchObject({ seed: 3 });
    expect(processors).toHaveLength(1);
    expect(processors[0].prompts).toEqual([reference.promptIds]);
    expect(processors[0].sampled).toBeGreaterThanOrEqual(expected.length);
  });

  it('a row with a processor and one without share a batch unchanged', async () => {
    const [lowered, plain] = await Promise.all([
      custom.generate(reference.promptIds, { ...options, seed: 3 }),
      custom.generate(reference.promptIds, { ...options, seed: 4 }),
    ]);
    expect(plain.tokenIds).toEqual(expected);
    expect(lowered.tokenIds).toEqual((await builtIn.generate(reference.promptIds, { ...options, logitBias: { [expected[1]]: -100 } })).tokenIds);
  });
});

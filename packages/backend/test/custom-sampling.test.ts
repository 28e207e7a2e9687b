// A user's own sampler and logits processors (MlxBackendOptions.sampler / logitsProcessors) on the
// tiny random Gemma 3: a hand-written greedy sampler reproduces the transformers reference, and a
// processor that lowers one token's logit gives the tokens of the built-in logitBias option.
import * as mx from '@mlx-ts/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type LogitsProcessor, MlxBackend, type SamplerOptions } from '../src/index.js';
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

const samplerCalls: SamplerOptions[] = [];
const processors: LowerToken[] = [];
let custom: MlxBackend;
let builtIn: MlxBackend;

beforeAll(async () => {
  custom = await MlxBackend.load(tinyModelFolder(), {
    dtype: 'float32',
    sampler: (samplerOptions) => {
      samplerCalls.push(samplerOptions);
      return (logits) => mx.astype(mx.argmax(logits, -1), 'int32');
    },
    logitsProcessors: () => {
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

describe('a custom sampler and logits processors', () => {
  it('are used for every request, with its options, and give the built-in logitBias output', async () => {
    const result = await custom.generate(reference.promptIds, { ...options, temperature: 0.7, seed: 3 });
    const withBias = await builtIn.generate(reference.promptIds, { ...options, logitBias: { [expected[1]]: -100 } });
    expect(result.tokenIds).toEqual(withBias.tokenIds);
    // The lowered token changes the output, so the processor really ran.
    expect(result.tokenIds).not.toEqual(expected);
    expect(samplerCalls).toHaveLength(1);
    expect(samplerCalls[0]).toMatchObject({ temperature: 0.7, seed: 3 });
    expect(processors).toHaveLength(1);
    expect(processors[0].prompts).toEqual([reference.promptIds]);
    expect(processors[0].sampled).toBeGreaterThanOrEqual(expected.length);
  });

  it('the hand-written greedy sampler alone reproduces the reference', async () => {
    const plain = await MlxBackend.load(tinyModelFolder(), { dtype: 'float32', sampler: () => (logits) => mx.astype(mx.argmax(logits, -1), 'int32') });
    try {
      const result = await plain.generate(reference.promptIds, options);
      expect(result.tokenIds).toEqual(expected);
      expect(result.tokenIds).toEqual((await builtIn.generate(reference.promptIds, options)).tokenIds);
    } finally {
      await plain.dispose();
    }
  });
});

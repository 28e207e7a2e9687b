import * as mx from '@mlx-ts/core';
import { describe, expect, it } from 'vitest';
import { SampleInputError, SampleOptionsError, type SamplerOptions, logSoftmax, makeSampler } from '../src/index.js';
import { type Row, ids, loadFixture, matrix } from './fixtures.js';

interface Run {
  config: SamplerOptions;
  seed: number;
  tokens: number[][];
}
const fixture = loadFixture<{
  logits: Row[];
  runs: Run[];
  categorical: { seed: number; temperature: number; tokens: number[] }[];
}>('sampling-samplers.json');

function draw(options: SamplerOptions, steps: number, logits: mx.Array): number[][] {
  using sampler = makeSampler(options);
  const out: number[][] = [];
  for (let i = 0; i < steps; i++) out.push(mx.tidy(() => ids(sampler(logits))));
  return out;
}

describe('makeSampler reproduces mlx_lm make_sampler after mx.random.seed(seed)', () => {
  for (const run of fixture.runs) {
    it(`${JSON.stringify(run.config)} seed ${run.seed}`, () => {
      mx.tidy(() => {
        const logits = matrix(fixture.logits);
        expect(draw({ ...run.config, seed: run.seed }, run.tokens.length, logits)).toEqual(run.tokens);
      });
    });
  }

  it('samples a real distribution, not one token (the fixture runs vary)', () => {
    const distinct = new Set(fixture.runs.filter((r) => (r.config.temperature ?? 0) > 0).flatMap((r) => r.tokens.map((t) => t[0])));
    expect(distinct.size).toBeGreaterThan(3);
  });

  it('logSoftmax + categorical with an explicit key draw what mlx does with mx.random.key(seed)', () => {
    mx.tidy(() => {
      const logprobs = logSoftmax(matrix(fixture.logits));
      for (const c of fixture.categorical) {
        const token = mx.random.categorical(mx.multiply(logprobs, 1 / c.temperature), { key: mx.random.key(c.seed) });
        expect(ids(token.astype('int32'))).toEqual(c.tokens);
      }
    });
  });
});

describe('seeded sampling is reproducible', () => {
  const options: SamplerOptions = { temperature: 1, topP: 0.95, xtcProbability: 0.5, xtcThreshold: 0.05 };

  it('gives the same tokens for the same seed whatever other randomness runs in between', () => {
    mx.tidy(() => {
      const logits = matrix(fixture.logits);
      const first = draw({ ...options, seed: 31 }, 20, logits);
      mx.random.seed(5);
      mx.random.uniform({ shape: [1000] });
      using sampler = makeSampler({ ...options, seed: 31 });
      using other = makeSampler({ ...options, seed: 32 });
      const second: number[][] = [];
      for (let i = 0; i < 20; i++) {
        mx.tidy(() => {
          other(logits);
          mx.random.normal({ shape: [7] });
          second.push(ids(sampler(logits)));
        });
      }
      expect(second).toEqual(first);
      expect(draw({ ...options, seed: 32 }, 20, logits)).not.toEqual(first);
    });
  });

  it('draws from the global sequence without a seed, as mlx-lm (mx.random.seed makes it repeatable)', () => {
    mx.tidy(() => {
      const logits = matrix(fixture.logits);
      const run = fixture.runs.find((r) => r.config.temperature === 1 && Object.keys(r.config).length === 1)!;
      mx.random.seed(run.seed);
      expect(draw({ temperature: 1 }, run.tokens.length, logits)).toEqual(run.tokens);
    });
  });
});

describe('greedy and output contract', () => {
  it('temperature 0 is argmax, ties to the lowest id; int32 [B]', () => {
    mx.tidy(() => {
      const logits = matrix(fixture.logits);
      const tokens = makeSampler({ temperature: 0, topK: 3 })(logits);
      expect(tokens.dtype).toBe('int32');
      expect(tokens.shape).toEqual([5]);
      // Reference: first index of the row maximum.
      const expected = fixture.logits.map((row) => row.indexOf(Math.max(...(row as number[]))));
      expect(ids(tokens)).toEqual(expected);
      expect(expected[4]).toBe(5);
    });
  });

  it('rejects options out of range with a typed error naming the option', () => {
    const bad: [SamplerOptions, string][] = [
      [{ temperature: -1 }, 'temperature'],
      [{ temperature: 1, topP: 1.5 }, 'topP'],
      [{ temperature: 1, minP: -0.1 }, 'minP'],
      [{ temperature: 1, topK: 2.5 }, 'topK'],
      [{ temperature: 1, minTokensToKeep: 0 }, 'minTokensToKeep'],
      [{ temperature: 1, xtcThreshold: 0.7 }, 'xtcThreshold'],
      [{ temperature: 1, xtcProbability: 2 }, 'xtcProbability'],
      [{ temperature: 1, xtcSpecialTokens: [-1] }, 'xtcSpecialTokens[0]'],
      [{ temperature: 1, seed: -3 }, 'seed'],
    ];
    for (const [options, option] of bad) {
      let caught: unknown;
      try {
        makeSampler(options);
      } catch (error) {
        caught = error;
      }
      expect(SampleOptionsError.isInstance(caught), JSON.stringify(options)).toBe(true);
      expect((caught as SampleOptionsError).option).toBe(option);
    }
  });

  it('rejects logits that are not [B, V]', () => {
    mx.tidy(() => {
      const sampler = makeSampler({ temperature: 1 });
      expect(() => sampler(mx.zeros([2, 3, 4]))).toThrow(SampleInputError);
      expect(() => makeSampler()(mx.zeros([4]))).toThrow(/\[batch, vocabulary\]/);
    });
  });

  it('keeps every token when topK is at least the vocabulary size', () => {
    mx.tidy(() => {
      const logits = matrix(fixture.logits);
      const run = fixture.runs.find((r) => r.config.temperature === 1 && Object.keys(r.config).length === 1)!;
      expect(draw({ temperature: 1, topK: 64, seed: run.seed }, run.tokens.length, logits)).toEqual(run.tokens);
    });
  });
});

import * as mx from '@mlx-ts/core';
import { describe, expect, it } from 'vitest';
import {
  type LogitsProcessor,
  type LogitsProcessorsOptions,
  SampleInputError,
  SampleOptionsError,
  applyLogitsProcessors,
  composeLogitsProcessors,
  logprobs,
  makeLogitsProcessors,
  makeSampler,
} from '../src/index.js';
import { type Row, expectRowsClose, loadFixture, matrix } from './fixtures.js';

const fixture = loadFixture<{
  logits: Row[];
  prompt: number[];
  generated: number[];
  cases: { config: LogitsProcessorsOptions; steps: { generated: number; output: Row[] }[] }[];
  batchedHistories: number[][];
  batched: { config: LogitsProcessorsOptions; output: Row[] }[];
}>('sampling-processors.json');

// mlx-lm's frequency penalty subtracts once per occurrence (a scatter-add); ours subtracts
// count × penalty. Both are exact to one float32 rounding of |logit| < 16 (ulp 9.5e-7).
const TOLERANCE = 1e-6;

describe('makeLogitsProcessors matches mlx_lm make_logits_processors', () => {
  for (const c of fixture.cases) {
    it(`${JSON.stringify(c.config)} over a growing history`, () => {
      const processors = makeLogitsProcessors(c.config);
      const logits = matrix(fixture.logits);
      const steps = new Map(c.steps.map((s) => [s.generated, s.output]));
      for (const p of processors) p.prompt?.(fixture.prompt);
      for (let t = 0; t <= fixture.generated.length; t++) {
        const want = steps.get(t);
        if (want) mx.tidy(() => expectRowsClose(applyLogitsProcessors(processors, logits), want, TOLERANCE));
        if (t < fixture.generated.length) {
          // The sampled token arrives as a device array, one per row ([B]), never read back.
          mx.tidy(() => {
            // One history shared by every row (as mlx-lm's tokens list): one token per step.
            const token = mx.array([fixture.generated[t]], 'int32');
            for (const p of processors) p.didSample?.(token);
          });
        }
      }
      for (const p of processors) p.dispose?.();
      logits.dispose();
    });
  }

  for (const c of fixture.batched) {
    it(`${JSON.stringify(c.config)} with one history per batch row`, () => {
      using composed = composeLogitsProcessors(makeLogitsProcessors(c.config));
      const histories = fixture.batchedHistories;
      const promptLength = 3;
      composed.prompt(
        mx.array(
          histories.map((h) => h.slice(0, promptLength)),
          'int32',
        ),
      );
      for (let t = promptLength; t < histories[0].length; t++) {
        mx.tidy(() =>
          composed.didSample(
            mx.array(
              histories.map((h) => h[t]),
              'int32',
            ),
          ),
        );
      }
      mx.tidy(() => expectRowsClose(composed.process(mx.slice(matrix(fixture.logits), [0, 0], [histories.length, 64])), c.output, TOLERANCE));
    });
  }

  it('keeps a separate history per row of a batch', () => {
    // Rows of equal history length, processed as one batch, against the per-row fixture rows.
    const c = fixture.cases.find((x) => x.config.frequencyPenalty === 0.4)!;
    const rows = fixture.logits.length;
    const processors = makeLogitsProcessors(c.config);
    const prompt = Array.from({ length: rows }, () => fixture.prompt);
    for (const p of processors) p.prompt?.(prompt);
    for (const id of fixture.generated.slice(0, 5)) mx.tidy(() => processors.forEach((p) => p.didSample?.(mx.full([rows], id, 'int32'))));
    mx.tidy(() => expectRowsClose(applyLogitsProcessors(processors, matrix(fixture.logits)), c.steps.find((s) => s.generated === 5)!.output, TOLERANCE));
    processors.forEach((p) => p.dispose?.());
  });
});

describe('processor contract', () => {
  it('makes fresh state on every call (one history per request)', () => {
    const options = { presencePenalty: 1 };
    const first = makeLogitsProcessors(options);
    first[0].prompt?.([1, 2, 3]);
    const second = makeLogitsProcessors(options);
    mx.tidy(() => {
      const logits = mx.zeros([1, 8]);
      expect(second[0].process(logits)).toBe(logits);
      expect(Array.from(first[0].process(logits).toTypedArray() as Float32Array)).toEqual([0, -1, -1, -1, 0, 0, 0, 0]);
    });
    first[0].dispose?.();
  });

  it('returns no processors when every option is off', () => {
    expect(makeLogitsProcessors({})).toEqual([]);
    expect(makeLogitsProcessors({ repetitionPenalty: 0, presencePenalty: 0, frequencyPenalty: 0, logitBias: {} })).toEqual([]);
  });

  it('rejects bad options with a typed error naming the option', () => {
    const bad: [LogitsProcessorsOptions, string][] = [
      [{ repetitionPenalty: -1 }, 'repetitionPenalty'],
      [{ repetitionPenalty: 1.2, repetitionContextSize: 0 }, 'repetitionContextSize'],
      [{ presencePenalty: Number.NaN }, 'presencePenalty'],
      [{ frequencyPenalty: 1, frequencyContextSize: 2.5 }, 'frequencyContextSize'],
      [{ logitBias: { '-4': 1 } }, 'logitBias[-4]'],
      [{ logitBias: { abc: 1 } }, 'logitBias[abc]'],
      [{ logitBias: { 3: Number.POSITIVE_INFINITY } }, 'logitBias[3]'],
    ];
    for (const [options, option] of bad) {
      let caught: unknown;
      try {
        makeLogitsProcessors(options);
      } catch (error) {
        caught = error;
      }
      expect(SampleOptionsError.isInstance(caught), JSON.stringify(options)).toBe(true);
      expect((caught as SampleOptionsError).option).toBe(option);
    }
  });

  it('names the fix when a biased token is outside the vocabulary or batch sizes disagree', () => {
    mx.tidy(() => {
      const [bias] = makeLogitsProcessors({ logitBias: { 100: 1 } });
      expect(() => bias.process(mx.zeros([1, 64]))).toThrow(/outside the vocabulary of 64 tokens/);
      const [penalty] = makeLogitsProcessors({ presencePenalty: 1 });
      penalty.prompt?.([
        [1, 2],
        [3, 4],
      ]);
      expect(() => penalty.process(mx.zeros([3, 64]))).toThrow(SampleInputError);
      expect(() => penalty.didSample?.(mx.array([1, 2, 3], 'int32'))).toThrow(/one token per row/);
      expect(() => penalty.prompt?.(mx.zeros([1, 2, 3], 'int32'))).toThrow(SampleInputError);
      penalty.dispose?.();
    });
  });

  it('never reads array values on the host in process(), didSample(), the sampler or logprobs', () => {
    const reads = ['item', 'toTypedArray', 'toList'] as const;
    const originals = reads.map((name) => mx.Array.prototype[name]);
    const processors: LogitsProcessor[] = makeLogitsProcessors({ repetitionPenalty: 1.2, presencePenalty: 0.5, frequencyPenalty: 0.5, logitBias: { 1: 2 } });
    using sampler = makeSampler({ temperature: 0.9, topK: 20, topP: 0.9, minP: 0.05, xtcProbability: 0.5, seed: 4 });
    let count = 0;
    let during = -1;
    try {
      for (const name of reads) {
        const original = mx.Array.prototype[name] as (...args: unknown[]) => unknown;
        (mx.Array.prototype as unknown as Record<string, unknown>)[name] = function (this: mx.Array, ...args: unknown[]) {
          count++;
          return original.apply(this, args);
        };
      }
      mx.tidy(() => {
        const logits = mx.random.normal({ shape: [2, 64] });
        processors.forEach((p) =>
          p.prompt?.(
            mx.array(
              [
                [1, 2, 3],
                [4, 5, 6],
              ],
              'int32',
            ),
          ),
        );
        let current = logits;
        for (let i = 0; i < 30; i++) {
          current = applyLogitsProcessors(processors, logits);
          const token = sampler(current);
          logprobs(current, token, 4);
          processors.forEach((p) => p.didSample?.(token));
        }
        mx.eval(current);
      });
      during = count;
      mx.tidy(() => mx.zeros([1]).item()); // the spy itself works
    } finally {
      reads.forEach((name, i) => ((mx.Array.prototype as unknown as Record<string, unknown>)[name] = originals[i]));
      processors.forEach((p) => p.dispose?.());
    }
    expect(during).toBe(0);
    expect(count).toBe(1);
  });
});

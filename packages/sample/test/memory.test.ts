import * as mx from '@mlx-ts/core';
import { expect, it } from 'vitest';
import { composeLogitsProcessors, logprobs, makeLogitsProcessors, makeSampler } from '../src/index.js';

it('holds a flat number of live arrays over 1000 generation steps', () => {
  const vocabulary = 512;
  using sampler = makeSampler({ temperature: 0.8, topK: 40, topP: 0.9, minP: 0.05, xtcProbability: 0.2, seed: 3 });
  using processors = composeLogitsProcessors(
    makeLogitsProcessors({ logitBias: { 7: -5 }, repetitionPenalty: 1.1, presencePenalty: 0.3, frequencyPenalty: 0.2, frequencyContextSize: 64 }),
  );
  const base = mx.keep(mx.random.normal({ shape: [2, vocabulary], key: mx.random.key(1) }));
  processors.prompt([
    [1, 2, 3],
    [4, 5, 6],
  ]);
  const counts: number[] = [];
  for (let step = 0; step < 1000; step++) {
    mx.tidy(() => {
      const logits = processors.process(base);
      const token = sampler(logits);
      const { logprob, top } = logprobs(logits, token, 5);
      processors.didSample(token);
      mx.eval(token, logprob, top);
    });
    if (step === 99 || step === 999) counts.push(mx.liveArrayCount());
  }
  expect(counts[1]).toBe(counts[0]);
  base.dispose();
});

it('frees its device state on dispose', () => {
  const before = mx.liveArrayCount();
  const sampler = makeSampler({ temperature: 1, seed: 9 });
  const processors = composeLogitsProcessors(makeLogitsProcessors({ logitBias: { 1: 1 }, repetitionPenalty: 1.3, frequencyPenalty: 0.1 }));
  mx.tidy(() => {
    const logits = mx.zeros([1, 16]);
    processors.prompt([1, 2]);
    const token = sampler(processors.process(logits));
    processors.didSample(token);
    mx.eval(token);
  });
  expect(mx.liveArrayCount()).toBeGreaterThan(before);
  sampler.dispose();
  processors.dispose();
  expect(mx.liveArrayCount()).toBe(before);
});

// Per-step cost of the sampling pieces on fixed logits, each step evaluated (prints JSON).
// Usage: pnpm --filter @mlx-ts/sample build && pnpm --filter @mlx-ts/sample bench [vocabulary]
import * as mx from '@mlx-ts/core';
import { composeLogitsProcessors, logprobs, makeLogitsProcessors, makeSampler } from '../dist/index.js';

const vocabulary = Number(process.argv[2] ?? 262144);
const steps = 200;
const logits = mx.keep(mx.random.normal({ shape: [1, vocabulary], key: mx.random.key(0) }));

function measure(name, step) {
  for (let i = 0; i < 10; i++) mx.tidy(() => mx.eval(step()));
  const start = performance.now();
  for (let i = 0; i < steps; i++) mx.tidy(() => mx.eval(step()));
  return [name, Number(((performance.now() - start) / steps).toFixed(3))];
}

const greedy = makeSampler();
const temperature = makeSampler({ temperature: 0.8, seed: 1 });
const topK = makeSampler({ temperature: 0.8, topK: 40, seed: 1 });
const topP = makeSampler({ temperature: 0.8, topP: 0.9, seed: 1 });
const minP = makeSampler({ temperature: 0.8, minP: 0.05, seed: 1 });
const all = makeSampler({ temperature: 0.8, topK: 40, topP: 0.9, minP: 0.05, xtcProbability: 0.5, seed: 1 });
const penalties = composeLogitsProcessors(makeLogitsProcessors({ repetitionPenalty: 1.1, presencePenalty: 0.5, frequencyPenalty: 0.5, logitBias: { 1: 2 } }));
penalties.prompt(Array.from({ length: 50 }, (_, i) => i));

const results = Object.fromEntries([
  measure('argmax', () => greedy(logits)),
  measure('temperature', () => temperature(logits)),
  measure('topK40', () => topK(logits)),
  measure('topP0.9', () => topP(logits)),
  measure('minP0.05', () => minP(logits)),
  measure('topP+minP+xtc+topK', () => all(logits)),
  measure('penalties(rep+pres+freq+bias)', () => {
    const out = penalties.process(logits);
    penalties.didSample(mx.array([3], 'int32'));
    return out;
  }),
  measure('logprobs top5', () => {
    const { logprob, top } = logprobs(logits, mx.array([3], 'int32'), 5);
    return [logprob, top.ids, top.values];
  }),
]);
console.log(JSON.stringify({ vocabulary, device: mx.defaultDevice(), msPerStep: results }, null, 2));

// Per-step cost of the sampling pieces on fixed logits, each step evaluated, next to mlx-lm's
// make_sampler on the same logits and libmlx (bench/mlx-lm-sampling-step.py). The rounds
// alternate between the two so that both see the same machine load; medians are printed (JSON).
// Usage: pnpm --filter @mlx-ts/sample build && pnpm --filter @mlx-ts/sample bench [vocabulary] [rounds] [steps]
// The mlx-lm side runs when the oracle venv exists (README, "Reference fixtures"); MLX_LM_PYTHON overrides it.
// SAMPLE_BASELINE=/path/to/an/older/dist/index.js adds that build's samplers as a "baseline" side.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import * as mx from '@mlx-ts/core';
import * as current from '../dist/index.js';

const vocabulary = Number(process.argv[2] ?? 262144);
const rounds = Number(process.argv[3] ?? 3);
const steps = Number(process.argv[4] ?? 50);
const python = process.env.MLX_LM_PYTHON ?? fileURLToPath(new URL('../../../.cache/sample-oracle-venv/bin/python', import.meta.url));
const pythonScript = fileURLToPath(new URL('./mlx-lm-sampling-step.py', import.meta.url));
const logits = mx.keep(mx.random.normal({ shape: [1, vocabulary], key: mx.random.key(0) }));

function measure(step) {
  for (let i = 0; i < 10; i++) mx.tidy(() => mx.eval(step()));
  const start = performance.now();
  for (let i = 0; i < steps; i++) mx.tidy(() => mx.eval(step()));
  return Number(((performance.now() - start) / steps).toFixed(3));
}

function piecesOf({ composeLogitsProcessors, logprobs, makeLogitsProcessors, makeSampler }) {
  const greedy = makeSampler();
  const temperature = makeSampler({ temperature: 0.8, seed: 1 });
  const topK = makeSampler({ temperature: 0.8, topK: 40, seed: 1 });
  const topP = makeSampler({ temperature: 0.8, topP: 0.9, seed: 1 });
  const minP = makeSampler({ temperature: 0.8, minP: 0.05, seed: 1 });
  const all = makeSampler({ temperature: 0.8, topK: 40, topP: 0.9, minP: 0.05, xtcProbability: 0.5, seed: 1 });
  const penalties = composeLogitsProcessors(makeLogitsProcessors({ repetitionPenalty: 1.1, presencePenalty: 0.5, frequencyPenalty: 0.5, logitBias: { 1: 2 } }));
  penalties.prompt(Array.from({ length: 50 }, (_, i) => i));

  return {
    argmax: () => greedy(logits),
    temperature: () => temperature(logits),
    topK40: () => topK(logits),
    'topP0.9': () => topP(logits),
    'minP0.05': () => minP(logits),
    'topP+minP+xtc+topK': () => all(logits),
    'penalties(rep+pres+freq+bias)': () => {
      const out = penalties.process(logits);
      penalties.didSample(mx.array([3], 'int32'));
      return out;
    },
    'logprobs top5': () => {
      const { logprob, top } = logprobs(logits, mx.array([3], 'int32'), 5);
      return [logprob, top.ids, top.values];
    },
  };
}

const sides = { ours: piecesOf(current) };
if (process.env.SAMPLE_BASELINE) sides.baseline = piecesOf(await import(process.env.SAMPLE_BASELINE));

function runMlxLm() {
  if (!existsSync(python)) return undefined;
  const run = spawnSync(python, [pythonScript, String(vocabulary), String(steps)], { encoding: 'utf8' });
  if (run.status !== 0) throw new Error(`mlx-lm bench failed: ${run.stderr}`);
  return JSON.parse(run.stdout);
}

const samples = { ours: {}, baseline: {}, mlxLmWithLogSoftmax: {}, mlxLmOnLogprobs: {} };
const record = (side, name, value) => (samples[side][name] ??= []).push(value);
for (let round = 0; round < rounds; round++) {
  for (const [side, pieces] of Object.entries(sides)) for (const [name, step] of Object.entries(pieces)) record(side, name, measure(step));
  const reference = runMlxLm();
  if (reference === undefined) continue;
  for (const [name, value] of Object.entries(reference.withLogSoftmax)) record('mlxLmWithLogSoftmax', name, value);
  for (const [name, value] of Object.entries(reference.onLogprobs)) record('mlxLmOnLogprobs', name, value);
}

const median = (values) => [...values].sort((a, b) => a - b)[values.length >> 1];
const medians = (side) => Object.fromEntries(Object.entries(samples[side]).map(([name, values]) => [name, median(values)]));
const mlxLm = existsSync(python) ? undefined : `skipped: no Python at ${python}`;
console.log(JSON.stringify({
  vocabulary, rounds, steps, device: mx.defaultDevice(),
  medianMsPerStep: { ours: medians('ours'), ...(sides.baseline ? { baseline: medians('baseline') } : {}), mlxLmWithLogSoftmax: mlxLm ?? medians('mlxLmWithLogSoftmax'), mlxLmOnLogprobs: mlxLm ?? medians('mlxLmOnLogprobs') },
  allMsPerStep: samples,
}, null, 2));

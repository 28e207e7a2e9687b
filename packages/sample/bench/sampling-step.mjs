// Per-step cost of the sampling pieces on fixed logits, each step evaluated, next to mlx-lm's
// make_sampler on the same logits and libmlx (bench/mlx-lm-sampling-step.py, a child process).
// Each round runs every setting on every side back to back, so that all sides see the same
// machine load; the median step time over all rounds is printed (JSON).
// Usage: pnpm --filter @mlx-ts/sample build && pnpm --filter @mlx-ts/sample bench [vocabulary] [rounds] [steps] [setting,…]
// The mlx-lm side runs when the oracle venv exists (README, "Reference fixtures"); MLX_LM_PYTHON overrides it.
// SAMPLE_BASELINE=/path/to/an/older/dist/index.js adds that build's samplers as a "baseline" side.
import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import * as mx from '@mlx-ts/core';
import * as current from '../dist/index.js';

const vocabulary = Number(process.argv[2] ?? 262144);
const rounds = Number(process.argv[3] ?? 3);
const steps = Number(process.argv[4] ?? 20);
const only = process.argv[5]?.split(',');
const python = process.env.MLX_LM_PYTHON ?? fileURLToPath(new URL('../../../.cache/sample-oracle-venv/bin/python', import.meta.url));
const pythonScript = fileURLToPath(new URL('./mlx-lm-sampling-step.py', import.meta.url));
const logits = mx.keep(mx.random.normal({ shape: [1, vocabulary], key: mx.random.key(0) }));

// Wall time per step, and the process's CPU time per step (all threads): on a shared machine the
// second is steadier, since waiting for a core does not count.
function measure(step) {
  for (let i = 0; i < 3; i++) mx.tidy(() => mx.eval(step()));
  const wall = [];
  const cpu = [];
  for (let i = 0; i < steps; i++) {
    const start = performance.now();
    const startCpu = process.cpuUsage();
    mx.tidy(() => mx.eval(step()));
    const used = process.cpuUsage(startCpu);
    wall.push(performance.now() - start);
    cpu.push((used.user + used.system) / 1000);
  }
  return { wall, cpu };
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

// The mlx-lm process answers one request at a time: "VARIANT SETTING STEPS" → per-step times.
const mlxLm = existsSync(python) ? spawn(python, [pythonScript, String(vocabulary)], { stdio: ['pipe', 'pipe', 'inherit'] }) : undefined;
const mlxLmLines = mlxLm && createInterface({ input: mlxLm.stdout })[Symbol.asyncIterator]();
async function measureMlxLm(variant, name) {
  mlxLm.stdin.write(`${variant} ${name} ${steps}\n`);
  const { value, done } = await mlxLmLines.next();
  if (done) throw new Error('the mlx-lm bench process ended early (see its error above)');
  return JSON.parse(value);
}
const mlxLmVariants = { mlxLmWithLogSoftmax: 'withLogSoftmax', mlxLmOnLogprobs: 'onLogprobs' };
const mlxLmSettings = ['argmax', 'temperature', 'topK40', 'topP0.9', 'minP0.05', 'topP+minP+xtc+topK'];

const samples = { wall: {}, cpu: {} };
const record = (side, name, times) => {
  for (const kind of ['wall', 'cpu']) ((samples[kind][side] ??= {})[name] ??= []).push(...times[kind]);
};
for (let round = 0; round < rounds; round++) {
  for (const name of Object.keys(sides.ours).filter((n) => only === undefined || only.includes(n))) {
    for (const [side, pieces] of Object.entries(sides)) record(side, name, measure(pieces[name]));
    if (mlxLm === undefined || !mlxLmSettings.includes(name)) continue;
    for (const [side, variant] of Object.entries(mlxLmVariants)) record(side, name, await measureMlxLm(variant, name));
  }
}
mlxLm?.stdin.end();

const median = (values) => Number([...values].sort((a, b) => a - b)[values.length >> 1].toFixed(3));
const mediansOf = (bySide) => {
  const medians = Object.fromEntries(
    Object.entries(bySide).map(([side, byName]) => [side, Object.fromEntries(Object.entries(byName).map(([name, times]) => [name, median(times)]))]),
  );
  if (mlxLm === undefined) medians.mlxLm = `skipped: no Python at ${python}`;
  return medians;
};
console.log(
  JSON.stringify(
    {
      vocabulary,
      rounds,
      stepsPerRound: steps,
      device: mx.defaultDevice(),
      medianMsPerStep: mediansOf(samples.wall),
      medianCpuMsPerStep: mediansOf(samples.cpu),
    },
    null,
    2,
  ),
);

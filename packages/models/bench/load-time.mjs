// Load time per architecture and format: our loadModel (weights evaluated, tokenizer included)
// next to mlx-lm's load on the same folders (bench/mlx-lm-load.py in the data venv), interleaved
// round by round so both see the same machine load. Prints JSON; the ratio is ours / mlx-lm's.
// Usage: pnpm --filter @mlx-ts/models build && node packages/models/bench/load-time.mjs [rounds] [model,…]
// Models are folders or .gguf files under $MLX_TS_DATA/models (tools/setup-test-data.sh makes them);
// GGUF files have no mlx-lm side (mlx-lm does not load GGUF).
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as mx from '@mlx-ts/core';
import { loadModel } from '../dist/index.js';

const root = fileURLToPath(new URL('../../../', import.meta.url));
const data = join(process.env.MLX_TS_DATA ?? join(root, '.cache'), 'models');
const rounds = Number(process.argv[2] ?? 3);
const models = process.argv[3]?.split(',') ?? [
  'tiny-llama',
  'tiny-mistral',
  'tiny-qwen2',
  'tiny-qwen3',
  'tiny-gemma2',
  'tiny-phi3',
  'tiny-mixtral',
  'tiny-qwen3_moe',
  'tiny-llama-mlx-mixed-3-6',
  'tiny-qwen3-mlx-4bit',
  'tiny-llama.gguf',
  'tiny-qwen2.gguf',
  'tiny-qwen3.gguf',
  'gemma-3-270m-bf16',
  'gemma-3-270m-mlx-4bit',
];
const python = process.env.MLX_LM_PYTHON ?? join(root, '.cache/data-venv/bin/python');
const script = fileURLToPath(new URL('./mlx-lm-load.py', import.meta.url));

const median = (values) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];

async function ours(path) {
  const start = performance.now();
  const loaded = await loadModel(path, { dtype: 'float32', keepQuantized: path.includes('mlx') });
  const seconds = (performance.now() - start) / 1000;
  loaded.dispose();
  return seconds;
}

const results = [];
for (const name of models) {
  const path = join(data, name);
  if (!existsSync(path)) throw new Error(`${path} is missing: run bash tools/setup-test-data.sh`);
  const mine = [];
  const theirs = [];
  for (let round = 0; round < rounds; round++) {
    mine.push(await ours(path));
    if (!name.endsWith('.gguf') && existsSync(python)) {
      const line = execFileSync(python, [script, '1', path], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] })
        .trim()
        .split('\n')
        .at(-1);
      theirs.push(JSON.parse(line).seconds[0]);
    }
  }
  const entry = { model: name, ours_s: median(mine) };
  if (theirs.length > 0) Object.assign(entry, { mlx_lm_s: median(theirs), ratio: median(mine) / median(theirs) });
  results.push(entry);
  console.error(JSON.stringify(entry));
}
console.log(JSON.stringify({ bench: 'model load time (median of rounds, weights evaluated)', rounds, device: mx.defaultDevice().type, results }, null, 2));

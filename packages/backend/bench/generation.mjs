// pnpm --filter @mlx-ts/backend bench: generation speed of MlxBackend against mlx-lm on the same
// weights, prompt ids and libmlx, in one run. Definitions follow mlx-lm (prompt_tps, generation_tps,
// peak_memory) plus ttft_ms. Prints one JSON document with our/anchor ratios.
//
// Options: --models 270m,tiny  --prompt 512  --generation 128  --trials 3
import { execFileSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdtempSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import * as mx from '@mlx-ts/core';
import { MlxBackend } from '@mlx-ts/backend';
import { anchorPython } from './anchor-venv.mjs';

const here = dirname(fileURLToPath(import.meta.url));
const repoRoot = resolve(here, '../../..');
const data = process.env.MLX_TS_DATA ?? join(repoRoot, '.cache');
const { values: args } = parseArgs({
  options: {
    models: { type: 'string', default: '270m,tiny' },
    prompt: { type: 'string', default: '512' },
    generation: { type: 'string', default: '128' },
    trials: { type: 'string', default: '3' },
  },
});
const promptTokens = Number(args.prompt);
const generationTokens = Number(args.generation);
const trials = Number(args.trials);

function requireData(name) {
  const path = join(data, 'models', name);
  if (!existsSync(path)) throw new Error(`${path} is missing: run \`bash tools/setup-test-data.sh\` first`);
  return path;
}

/** The tiny random Gemma 3 with the small test tokenizer (both sides need tokenizer files). */
function tinyFolder() {
  const source = requireData('tiny-gemma3');
  const folder = mkdtempSync(join(tmpdir(), 'mlx-ts-bench-tiny-'));
  symlinkSync(join(source, 'model.safetensors'), join(folder, 'model.safetensors'));
  const config = JSON.parse(readFileSync(join(source, 'config.json'), 'utf8'));
  writeFileSync(join(folder, 'config.json'), JSON.stringify({ ...config, max_position_embeddings: 8192 }));
  for (const file of ['tokenizer.json', 'tokenizer_config.json']) copyFileSync(join(here, '../test/fixtures/tiny-tokenizer', file), join(folder, file));
  return folder;
}

const models = {
  '270m': () => ({ name: 'gemma-3-270m (bf16 checkpoint, float32 compute)', folder: requireData('gemma-3-270m-bf16') }),
  tiny: () => ({ name: 'tiny random gemma3 (7 layers, hidden 64, vocab 512)', folder: tinyFolder() }),
};

/** Seeded prompt ids, the same for both sides. */
function promptIds(vocab, length, seed = 7) {
  let state = seed >>> 0;
  const ids = [];
  for (let i = 0; i < length; i++) {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
    ids.push(3 + (state % (vocab - 3)));
  }
  return ids;
}

async function ours(folder, ids) {
  const backend = await MlxBackend.load(folder, { dtype: 'float32', reusePromptPrefix: false });
  try {
    await backend.generate(ids, { maxTokens: generationTokens, ignoreEos: true });
    const runs = [];
    for (let i = 0; i < trials; i++) {
      const r = await backend.generate(ids, { maxTokens: generationTokens, ignoreEos: true });
      runs.push({
        prompt_tps: r.timings.promptTokensPerSecond,
        generation_tps: r.timings.generationTokensPerSecond,
        ttft_ms: r.timings.ttftMs,
        generation_tokens: r.usage.completionTokens,
      });
    }
    const avg = Object.fromEntries(Object.keys(runs[0]).map((k) => [k, runs.reduce((s, r) => s + r[k], 0) / runs.length]));
    avg.peak_memory_gb = mx.memory.getPeakMemory() / 1e9;
    return avg;
  } finally {
    await backend.dispose();
  }
}

function anchor(python, folder, ids) {
  const promptFile = join(mkdtempSync(join(tmpdir(), 'mlx-ts-bench-')), 'prompt.json');
  writeFileSync(promptFile, JSON.stringify(ids));
  const out = execFileSync(python, [join(here, 'mlx_lm_anchor.py'), folder, promptFile, String(generationTokens), String(trials), 'float32'], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  return JSON.parse(out.toString().trim().split('\n').pop());
}

const round = (v, d = 3) => Math.round(v * 10 ** d) / 10 ** d;
const { python, ourBlas, anchorBlas } = anchorPython();
const report = {
  bench: 'generation',
  prompt_tokens: promptTokens,
  generation_tokens: generationTokens,
  trials,
  device: mx.defaultDevice().type,
  mlx: mx.mlxVersion(),
  blas: { ours: ourBlas, anchor: anchorBlas },
  models: [],
};
for (const key of args.models.split(',')) {
  const { name, folder } = models[key]();
  const vocab = JSON.parse(readFileSync(join(folder, 'config.json'), 'utf8')).vocab_size;
  const ids = promptIds(vocab, promptTokens);
  console.error(`[bench] ${name}: mlx-lm`);
  const theirs = anchor(python, folder, ids);
  console.error(`[bench] ${name}: mlx-ts`);
  const mine = await ours(folder, ids);
  report.models.push({
    model: name,
    ours: Object.fromEntries(Object.entries(mine).map(([k, v]) => [k, round(v)])),
    anchor: Object.fromEntries(Object.entries(theirs).map(([k, v]) => [k, typeof v === 'number' ? round(v) : v])),
    ratios: {
      generation_tps: round(mine.generation_tps / theirs.generation_tps),
      prompt_tps: round(mine.prompt_tps / theirs.prompt_tps),
      ttft: round(mine.ttft_ms / theirs.ttft_ms),
      peak_memory: round(mine.peak_memory_gb / theirs.peak_memory_gb),
    },
  });
}
console.log(JSON.stringify(report, null, 2));

// pnpm --filter @mlx-ts/backend bench:batch: continuous batching throughput and latency of
// MlxBackend at 1..32 concurrent streams, beside mlx-lm's BatchGenerator (what batch_generate
// runs) on the same weights, prompt ids and libmlx, in one run. Prints one JSON document.
//
// Options: --models tiny,270m  --streams 1,4,8,16,32  --prompt 64  --generation 64
//          --python PATH (an interpreter with mlx-lm; default .cache/data-venv)
import { execFileSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdtempSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { MlxBackend } from '@mlx-ts/backend';

const here = dirname(fileURLToPath(import.meta.url));
const repoRoot = resolve(here, '../../..');
const data = process.env.MLX_TS_DATA ?? join(repoRoot, '.cache');
const { values: args } = parseArgs({
  options: {
    models: { type: 'string', default: 'tiny,270m' },
    streams: { type: 'string', default: '1,4,8,16,32' },
    prompt: { type: 'string', default: '64' },
    generation: { type: 'string', default: '64' },
    python: { type: 'string', default: join(data, 'data-venv', 'bin', 'python') },
  },
});
const streams = args.streams.split(',').map(Number);
const promptTokens = Number(args.prompt);
const generationTokens = Number(args.generation);
const log = (m) => console.error(`[bench:batch] ${m}`);

function requireData(name) {
  const path = join(data, 'models', name);
  if (!existsSync(path)) throw new Error(`${path} is missing: run \`bash tools/setup-test-data.sh\` first`);
  return path;
}

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
  tiny: () => ({ name: 'tiny random gemma3 (7 layers, hidden 64, vocab 512)', folder: tinyFolder(), vocab: 512 }),
  '270m': () => ({ name: 'gemma-3-270m (bf16 checkpoint, float32 compute)', folder: requireData('gemma-3-270m-bf16'), vocab: 262144 }),
};

/** Seeded prompt ids, one distinct prompt per stream, the same for both sides. */
function prompts(vocab, count, length) {
  let state = 7;
  return Array.from({ length: count }, () =>
    Array.from({ length }, () => {
      state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
      return 3 + (state % Math.min(vocab - 3, 200000));
    }),
  );
}

function percentile(values, p) {
  if (values.length === 0) return 0;
  const s = [...values].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.round((p / 100) * (s.length - 1)))];
}

async function streamOnce(backend, ids) {
  const start = performance.now();
  const times = [];
  for await (const event of backend.stream({ prompt: ids, maxTokens: generationTokens, ignoreEos: true })) {
    if (event.type === 'text') for (let i = 0; i < event.tokenIds.length; i++) times.push(performance.now());
    if (event.type === 'done') {
      // Tokens held back by the detokenizer arrive with the last text event; count the rest now.
      while (times.length < event.usage.completionTokens) times.push(performance.now());
    }
  }
  return { start, times };
}

async function ours(folder, all) {
  const backend = await MlxBackend.load(folder, { dtype: 'float32', reusePromptPrefix: false, maxBatch: Math.max(...streams) });
  try {
    await streamOnce(backend, all[0]);
    const results = [];
    for (const n of streams) {
      const tic = performance.now();
      const runs = await Promise.all(all.slice(0, n).map((ids) => streamOnce(backend, ids)));
      const wall = (performance.now() - tic) / 1000;
      const total = runs.reduce((s, r) => s + r.times.length, 0);
      const ttft = runs.map((r) => r.times[0] - tic);
      const itl = runs.flatMap((r) => r.times.slice(1).map((t, i) => t - r.times[i]));
      results.push({
        streams: n,
        aggregate_tps: total / wall,
        generated_tokens: total,
        ttft_ms_p50: percentile(ttft, 50),
        ttft_ms_p99: percentile(ttft, 99),
        itl_ms_p50: percentile(itl, 50),
        itl_ms_p99: percentile(itl, 99),
      });
      log(`ours ${n} streams: ${(total / wall).toFixed(1)} tok/s`);
    }
    return results;
  } finally {
    await backend.dispose();
  }
}

function anchor(folder, all) {
  const file = join(mkdtempSync(join(tmpdir(), 'mlx-ts-bench-prompts-')), 'prompts.json');
  writeFileSync(file, JSON.stringify(all));
  const out = execFileSync(args.python, [join(here, 'batch_anchor.py'), folder, file, String(generationTokens), streams.join(','), 'float32'], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  return JSON.parse(out.toString().trim().split('\n').at(-1));
}

const report = { bench: 'batch', prompt_tokens: promptTokens, generation_tokens: generationTokens, streams, models: [] };
for (const key of args.models.split(',')) {
  const { name, folder, vocab } = models[key]();
  const all = prompts(vocab, Math.max(...streams), promptTokens);
  log(`${name}: ours`);
  const our = await ours(folder, all);
  log(`${name}: mlx-lm`);
  const lm = anchor(folder, all);
  const single = our.find((r) => r.streams === 1)?.aggregate_tps;
  report.models.push({
    model: name,
    ours: our,
    mlx_lm: lm.results,
    mlx_version: lm.mlx,
    ratios: our.map((r, i) => ({
      streams: r.streams,
      ours_over_mlx_lm: r.aggregate_tps / lm.results[i].aggregate_tps,
      ours_over_our_single: single ? r.aggregate_tps / single : null,
    })),
  });
}
console.log(JSON.stringify(report, null, 2));

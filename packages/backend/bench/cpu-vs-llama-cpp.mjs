// CPU decode against llama.cpp on the same GGUF, in one run: MlxBackend (quantized weights kept
// quantized through @mlx-ts/core's CPU kernel, and the float32 path for reference) against
// node-llama-cpp's prebuilt CPU binary. Greedy, seeded prompt ids, prompt 512, 64 new tokens.
// Reports prompt and decode tok/s, time to first token and the resident set after generation
// (each side runs in its own child process so RSS is its own). The mlx-lm side runs mlx-lm's
// stream_generate on the CPU, same prompt ids, same libmlx, on the bf16 folder derived from the
// same GGUF computed in float32 (the test data's gemma-3-270m-bf16; MLX_LM_MODEL overrides):
// mlx-lm's fastest CPU path, since MLX's own x86 quantized kernels run ~40x slower (a 512-token
// prompt on the 4-bit folder takes minutes). Prints JSON.
//
//   NODE_LLAMA_CPP=<folder whose node_modules holds node-llama-cpp> node bench/cpu-vs-llama-cpp.mjs [model.gguf]
//
// Options (env): BENCH_PROMPT (512), BENCH_GENERATION (64), BENCH_THREADS (hardware threads),
// BENCH_ROUNDS (1: rounds alternating the sides, medians reported), BENCH_SIDES (ours-quantized,ours-float32,llama-cpp,mlx-lm; ours-int8 is ours-quantized with int8
// activations in the matrix-vector products, mx.fast.setCpuKernelInt8Activations).
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { availableParallelism } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { promptIds } from './seeded-prompt.mjs';

const here = dirname(fileURLToPath(import.meta.url));
const promptTokens = Number(process.env.BENCH_PROMPT ?? 512);
const generationTokens = Number(process.env.BENCH_GENERATION ?? 64);
const threads = Number(process.env.BENCH_THREADS ?? availableParallelism());

async function ours(path, keepQuantized, int8 = false) {
  const mx = await import('@mlx-ts/core');
  const { MlxBackend } = await import('@mlx-ts/backend');
  mx.fast.setCpuKernelThreads(threads);
  mx.fast.setCpuKernelInt8Activations(int8);
  const backend = await MlxBackend.load(path, { dtype: 'float32', keepQuantized, reusePromptPrefix: false });
  const ids = promptIds(262144, promptTokens);
  await backend.generate(ids.slice(0, 32), { maxTokens: 4, ignoreEos: true });
  const r = await backend.generate(ids, { maxTokens: generationTokens, ignoreEos: true });
  const out = {
    prompt_tps: r.timings.promptTokensPerSecond,
    decode_tps: r.timings.generationTokensPerSecond,
    ttft_ms: r.timings.ttftMs,
    rss_mb: process.memoryUsage().rss / 1e6,
  };
  await backend.dispose();
  return out;
}

async function llamaCpp(path) {
  const root = process.env.NODE_LLAMA_CPP;
  if (!root) throw new Error('set NODE_LLAMA_CPP to a folder where `npm install node-llama-cpp` ran');
  const entry = join(root, 'node_modules', 'node-llama-cpp', 'dist', 'index.js');
  const { getLlama } = await import(pathToFileURL(entry).href);
  const llama = await getLlama({ gpu: false, build: 'never', logLevel: 'error' });
  const model = await llama.loadModel({ modelPath: path });
  const context = await model.createContext({ contextSize: promptTokens + generationTokens + 64, threads, batchSize: promptTokens });
  const run = async (ids, maxTokens) => {
    const sequence = context.getSequence();
    const start = performance.now();
    let first = 0;
    let count = 0;
    for await (const _ of sequence.evaluate(ids, { temperature: 0 })) {
      if (count === 0) first = performance.now();
      if (++count >= maxTokens) break;
    }
    const end = performance.now();
    sequence.dispose();
    return { ttft: first - start, decode: end - first, count };
  };
  const ids = promptIds(model.tokens.bos === null ? 262144 : 262144, promptTokens);
  await run(ids.slice(0, 32), 4);
  const r = await run(ids, generationTokens);
  const out = {
    prompt_tps: promptTokens / (r.ttft / 1e3),
    decode_tps: (r.count - 1) / (r.decode / 1e3),
    ttft_ms: r.ttft,
    rss_mb: process.memoryUsage().rss / 1e6,
  };
  await context.dispose();
  await model.dispose();
  await llama.dispose();
  return out;
}

// mlx-lm on its default device (the CPU on Linux without CUDA), in float32.
async function mlxLm() {
  const { anchorPython } = await import('./anchor-venv.mjs');
  const { python } = anchorPython();
  const folder = resolve(process.env.MLX_LM_MODEL ?? join(here, '../../../.cache/models/gemma-3-270m-bf16'));
  const dir = mkdtempSync(join(tmpdir(), 'mlx-lm-bench-'));
  const promptFile = join(dir, 'prompt.json');
  writeFileSync(promptFile, JSON.stringify(promptIds(262144, promptTokens)));
  const script = join(dir, 'run.py');
  // The anchor script, then the process's resident set (VmRSS) as the other sides report theirs.
  writeFileSync(
    script,
    `${readFileSync(join(here, 'mlx_lm_anchor.py'), 'utf8').replace(
      'print(json.dumps(avg))',
      'avg["rss_mb"] = int(open("/proc/self/status").read().split("VmRSS:")[1].split()[0]) / 1e3\nprint(json.dumps(avg))',
    )}`,
  );
  const out = execFileSync(python, [script, folder, promptFile, String(generationTokens), '1', 'float32'], {
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'inherit'],
    env: { ...process.env, OMP_NUM_THREADS: String(threads), OPENBLAS_NUM_THREADS: String(threads) },
  });
  const r = JSON.parse(out.trim().split('\n').pop());
  return { prompt_tps: r.prompt_tps, decode_tps: r.generation_tps, ttft_ms: r.ttft_ms, rss_mb: r.rss_mb };
}

const [, , modeArg, pathArg] = process.argv;
if (modeArg === '--side') {
  const side = pathArg;
  const path = process.argv[4];
  const result =
    side === 'llama-cpp' ? await llamaCpp(path) : side === 'mlx-lm' ? await mlxLm() : await ours(path, side !== 'ours-float32', side === 'ours-int8');
  process.stdout.write(JSON.stringify(result));
} else {
  const path = resolve(modeArg ?? join(here, '../../../.cache/models/gemma-3-270m-q4_k_m.gguf'));
  const sides = (process.env.BENCH_SIDES ?? 'ours-quantized,ours-float32,llama-cpp,mlx-lm').split(',');
  // Rounds alternate the sides (A B C, A B C, ...) so that a slow spell of the machine falls on
  // all of them; each metric is the median over the rounds, and every round's value is kept.
  const rounds = Number(process.env.BENCH_ROUNDS ?? 1);
  const samples = Object.fromEntries(sides.map((side) => [side, []]));
  for (let round = 0; round < rounds; round++) {
    for (const side of sides) {
      const out = execFileSync(process.execPath, [fileURLToPath(import.meta.url), '--side', side, path], {
        encoding: 'utf8',
        stdio: ['ignore', 'pipe', 'inherit'],
        maxBuffer: 1 << 24,
      });
      samples[side].push(JSON.parse(out));
    }
  }
  const median = (values) => {
    const sorted = [...values].sort((a, b) => a - b);
    const mid = sorted.length >> 1;
    return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
  };
  const results = {};
  for (const side of sides) {
    results[side] = Object.fromEntries(Object.keys(samples[side][0]).map((k) => [k, Number(median(samples[side].map((r) => r[k])).toFixed(2))]));
  }
  const fileMb = statSync(path).size / 1e6;
  const ratios = {};
  if (results['llama-cpp'] && results['ours-quantized']) {
    const a = results['ours-quantized'];
    const b = results['llama-cpp'];
    ratios.decode_vs_llama_cpp = Number((a.decode_tps / b.decode_tps).toFixed(2));
    ratios.ttft_vs_llama_cpp = Number((a.ttft_ms / b.ttft_ms).toFixed(2));
    ratios.rss_vs_file = Number((a.rss_mb / fileMb).toFixed(2));
  }
  if (results['mlx-lm'] && results['ours-quantized']) {
    ratios.decode_vs_mlx_lm = Number((results['ours-quantized'].decode_tps / results['mlx-lm'].decode_tps).toFixed(2));
    ratios.ttft_vs_mlx_lm = Number((results['ours-quantized'].ttft_ms / results['mlx-lm'].ttft_ms).toFixed(2));
  }
  if (results['llama-cpp'] && results['ours-int8']) {
    ratios.int8_decode_vs_llama_cpp = Number((results['ours-int8'].decode_tps / results['llama-cpp'].decode_tps).toFixed(2));
    ratios.int8_ttft_vs_llama_cpp = Number((results['ours-int8'].ttft_ms / results['llama-cpp'].ttft_ms).toFixed(2));
  }
  console.log(
    JSON.stringify(
      {
        bench: 'cpu-vs-llama-cpp',
        model: path.split('/').pop(),
        file_mb: Number(fileMb.toFixed(1)),
        prompt: promptTokens,
        generation: generationTokens,
        threads,
        rounds,
        results,
        ratios,
        ...(rounds > 1 && {
          rounds_decode_tps: Object.fromEntries(sides.map((side) => [side, samples[side].map((r) => Number(r.decode_tps.toFixed(2)))])),
          rounds_ttft_ms: Object.fromEntries(sides.map((side) => [side, samples[side].map((r) => Number(r.ttft_ms.toFixed(1)))])),
          rounds_rss_mb: Object.fromEntries(sides.map((side) => [side, samples[side].map((r) => Number(r.rss_mb.toFixed(1)))])),
        }),
      },
      null,
      2,
    ),
  );
}

// Process CPU time (all threads) and wall time per decode token of the Gemma 3 270M Q4_K_M GGUF on
// the CPU, weights kept quantized, one kernel thread. On a shared machine CPU time is much less
// sensitive than wall time to other tenants taking the cores, so it shows what a change to the
// step costs where tok/s alone would be noise. Each round runs generate(prompt, 1 token) and
// generate(prompt, 1 + N tokens) and divides the difference by N; prints the medians as JSON.
// MLX_TS_ADDON=<another build of the addon> measures that build with the same code around it.
//
//   node bench/decode-cpu-time.mjs [model.gguf]     env: ROUNDS (5), BENCH_GENERATION (48), BENCH_PROMPT (64)
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as mx from '@mlx-ts/core';
import { MlxBackend } from '@mlx-ts/backend';

const here = dirname(fileURLToPath(import.meta.url));
const path = resolve(process.argv[2] ?? join(here, '../../../.cache/models/gemma-3-270m-q4_k_m.gguf'));
const rounds = Number(process.env.ROUNDS ?? 5);
const tokens = Number(process.env.BENCH_GENERATION ?? 48);
const promptLength = Number(process.env.BENCH_PROMPT ?? 64);

mx.fast.setCpuKernelThreads(1);
const backend = await MlxBackend.load(path, { dtype: 'float32', keepQuantized: true, reusePromptPrefix: false });
const ids = [2];
for (let s = 7; ids.length < promptLength; ) {
  s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
  ids.push(3 + (s % (262144 - 3)));
}

async function measure(maxTokens) {
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  await backend.generate(ids, { maxTokens, ignoreEos: true });
  const cpu = process.cpuUsage(cpu0);
  return { cpu: (cpu.user + cpu.system) / 1000, wall: performance.now() - t0 };
}

const median = (v) => [...v].sort((a, b) => a - b)[Math.floor(v.length / 2)];
await measure(4);
const cpu = [];
const wall = [];
for (let r = 0; r < rounds; r++) {
  const one = await measure(1);
  const many = await measure(1 + tokens);
  cpu.push((many.cpu - one.cpu) / tokens);
  wall.push((many.wall - one.wall) / tokens);
}
await backend.dispose();
console.log(
  JSON.stringify({
    bench: 'decode-cpu-time',
    model: path.split('/').pop(),
    addon: process.env.MLX_TS_ADDON ?? 'this build',
    cpu_ms_per_token: Number(median(cpu).toFixed(2)),
    wall_ms_per_token: Number(median(wall).toFixed(2)),
    cpu_samples: cpu.map((v) => Number(v.toFixed(2))),
  }),
);

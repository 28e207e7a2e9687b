// Resident memory at each phase of loading and generating the GGUF with weights kept quantized
// on the CPU: after load, after a prompt's prefill, after decode, and MLX's allocator view
// (active, cache, peak) beside the process's RSS. Prints JSON.
//
//   node bench/rss-phases.mjs [model.gguf]   (env: BENCH_PROMPT 512, BENCH_GENERATION 64, BENCH_THREADS 1)
import { readFileSync, statSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import v8 from 'node:v8';
import { fileURLToPath } from 'node:url';
import * as mx from '@mlx-ts/core';
import { MlxBackend } from '@mlx-ts/backend';
import { promptIds } from './seeded-prompt.mjs';

const here = dirname(fileURLToPath(import.meta.url));
const path = resolve(process.argv[2] ?? join(here, '../../../.cache/models/gemma-3-270m-q4_k_m.gguf'));
const promptTokens = Number(process.env.BENCH_PROMPT ?? 512);
const generationTokens = Number(process.env.BENCH_GENERATION ?? 64);
mx.fast.setCpuKernelThreads(Number(process.env.BENCH_THREADS ?? 1));

// RssAnon and RssFile apart: file-backed pages (the addon, libmlx, an mmap) are shared and
// reclaimable, anonymous ones are what the process holds.
function rss() {
  const status = readFileSync('/proc/self/status', 'utf8');
  // /proc reports kB (KiB): in MB of 10^6 bytes, as process.memoryUsage().rss / 1e6 (the CPU bench's rss_mb).
  const kb = (key) => (Number(new RegExp(`${key}:\\s+(\\d+)`).exec(status)?.[1] ?? 0) * 1024) / 1e6;
  return {
    rss_mb: kb('VmRSS'),
    anon_mb: kb('RssAnon'),
    file_mb: kb('RssFile'),
    mlx_active_mb: mx.memory.getActiveMemory() / 1e6,
    mlx_cache_mb: mx.memory.getCacheMemory() / 1e6,
    mlx_peak_mb: mx.memory.getPeakMemory() / 1e6,
    js_external_mb: process.memoryUsage().external / 1e6,
    js_array_buffers_mb: process.memoryUsage().arrayBuffers / 1e6,
    js_heap_mb: process.memoryUsage().heapUsed / 1e6,
    // Committed V8 heap: pages a past burst of allocation grew stay resident after a GC empties them.
    js_heap_total_mb: process.memoryUsage().heapTotal / 1e6,
    // V8's young generation (both semi-spaces), the part of heapTotal a burst of allocation grows.
    js_new_space_mb: v8.getHeapSpaceStatistics().find((space) => space.space_name === 'new_space').physical_space_size / 1e6,
  };
}

const phases = { start: rss() };
const backend = await MlxBackend.load(path, { dtype: 'float32', keepQuantized: true, reusePromptPrefix: false });
phases.loaded = rss();
globalThis.gc?.();
phases.loaded_after_gc = rss();
mx.memory.clearCache();
phases.loaded_after_gc_trim = rss();
const ids = promptIds(262144, promptTokens);
await backend.generate(ids, { maxTokens: 1, ignoreEos: true });
phases.after_prefill = rss();
await backend.generate(ids, { maxTokens: generationTokens, ignoreEos: true });
phases.after_decode = rss();
const round = (o) => Object.fromEntries(Object.entries(o).map(([k, v]) => [k, Number(v.toFixed(1))]));
console.log(
  JSON.stringify(
    {
      bench: 'rss-phases',
      model: path.split('/').pop(),
      file_mb: Number((statSync(path).size / 1e6).toFixed(1)),
      phases: Object.fromEntries(Object.entries(phases).map(([k, v]) => [k, round(v)])),
    },
    null,
    2,
  ),
);
await backend.dispose();

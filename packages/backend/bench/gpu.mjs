// Our side of the GPU bench (tools/gpu/run.sh runs it beside tools/gpu/mlx_lm_bench.py on the same
// folder and prompt ids). Definitions follow mlx-lm: prompt_tps, generation_tps, peak memory, plus
// TTFT; `batch:N,...` runs N concurrent requests and reports the aggregate generated tokens/s.
// Usage: node gpu.mjs FOLDER PROMPT_IDS_JSON GEN TRIALS [single|batch:N,...]   (one JSON line)
import { readFileSync } from 'node:fs';
import * as mx from '@mlx-ts/core';
import { MlxBackend } from '@mlx-ts/backend';

const [folder, promptFile, gen, trials, mode = 'single'] = process.argv.slice(2);
const prompt = JSON.parse(readFileSync(promptFile, 'utf8'));
const maxTokens = Number(gen);
const started = performance.now();
const backend = await MlxBackend.load(folder, { reusePromptPrefix: false, maxQueue: 1024, maxBatch: 64 });
const out = { load_s: (performance.now() - started) / 1000, device: mx.defaultDevice().type };
try {
  if (mode === 'single') {
    const warm = await backend.generate(prompt, { maxTokens, ignoreEos: true });
    out.first_ids = warm.tokenIds.slice(0, 32);
    const runs = [];
    for (let i = 0; i < Number(trials); i++) {
      const r = await backend.generate(prompt, { maxTokens, ignoreEos: true });
      runs.push({ prompt_tps: r.timings.promptTokensPerSecond, generation_tps: r.timings.generationTokensPerSecond, ttft_ms: r.timings.ttftMs });
    }
    for (const key of Object.keys(runs[0])) out[key] = runs.reduce((s, r) => s + r[key], 0) / runs.length;
  } else {
    for (const size of mode.split(':')[1].split(',').map(Number)) {
      const prompts = Array.from({ length: size }, (_, i) => prompt.slice(0, prompt.length - i));
      await Promise.all(prompts.slice(0, 2).map((p) => backend.generate(p, { maxTokens: 4, ignoreEos: true })));
      const tic = performance.now();
      const results = await Promise.all(prompts.map((p) => backend.generate(p, { maxTokens, ignoreEos: true })));
      const seconds = (performance.now() - tic) / 1000;
      const tokens = results.reduce((s, r) => s + r.usage.completionTokens, 0);
      out[`batch_${size}`] = { tokens, aggregate_tps: tokens / seconds, seconds };
    }
  }
} finally {
  await backend.dispose();
}
out.peak_memory_gb = mx.memory.getPeakMemory() / 1e9;
console.log(JSON.stringify(out));

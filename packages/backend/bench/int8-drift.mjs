// What int8 activations (mx.fast.setCpuKernelInt8Activations) change in the model's output: the
// GGUF with weights kept quantized, a seeded prompt prefilled once per mode, then (1) greedy
// decode with the exact kernel, (2) the int8 path fed the same tokens (teacher forcing): logit
// drift per step (max |Δ|, RMS of Δ over RMS of the logits) and top-1 agreement, and (3) the int8
// path's own greedy continuation: how many tokens match the exact one. Prints JSON.
//
//   node bench/int8-drift.mjs [model.gguf]   (env: BENCH_PROMPT 512, BENCH_GENERATION 64, BENCH_THREADS 1)
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as mx from '@mlx-ts/core';
import { loadModel } from '@mlx-ts/models';
import { argmax, lastLogits } from './model-logits.mjs';
import { promptIds } from './seeded-prompt.mjs';

const here = dirname(fileURLToPath(import.meta.url));
const path = resolve(process.argv[2] ?? join(here, '../../../.cache/models/gemma-3-270m-q4_k_m.gguf'));
const promptTokens = Number(process.env.BENCH_PROMPT ?? 512);
const generation = Number(process.env.BENCH_GENERATION ?? 64);
mx.fast.setCpuKernelThreads(Number(process.env.BENCH_THREADS ?? 1));
mx.setDefaultDevice(mx.cpu);

const loaded = await loadModel(path, { dtype: 'float32', keepQuantized: true });
const { model } = loaded;
const vocab = model.config.vocabSize ?? 262144;
const ids = promptIds(vocab, promptTokens);

// Logits (float32, host) of the last position after feeding `tokens` into `cache`.
function step(tokens, cache, int8) {
  mx.fast.setCpuKernelInt8Activations(int8);
  return lastLogits(model, tokens, cache);
}

const exactCache = model.makeCache();
const int8Cache = model.makeCache();
let exactLogits = step(ids, exactCache, false);
let int8Logits = step(ids, int8Cache, true);
const drift = [];
const reference = [];
for (let t = 0; t < generation; t++) {
  let maxAbs = 0;
  let sumSq = 0;
  let refSq = 0;
  for (let i = 0; i < exactLogits.length; i++) {
    const d = int8Logits[i] - exactLogits[i];
    maxAbs = Math.max(maxAbs, Math.abs(d));
    sumSq += d * d;
    refSq += exactLogits[i] * exactLogits[i];
  }
  const token = argmax(exactLogits);
  drift.push({ maxAbs, relRms: Math.sqrt(sumSq / refSq), top1: argmax(int8Logits) === token });
  reference.push(token);
  exactLogits = step([token], exactCache, false);
  int8Logits = step([token], int8Cache, true);
}

// The int8 path's own greedy continuation from a fresh prefill.
const freeCache = model.makeCache();
let logits = step(ids, freeCache, true);
const free = [];
for (let t = 0; t < generation; t++) {
  const token = argmax(logits);
  free.push(token);
  logits = step([token], freeCache, true);
}
mx.fast.setCpuKernelInt8Activations(false);
let prefix = 0;
while (prefix < generation && free[prefix] === reference[prefix]) prefix++;

const median = (v) => [...v].sort((a, b) => a - b)[Math.floor(v.length / 2)];
console.log(
  JSON.stringify(
    {
      bench: 'int8-drift',
      model: path.split('/').pop(),
      prompt: promptTokens,
      generation,
      teacher_forced: {
        top1_agreement: drift.filter((d) => d.top1).length / generation,
        logit_max_abs_median: Number(median(drift.map((d) => d.maxAbs)).toFixed(4)),
        logit_max_abs_worst: Number(Math.max(...drift.map((d) => d.maxAbs)).toFixed(4)),
        logit_rel_rms_median: Number(median(drift.map((d) => d.relRms)).toExponential(2)),
      },
      free_running: {
        matching_prefix: prefix,
        matching_positions: free.filter((t, i) => t === reference[i]).length / generation,
      },
    },
    null,
    2,
  ),
);
loaded.dispose();

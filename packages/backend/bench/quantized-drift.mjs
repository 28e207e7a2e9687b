// How far the CPU's kept-quantized model is from the dequantized float32 reference (every GGUF
// tensor widened to float32, as the model computed before weights stayed quantized): the same
// seeded prompt prefilled, then the reference's greedy tokens fed to both (teacher forcing) with
// the logit drift per step (max |Δ|, RMS of Δ over RMS of the logits) and top-1 agreement, and each
// side's own greedy continuation compared token by token. Two candidates: the default (lossless
// re-encodings, plus Q6_K/Q5_K re-encoded as 8-bit, which is lossy) and `lossless-only` (those
// types dequantized instead), whose drift is float rounding alone. Prints JSON.
//
//   node bench/quantized-drift.mjs [model.gguf]   (env: BENCH_PROMPT 512, BENCH_GENERATION 64)
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
mx.setDefaultDevice(mx.cpu);

const step = lastLogits;

function greedy(model, ids) {
  const cache = model.makeCache();
  let logits = step(model, ids, cache);
  const out = [];
  for (let t = 0; t < generation; t++) {
    out.push(argmax(logits));
    logits = step(model, [out[t]], cache);
  }
  return out;
}

const reference = (await loadModel(path, { dtype: 'float32', keepQuantized: false })).model;
const ids = promptIds(reference.config.vocabSize ?? 262144, promptTokens);
const referenceTokens = greedy(reference, ids);

const candidates = {
  default: { dtype: 'float32', keepQuantized: true },
  'lossless-only': { dtype: 'float32', keepQuantized: true, requantizeLossy: false },
};
const results = {};
for (const [name, options] of Object.entries(candidates)) {
  const model = (await loadModel(path, options)).model;
  const refCache = reference.makeCache();
  const cache = model.makeCache();
  let refLogits = step(reference, ids, refCache);
  let logits = step(model, ids, cache);
  let worstMax = 0;
  let sumRel = 0;
  let worstRel = 0;
  let top1 = 0;
  for (let t = 0; t < generation; t++) {
    let maxAbs = 0;
    let sumSq = 0;
    let refSq = 0;
    for (let i = 0; i < refLogits.length; i++) {
      const d = logits[i] - refLogits[i];
      maxAbs = Math.max(maxAbs, Math.abs(d));
      sumSq += d * d;
      refSq += refLogits[i] * refLogits[i];
    }
    const rel = Math.sqrt(sumSq / refSq);
    worstMax = Math.max(worstMax, maxAbs);
    worstRel = Math.max(worstRel, rel);
    sumRel += rel;
    if (argmax(logits) === referenceTokens[t]) top1 += 1;
    refLogits = step(reference, [referenceTokens[t]], refCache);
    logits = step(model, [referenceTokens[t]], cache);
  }
  const own = greedy(model, ids);
  let same = 0;
  while (same < generation && own[same] === referenceTokens[same]) same += 1;
  results[name] = {
    teacher_forced_top1: Number((top1 / generation).toFixed(3)),
    logit_rel_rms_mean: Number((sumRel / generation).toExponential(2)),
    logit_rel_rms_worst: Number(worstRel.toExponential(2)),
    logit_max_abs_worst: Number(worstMax.toFixed(4)),
    greedy_tokens_equal_to_reference: same,
  };
  model.dispose?.();
}
console.log(JSON.stringify({ bench: 'quantized-drift', model: path.split('/').pop(), prompt: promptTokens, generation, results }, null, 2));

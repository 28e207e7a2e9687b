// Phases for a kernel profiler (Nsight Compute) to split: a 512-token prefill (511 tokens, then
// the last one unembedded, as the engine runs it) and two decode steps at batch 1, then a
// 64-token prefill of 32 rows and two decode steps at batch 32, on the engine's caches
// (BatchKVCache per layer). A marker op (a cumsum, which the model never runs) is evaluated before
// each phase. tools/gpu/profile_mlx_lm.py does the same with mlx-lm; tools/gpu/ncu_phases.py
// tells the phases apart. Usage: node profile.bundle.mjs FOLDER
import { BatchKVCache } from '@mlx-ts/cache';
import * as mx from '@mlx-ts/core';
import { loadLanguageModel } from '@mlx-ts/models';

const model = await loadLanguageModel(process.argv[2], {});
const windows = model.makeCache().map((c) => c.maxSize);
const vocab = model.config.vocabSize;
const ids = (rows, length, seed) =>
  Array.from({ length: rows }, (_, r) => Array.from({ length }, (_, i) => 3 + ((i * 7919 + r * 104729 + seed) % Math.min(200000, vocab - 3))));
const marker = () => mx.tidy(() => mx.eval(mx.cumsum(mx.ones([1024]), 0)));

function run(rows, length, steps, marked) {
  const caches = windows.map((windowSize) => new BatchKVCache({ windowSize }));
  const prompt = ids(rows, length, marked ? 1 : 2);
  if (marked) marker();
  mx.tidy(() =>
    mx.eval(
      model.forward(
        mx.array(
          prompt.map((p) => p.slice(0, -1)),
          'int32',
        ),
        caches,
      ),
    ),
  );
  let token = mx.tidy(() => {
    const h = model.forward(
      mx.array(
        prompt.map((p) => p.slice(-1)),
        'int32',
      ),
      caches,
    );
    return mx.keep(mx.argmax(mx.reshape(model.unembed(h), [rows, -1]), -1));
  });
  mx.eval(token);
  for (let s = 0; s < steps; s++) {
    if (marked) marker();
    const next = mx.tidy(() => mx.keep(mx.argmax(mx.reshape(model.unembed(model.forward(mx.reshape(token, [rows, 1]), caches)), [rows, -1]), -1)));
    mx.eval(next);
    token.dispose();
    token = next;
  }
  token.dispose();
  for (const c of caches) c.dispose();
}

const stream = mx.newStream(mx.defaultDevice());
mx.withStream(stream, () => {
  // No warm-up: the profiler measures device time, which a kernel's first (JIT) launch does not change.
  run(1, 512, 2, true);
  run(32, 64, 2, true);
});
console.log(JSON.stringify({ done: true, dtype: model.dtype }));

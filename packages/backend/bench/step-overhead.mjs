// Host time to build one decode step's graph (forward + greedy pick), not counting its
// evaluation: with the model's own single-row caches and with the batching engine's BatchKVCache.
// On a GPU a decode step of a small model is bound by this time. Usage: node step-overhead.mjs FOLDER
import * as mx from '@mlx-ts/core';
import { BatchKVCache } from '@mlx-ts/cache';
import { loadLanguageModel } from '@mlx-ts/models';

const model = await loadLanguageModel(process.argv[2], {});
const prompt = Array.from({ length: 600 }, (_, i) => 3 + ((i * 7919) % 20000));
const measure = (label, caches) => {
  mx.tidy(() => mx.eval(model.forward(mx.array([prompt], 'int32'), caches)));
  let token = mx.keep(mx.array([[5]], 'int32'));
  let build = 0;
  const steps = 40;
  for (let i = 0; i < steps; i++) {
    const t = performance.now();
    const next = mx.tidy(() => mx.keep(mx.reshape(mx.argmax(model.unembed(model.forward(token, caches)), -1), [1, 1])));
    build += performance.now() - t;
    mx.eval(
      next,
      caches.flatMap((c) => [...c.state]),
    );
    token.dispose();
    token = next;
  }
  console.log(JSON.stringify({ caches: label, layers: caches.length, build_ms_per_step: build / steps }));
  for (const c of caches) c.dispose();
};
measure('model', model.makeCache());
const windows = model.makeCache().map((c) => c.maxSize);
measure(
  'batch',
  windows.map((windowSize) => new BatchKVCache({ windowSize })),
);
measure('model', model.makeCache());
measure(
  'batch',
  windows.map((windowSize) => new BatchKVCache({ windowSize })),
);

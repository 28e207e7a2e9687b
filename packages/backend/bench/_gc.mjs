import { BatchKVCache } from '@mlx-ts/cache';
import * as mx from '@mlx-ts/core';
import { loadLanguageModel } from '@mlx-ts/models';
const model = await loadLanguageModel(process.argv[2], {});
const windows = model.makeCache().map((c) => c.maxSize);
const prompt = Array.from({ length: 512 }, (_, i) => 3 + ((i * 7919) % 200000));
for (let r = 0; r < 3; r++) {
  const caches = windows.map((windowSize) => new BatchKVCache({ windowSize }));
  console.log('--- prefill', r);
  const t0 = performance.now();
  const h = mx.tidy(() => mx.keep(model.forward(mx.array([prompt], 'int32'), caches)));
  const t1 = performance.now();
  mx.eval(h);
  console.log('build ms', (t1 - t0).toFixed(1), 'eval ms', (performance.now() - t1).toFixed(1));
  h.dispose();
  for (const c of caches) c.dispose();
}

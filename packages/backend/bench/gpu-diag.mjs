// Where decode time goes, ours: (1) dense bf16 matrix-vector products at a model's shapes, one
// evaluation each (launch-bound) and 100 chained in one graph (device-bound); (2) the bare model
// decode loop (forward + argmax, one step in flight) without the engine. Compare with
// diag_mlx_lm.py on the same machine. Usage: node diag.bundle.mjs FOLDER
import { BatchKVCache } from '@mlx-ts/cache';
import * as mx from '@mlx-ts/core';
import { loadLanguageModel } from '@mlx-ts/models';

const folder = process.argv[2];
const out = {};
const shapes = process.env.DIAG_SHAPES
  ? JSON.parse(process.env.DIAG_SHAPES)
  : [
      [1152, 6912],
      [6912, 1152],
      [2560, 10240],
      [10240, 2560],
      [640, 262144],
    ];
for (const [k, n] of shapes) {
  const w = mx.keep(mx.astype(mx.random.normal({ shape: [n, k] }), 'bfloat16'));
  const x = mx.keep(mx.astype(mx.random.normal({ shape: [1, k] }), 'bfloat16'));
  mx.eval(w, x);
  const once = () =>
    mx.tidy(() => {
      const y = mx.matmul(x, mx.transpose(w));
      mx.eval(y);
    });
  for (let i = 0; i < 10; i++) once();
  let t = performance.now();
  for (let i = 0; i < 100; i++) once();
  const single = (performance.now() - t) / 100;
  t = performance.now();
  mx.tidy(() => {
    let acc = mx.matmul(x, mx.transpose(w));
    for (let i = 0; i < 99; i++) acc = mx.add(acc, mx.matmul(x, mx.transpose(w)));
    mx.eval(acc);
  });
  const chained = (performance.now() - t) / 100;
  out[`matvec_${k}x${n}`] = { single_ms: single, chained_ms: chained, gbps: (2 * k * n) / (chained * 1e6) };
  mx.dispose([w, x]);
}
const model = await loadLanguageModel(folder, {});
const prompt = Array.from({ length: 512 }, (_, i) => 3 + ((i * 7919) % Math.min(200000, model.config.vocabSize - 3)));
// The bare decode loop, on the default stream or on a stream of its own (as mlx-lm's generate).
const decodeLoop = async (stream) => {
  const on = (fn) => (stream ? mx.withStream(stream, fn) : fn());
  const cache = model.makeCache();
  const t0 = performance.now();
  let token = on(() =>
    mx.tidy(() =>
      mx.keep(mx.argmax(model.unembed(mx.slice(model.forward(mx.array([prompt], 'int32'), cache), [0, 511, 0], [1, 512, model.config.hiddenSize])), -1)),
    ),
  );
  await mx.asyncEval(token);
  token.item();
  const prefillMs = performance.now() - t0;
  const step = (t) => on(() => mx.tidy(() => mx.keep(mx.argmax(model.unembed(model.forward(mx.reshape(t, [1, 1]), cache)), -1))));
  for (let i = 0; i < 8; i++) {
    const next = step(token);
    await mx.asyncEval(next);
    token.dispose();
    token = next;
  }
  const t = performance.now();
  let pending = mx.asyncEval(token);
  for (let i = 0; i < 100; i++) {
    const next = step(token);
    const p = mx.asyncEval(next);
    await pending;
    token.item();
    token.dispose();
    token = next;
    pending = p;
  }
  await pending;
  const decodeMs = (performance.now() - t) / 100;
  token.dispose();
  for (const c of cache) c.dispose();
  return { prefillMs, decodeMs };
};
// The bare decode step at batch 32 on the engine's caches (BatchKVCache), after a 64-token prefill
// of 32 rows: against batch 1, what a row costs without the engine.
const batchStep = (rows) => {
  const windows = model.makeCache().map((c) => c.maxSize);
  const caches = windows.map((windowSize) => new BatchKVCache({ windowSize }));
  const ids = Array.from({ length: rows }, (_, r) => prompt.slice(r, r + 64));
  let token = mx.tidy(() =>
    mx.keep(
      mx.argmax(
        mx.reshape(model.unembed(mx.slice(model.forward(mx.array(ids, 'int32'), caches), [0, 63, 0], [rows, 64, model.config.hiddenSize])), [rows, -1]),
        -1,
      ),
    ),
  );
  mx.eval(token);
  const step = () => mx.tidy(() => mx.keep(mx.argmax(mx.reshape(model.unembed(model.forward(mx.reshape(token, [rows, 1]), caches)), [rows, -1]), -1)));
  for (let i = 0; i < 4; i++) {
    const next = step();
    mx.eval(next);
    token.dispose();
    token = next;
  }
  const t = performance.now();
  for (let i = 0; i < 30; i++) {
    const next = step();
    mx.eval(next);
    token.dispose();
    token = next;
  }
  const ms = (performance.now() - t) / 30;
  token.dispose();
  for (const c of caches) c.dispose();
  return ms;
};
mx.withStream(mx.newStream(mx.defaultDevice()), () => {
  out.batch1_step_ms = batchStep(1);
  out.batch32_step_ms = batchStep(32);
});
await decodeLoop(undefined);
const plain = await decodeLoop(undefined);
const own = await decodeLoop(mx.newStream(mx.defaultDevice()));
out.model_decode_ms = plain.decodeMs;
out.model_prefill512_ms = plain.prefillMs;
out.model_decode_stream_ms = own.decodeMs;
out.model_prefill512_stream_ms = own.prefillMs;
out.dtype = model.dtype;
console.log(JSON.stringify(out));

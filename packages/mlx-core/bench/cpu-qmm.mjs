// CPU quantized matmul, in one run: the addon's kernel (mx.fast.cpuQuantizedMatmul) against MLX's
// own CPU quantizedMatmul and against float32 BLAS matmul of the dequantized weights (stored
// [in, out] contiguous, the layout the models use for dense weights), on Gemma 3 270M's shapes.
//
// Per case: µs per product (median of trials; each trial evaluates `batch` independent products
// in one graph so the ~40 µs eval round trip is amortized) and GB/s of weight bytes read
// (packed weights + scales + biases for the quantized kernels, float32 for BLAS).
// Environment: BENCH_TRIALS (default 5), BENCH_THREADS (kernel threads, default: hardware),
// BENCH_BITS (default 4), BENCH_GROUP (default 64), BENCH_SCALES (bfloat16 | float16 | float32, default bfloat16),
// BENCH_ONLY (run the shapes whose name contains it), BENCH_REFERENCES=0 (skip MLX's kernel and BLAS).
import { loadavg } from 'node:os';
import * as mx from '../dist/index.js';

const trials = Number(process.env.BENCH_TRIALS ?? 5);
const bits = Number(process.env.BENCH_BITS ?? 4);
const groupSize = Number(process.env.BENCH_GROUP ?? 64);
const scaleDtype = process.env.BENCH_SCALES ?? 'bfloat16';
const only = process.env.BENCH_ONLY;
const references = process.env.BENCH_REFERENCES !== '0';
if (process.env.BENCH_THREADS) mx.fast.setCpuKernelThreads(Number(process.env.BENCH_THREADS));
mx.setDefaultDevice(mx.cpu);

// [name, rows of x, out, in]
const shapes = [
  ['q_proj 1024x640', 1, 1024, 640],
  ['k_proj 256x640', 1, 256, 640],
  ['o_proj 640x1024', 1, 640, 1024],
  ['gate_proj 2048x640', 1, 2048, 640],
  ['down_proj 640x2048', 1, 640, 2048],
  ['head 262144x640', 1, 262144, 640],
  ['gate_proj prefill 512x640 . 640x2048', 512, 2048, 640],
];

function median(values) {
  const s = [...values].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
}

function time(build, batch) {
  const samples = [];
  for (let t = 0; t < trials + 1; t++) {
    mx.tidy(() => {
      const outs = [];
      for (let i = 0; i < batch; i++) outs.push(build(i));
      const start = process.hrtime.bigint();
      mx.eval(...outs);
      const us = Number(process.hrtime.bigint() - start) / 1e3 / batch;
      if (t > 0) samples.push(us); // the first trial warms caches and the pool
    });
  }
  return median(samples);
}

const results = [];
for (const [name, m, n, k] of shapes) {
  if (only && !name.includes(only)) continue;
  mx.tidy(() => {
    mx.random.seed(n + k);
    const w = mx.random.normal({ shape: [n, k], scale: 0.05 });
    const [wq, s0, b0] = mx.quantize(w, { bits, groupSize });
    const scales = mx.astype(s0, scaleDtype);
    const biases = mx.astype(b0, scaleDtype);
    const dense = mx.contiguous(mx.transpose(mx.dequantize(wq, scales, biases, { bits, groupSize, dtype: 'float32' })));
    const batch = Math.max(1, Math.min(16, Math.round(2e6 / (n * k * Math.sqrt(m)))));
    const xs = Array.from({ length: batch }, (_, i) => mx.random.normal({ shape: [m, k], key: mx.random.key(i) }));
    mx.eval(wq, scales, biases, dense, ...xs);
    w.dispose();
    const quantBytes = wq.nbytes + scales.nbytes + biases.nbytes;
    const ours = time((i) => mx.fast.cpuQuantizedMatmul(xs[i], wq, scales, biases, { bits, groupSize }), batch);
    // MLX's scalar kernel is slow on the big shapes: one product per trial is enough there.
    const mlxBatch = n * k * m > 5e7 ? 1 : batch;
    const theirs = references ? time((i) => mx.quantizedMatmul(xs[i], wq, scales, biases, { bits, groupSize, cpuKernel: false }), mlxBatch) : Number.NaN;
    const blas = references ? time((i) => mx.matmul(xs[i], dense), batch) : Number.NaN;
    const entry = (us, bytes) => ({
      us: Number(us.toFixed(1)),
      gbPerS: Number((bytes / us / 1e3).toFixed(2)),
      gflops: Number(((2 * m * n * k) / us / 1e3).toFixed(2)),
    });
    results.push({
      name,
      m,
      n,
      k,
      ours: entry(ours, quantBytes),
      mlxQuantizedMatmul: entry(theirs, quantBytes),
      float32Blas: entry(blas, dense.nbytes),
      speedupVsMlx: Number((theirs / ours).toFixed(2)),
      speedupVsBlas: Number((blas / ours).toFixed(2)),
    });
  });
}

console.log(
  JSON.stringify(
    { bench: 'cpu-qmm', bits, groupSize, scaleDtype, kernel: mx.fast.cpuKernelInfo(), trials, loadavg: loadavg().map((v) => Number(v.toFixed(2))), results },
    null,
    2,
  ),
);

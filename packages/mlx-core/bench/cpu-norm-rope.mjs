// Cost of mx.fast.rmsNorm and mx.fast.rope on the CPU with the addon's kernels (default) and
// with MLX's fallback graph (cpuKernel: false), at Gemma 3 270M decode shapes: graph building
// alone (µs per call, no evaluation) and building plus evaluating one call. mx.add of the same
// input is the baseline of one op. The variants alternate round by round so that load from other
// processes hits them alike; prints the median per variant as JSON. BENCH_ROUNDS (default 15).
import * as mx from '../dist/index.js';

mx.setDefaultDevice(mx.cpu);
const rounds = Number(process.env.BENCH_ROUNDS ?? 15);
const hidden = mx.random.normal({ shape: [1, 1, 640] });
const weight = mx.random.normal({ shape: [640] });
// q after the projection: [B, L, n·d] → [B, n, L, d], the view the q norm and RoPE see.
const q = mx.transpose(mx.reshape(mx.random.normal({ shape: [1, 1, 1024] }), [1, 1, 4, 256]), [0, 2, 1, 3]);
const qWeight = mx.random.normal({ shape: [256] });
mx.eval(hidden, weight, q, qWeight);

const ops = {
  add: () => mx.add(hidden, hidden),
  rmsNorm_kernel: () => mx.fast.rmsNorm(hidden, weight, 1e-6),
  rmsNorm_mlx: () => mx.fast.rmsNorm(hidden, weight, 1e-6, { cpuKernel: false }),
  qNorm_kernel: () => mx.fast.rmsNorm(q, qWeight, 1e-6),
  qNorm_mlx: () => mx.fast.rmsNorm(q, qWeight, 1e-6, { cpuKernel: false }),
  rope_kernel: () => mx.fast.rope(q, 256, { base: 1e6, offset: 300 }),
  rope_mlx: () => mx.fast.rope(q, 256, { base: 1e6, offset: 300, cpuKernel: false }),
};

function timeBuild(op, n) {
  const start = process.hrtime.bigint();
  for (let i = 0; i < n; i++) op().dispose();
  return Number(process.hrtime.bigint() - start) / n / 1000;
}

function timeEval(op, n) {
  const start = process.hrtime.bigint();
  for (let i = 0; i < n; i++) {
    const y = op();
    mx.eval(y);
    y.dispose();
  }
  return Number(process.hrtime.bigint() - start) / n / 1000;
}

const median = (v) => {
  const s = [...v].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};

const samples = Object.fromEntries(Object.keys(ops).map((k) => [k, { build: [], build_eval: [] }]));
for (const op of Object.values(ops)) {
  timeBuild(op, 500);
  timeEval(op, 200);
}
for (let r = 0; r < rounds; r++) {
  for (const [name, op] of Object.entries(ops)) {
    samples[name].build.push(timeBuild(op, 2000));
    samples[name].build_eval.push(timeEval(op, 500));
  }
}
const result = {};
for (const [name, s] of Object.entries(samples)) {
  result[name] = { build_us: Number(median(s.build).toFixed(2)), build_eval_us: Number(median(s.build_eval).toFixed(2)) };
}
console.log(JSON.stringify({ rounds, kernelInfo: mx.fast.cpuKernelInfo(), median_us_per_call: result }, null, 2));

// Our side of tools/gpu/matvec_probe.py: the same bf16 matrix-vector product at the Gemma head's
// shape, the CUDA libraries this process loaded, and MLX's settings; with variants that change
// where the weight came from, to tell the kernel from the memory it reads.
import { readFileSync } from 'node:fs';
import * as mx from '@mlx-ts/core';

const [k, n] = [640, 262144];
const time = (label, w, x) => {
  const once = () => mx.tidy(() => mx.eval(mx.matmul(x, mx.transpose(w))));
  for (let i = 0; i < 20; i++) once();
  const t = performance.now();
  for (let i = 0; i < 200; i++) once();
  const single = (performance.now() - t) / 200;
  return { variant: label, single_ms: single, gbps: (2 * k * n) / (single * 1e6) };
};
const x = mx.keep(mx.astype(mx.random.normal({ shape: [1, k] }), 'bfloat16'));
const random = mx.keep(mx.astype(mx.random.normal({ shape: [n, k] }), 'bfloat16'));
mx.eval(x, random);
const results = [time('random', random, x)];
// From host bytes, as a checkpoint loads.
const host = mx.keep(
  mx.astype(
    mx.array(
      new Float32Array(n * k).map((_, i) => Math.sin(i)),
      'float32',
      [n, k],
    ),
    'bfloat16',
  ),
);
mx.eval(host);
results.push(time('host-bytes', host, x));
// A fresh copy made on the device.
const copied = mx.keep(mx.multiply(random, mx.scalar(1, 'bfloat16')));
mx.eval(copied);
results.push(time('device-copy', copied, x));
results.push(time('random-again', random, x));
const libs = [
  ...new Set(
    readFileSync('/proc/self/maps', 'utf8')
      .split('\n')
      .filter((line) => /cublas|cudart|cudnn|nvrtc|libmlx|libcuda\./.test(line))
      .map((line) => line.split(/\s+/).at(-1)),
  ),
].sort();
const env = Object.fromEntries(Object.entries(process.env).filter(([key]) => /^(MLX|CUDA|LD_)/.test(key)));
console.log(JSON.stringify({ side: 'ours', results, libs, env, device: mx.defaultDevice?.() }));

// Checks the GPU's fused kernels against the MLX ops they replace, before a bench relies on them:
// mx.fast.residualRmsNorm (one CUDA kernel) against rms_norm + add + rms_norm at model widths, in
// bfloat16 and float32. Prints one JSON line; exits 1 when a kernel fails or disagrees.
import * as mx from '@mlx-ts/core';

const checks = [];
let ok = true;
for (const dtype of ['bfloat16', 'float32']) {
  for (const [rows, width] of [
    [1, 640],
    [4, 1152],
    [32, 2560],
    [3, 1000],
  ]) {
    for (const withPost of [true, false]) {
      try {
        const result = mx.tidy(() => {
          const make = (shape, seed) => mx.astype(mx.random.normal({ shape, key: mx.random.key(seed) }), dtype);
          const x = make([rows, 1, width], 1);
          const y = make([rows, 1, width], 2);
          const post = withPost ? make([width], 3) : undefined;
          const next = make([width], 4);
          const fused = mx.fast.residualRmsNorm(x, y, post, next, 1e-6);
          const h = mx.add(x, post ? mx.fast.rmsNorm(y, post, 1e-6) : y);
          const normed = mx.fast.rmsNorm(h, next, 1e-6);
          const diff = (a, b) => mx.max(mx.abs(mx.subtract(mx.astype(a, 'float32'), mx.astype(b, 'float32')))).item();
          const size = (a) => mx.max(mx.abs(mx.astype(a, 'float32'))).item();
          return { h: diff(fused.h, h), normed: diff(fused.normed, normed), hScale: size(h), normedScale: size(normed) };
        });
        // bf16 keeps 8 significant bits: a sum of squares in another order may move the post-norm
        // by a unit in the last place, which the add and the next norm (weights of a few units)
        // carry on. Two units at the largest value, relative to each output's own size.
        const relative = dtype === 'float32' ? 1e-4 : 2 * 2 ** -7;
        const pass = result.h <= relative * result.hScale && result.normed <= relative * result.normedScale;
        ok &&= pass;
        checks.push({ dtype, rows, width, withPost, ...result, pass });
      } catch (error) {
        ok = false;
        checks.push({ dtype, rows, width, withPost, error: String(error?.message ?? error) });
      }
    }
  }
}
console.log(JSON.stringify({ smoke: 'residualRmsNorm', device: mx.defaultDevice().type, ok, checks }));
process.exit(ok ? 0 : 1);

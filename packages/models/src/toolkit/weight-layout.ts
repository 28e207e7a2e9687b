// Which layout dense weight matrices are kept in, by device. On the CPU, BLAS reads a plain
// x @ W fastest, so weights are stored [in, out] (measured: the big matrices' matmuls are faster).
// On the GPU, MLX's matrix-vector kernel (every decode step) runs only for x @ Wᵀ with W stored
// [out, in] (its `can_use_gemv` wants the right operand transposed); [in, out] falls back to a
// general GEMM, measured 0.6–0.8× mlx-lm's decode on an H200. So the GPU keeps the checkpoint's
// [out, in] layout and multiplies by a transposed view, as mlx-lm does.
import * as mx from '@mlx-ts/core';

// MLX_TS_WEIGHT_LAYOUT=in-out|out-in overrides the choice (benchmarks; tests of either path on any device).
export function storesInOut(): boolean {
  const forced = process.env.MLX_TS_WEIGHT_LAYOUT;
  if (forced === 'in-out' || forced === 'out-in') return forced === 'in-out';
  return mx.defaultDevice().type === 'cpu';
}

// Activations composed from MLX ops.
import * as mx from '@mlx-ts/core';

const SQRT_2_OVER_PI = Math.sqrt(2 / Math.PI);

/** GELU, tanh approximation (PyTorch's gelu(approximate="tanh"), HF's gelu_pytorch_tanh). */
export function geluApproximate(x: mx.Array): mx.Array {
  return mx.tidy(() => {
    const inner = mx.multiply(mx.add(x, mx.multiply(mx.multiply(mx.square(x), x), 0.044715)), SQRT_2_OVER_PI);
    return mx.multiply(mx.multiply(x, 0.5), mx.add(mx.tanh(inner), 1));
  });
}

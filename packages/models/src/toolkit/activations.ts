// Activations composed from MLX ops.
import * as mx from '@mlx-ts/core';

const SQRT_2_OVER_PI = Math.sqrt(2 / Math.PI);

function geluGraph(x: mx.Array): mx.Array {
  const inner = mx.multiply(mx.add(x, mx.multiply(mx.multiply(mx.square(x), x), 0.044715)), SQRT_2_OVER_PI);
  return mx.multiply(mx.multiply(x, 0.5), mx.add(mx.tanh(inner), 1));
}

// On the GPU every primitive is a kernel launch on the calling thread, so the eight elementwise
// ops are compiled into one fused kernel (as mlx-lm's compiled gelu_approx). On the CPU, float32
// goes through @mlx-ts/core's one-pass kernel (MLX's CPU tanh is scalar on x86-64: the graph
// took ~0.5 s of a 512-token Gemma 3 270M prefill); other dtypes keep the plain graph.
let compiledGelu: ((x: mx.Array) => mx.Array) | undefined;

/** GELU, tanh approximation (PyTorch's gelu(approximate="tanh"), HF's gelu_pytorch_tanh). */
export function geluApproximate(x: mx.Array): mx.Array {
  if (mx.defaultDevice().type === 'gpu') {
    compiledGelu ??= mx.compile(geluGraph, { shapeless: true });
    return compiledGelu(x);
  }
  if (x.dtype === 'float32') return mx.fast.cpuGeluTanh(x);
  return mx.tidy(() => geluGraph(x));
}

/** SiLU (swish): x · σ(x). */
export function silu(x: mx.Array): mx.Array {
  return mx.multiply(x, mx.sigmoid(x));
}

export type ActivationName = 'silu' | 'gelu_tanh';

/** Hugging Face's `hidden_act` / `hidden_activation` names → ours; undefined when unsupported. */
export function activationFromConfig(name: unknown): ActivationName | undefined {
  if (name === 'silu' || name === 'swish') return 'silu';
  if (name === 'gelu_pytorch_tanh' || name === 'gelu_new' || name === 'gelu_fast') return 'gelu_tanh';
  return undefined;
}

export function activation(name: ActivationName): (x: mx.Array) => mx.Array {
  return name === 'silu' ? silu : geluApproximate;
}

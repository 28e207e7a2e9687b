// RMSNorm, with the scale as stored (Llama, Qwen, Phi) or as 1 + w (Gemma).
import * as mx from '@mlx-ts/core';
import type { Weights } from '../load/weights.js';

export interface RmsNormOptions {
  /** Gemma's norms compute x̂ · (1 + w); the offset is folded into the stored scale at load time. */
  offsetOne?: boolean;
}

export class RmsNorm {
  private constructor(
    readonly scale: mx.Array,
    readonly eps: number,
  ) {}

  /**
   * `name` of length `size`. With `offsetOne`, 1 is added unless the checkpoint already holds
   * 1 + w (llama.cpp's Gemma conversions do).
   */
  static load(weights: Weights, name: string, size: number, eps: number, options: RmsNormOptions = {}): RmsNorm {
    const w = weights.dense(name, [size]);
    if (!options.offsetOne || weights.format === 'gguf') return new RmsNorm(w, eps);
    const scale = mx.keep(mx.add(w, 1));
    w.dispose();
    return new RmsNorm(scale, eps);
  }

  apply(x: mx.Array): mx.Array {
    return mx.fast.rmsNorm(x, this.scale, this.eps);
  }

  arrays(): mx.Array[] {
    return [this.scale];
  }
}

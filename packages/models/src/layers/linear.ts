// A linear map whose weight is dense or MLX-affine-quantized.
import * as mx from '@mlx-ts/core';
import { storesInOut } from './weight-layout.js';

export interface QuantizedWeight {
  weight: mx.Array;
  scales: mx.Array;
  biases: mx.Array;
  groupSize: number;
  bits: number;
}

/**
 * y = x @ Wᵀ. Dense weights are kept in the layout the device multiplies fastest (weight-layout.ts):
 * [in, out] on the CPU (a plain x @ W for BLAS), [out, in] on the GPU (x @ Wᵀ through MLX's gemv).
 */
export class Linear implements Disposable {
  private constructor(
    private readonly dense: mx.Array | undefined,
    private readonly quantized: QuantizedWeight | undefined,
    /** True when `dense` is [out, in] and is multiplied through a transposed view. */
    private readonly outIn = false,
  ) {}

  /** From an [out, in] weight, or an [in, out] one when `transposed`; the Linear takes ownership. */
  static dense(weight: mx.Array, transposed = false): Linear {
    const wantInOut = storesInOut();
    if (transposed === wantInOut) return new Linear(mx.keep(weight), undefined, !wantInOut);
    const flipped = mx.keep(mx.contiguous(mx.transpose(weight)));
    weight.dispose();
    return new Linear(flipped, undefined, !wantInOut);
  }

  static quantized(q: QuantizedWeight): Linear {
    mx.keep([q.weight, q.scales, q.biases]);
    return new Linear(undefined, q);
  }

  apply(x: mx.Array): mx.Array {
    if (this.dense) return this.outIn ? mx.tidy(() => mx.matmul(x, mx.transpose(this.dense!))) : mx.matmul(x, this.dense);
    const q = this.quantized!;
    return mx.quantizedMatmul(x, q.weight, q.scales, q.biases, { transpose: true, groupSize: q.groupSize, bits: q.bits });
  }

  arrays(): mx.Array[] {
    return this.dense ? [this.dense] : [this.quantized!.weight, this.quantized!.scales, this.quantized!.biases];
  }

  dispose(): void {
    mx.dispose(this.arrays());
  }

  [Symbol.dispose](): void {
    this.dispose();
  }
}

// A linear map whose weight is dense or MLX-affine-quantized.
import * as mx from '@mlx-ts/core';

export interface QuantizedWeight {
  weight: mx.Array;
  scales: mx.Array;
  biases: mx.Array;
  groupSize: number;
  bits: number;
}

/**
 * y = x @ Wᵀ. Dense weights are stored transposed ([in, out], contiguous): on CPU the matmul
 * then reaches BLAS without a transposed operand, measurably faster for the big matrices.
 */
export class Linear implements Disposable {
  private constructor(
    private readonly dense: mx.Array | undefined,
    private readonly quantized: QuantizedWeight | undefined,
  ) {}

  /** From an [out, in] weight, or an [in, out] one when `transposed`; the Linear takes ownership. */
  static dense(weight: mx.Array, transposed = false): Linear {
    if (transposed) return new Linear(mx.keep(weight), undefined);
    const inOut = mx.keep(mx.contiguous(mx.transpose(weight)));
    weight.dispose();
    return new Linear(inOut, undefined);
  }

  static quantized(q: QuantizedWeight): Linear {
    mx.keep([q.weight, q.scales, q.biases]);
    return new Linear(undefined, q);
  }

  apply(x: mx.Array): mx.Array {
    if (this.dense) return mx.matmul(x, this.dense);
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

// A linear map whose weight is dense or MLX-affine-quantized, with an optional bias.
import * as mx from '@mlx-ts/core';
import type { WeightEntry, Weights } from '../load/weights.js';

export interface QuantizedWeight {
  weight: mx.Array;
  scales: mx.Array;
  biases: mx.Array;
  groupSize: number;
  bits: number;
}

/**
 * y = x @ Wᵀ (+ b). Dense weights are stored transposed ([in, out], contiguous): on CPU the
 * matmul then reaches BLAS without a transposed operand, measurably faster for the big matrices.
 */
export class Linear implements Disposable {
  private constructor(
    private readonly dense: mx.Array | undefined,
    private readonly quantized: QuantizedWeight | undefined,
    private readonly bias: mx.Array | undefined,
  ) {}

  /** From an [out, in] weight, or an [in, out] one when `transposed`; the Linear takes ownership. */
  static dense(weight: mx.Array, transposed = false, bias?: mx.Array): Linear {
    if (bias) mx.keep(bias);
    if (transposed) return new Linear(mx.keep(weight), undefined, bias);
    const inOut = mx.keep(mx.contiguous(mx.transpose(weight)));
    weight.dispose();
    return new Linear(inOut, undefined, bias);
  }

  static quantized(q: QuantizedWeight, bias?: mx.Array): Linear {
    mx.keep([q.weight, q.scales, q.biases]);
    if (bias) mx.keep(bias);
    return new Linear(undefined, q, bias);
  }

  static fromEntry(entry: WeightEntry, bias?: mx.Array): Linear {
    return entry.kind === 'dense' ? Linear.dense(entry.array, entry.transposed, bias) : Linear.quantized(entry, bias);
  }

  /**
   * `<prefix>.weight` of shape [outputs, inputs] and, when `bias` is set, `<prefix>.bias`;
   * a bias the checkpoint has but the architecture does not use stays behind and is reported.
   */
  static load(weights: Weights, prefix: string, outputs: number, inputs: number, bias = false): Linear {
    const entry = weights.matrix(`${prefix}.weight`, [outputs, inputs]);
    return Linear.fromEntry(entry, bias ? weights.dense(`${prefix}.bias`, [outputs]) : undefined);
  }

  apply(x: mx.Array): mx.Array {
    let y: mx.Array;
    if (this.dense) y = mx.matmul(x, this.dense);
    else {
      const q = this.quantized!;
      y = mx.quantizedMatmul(x, q.weight, q.scales, q.biases, { transpose: true, groupSize: q.groupSize, bits: q.bits });
    }
    return this.bias ? mx.add(y, this.bias) : y;
  }

  arrays(): mx.Array[] {
    const weights = this.dense ? [this.dense] : [this.quantized!.weight, this.quantized!.scales, this.quantized!.biases];
    return this.bias ? [...weights, this.bias] : weights;
  }

  dispose(): void {
    mx.dispose(this.arrays());
  }

  [Symbol.dispose](): void {
    this.dispose();
  }
}

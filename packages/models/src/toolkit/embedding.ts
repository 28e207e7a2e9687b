// Token embedding that doubles as the tied output projection.
import * as mx from '@mlx-ts/core';
import type { Weights } from '../load/weights.js';
import type { QuantizedWeight } from './linear.js';
import { storesInOut } from './weight-layout.js';

/**
 * One copy of a dense table serves both uses, in the layout the device multiplies fastest
 * (weight-layout.ts). On the CPU it is stored transposed ([hidden, vocab], contiguous): the output
 * projection is then a plain x @ W for BLAS, and lookups gather columns (a few hundred values per
 * token, negligible). On the GPU it stays [vocab, hidden]: lookups gather rows and the head is
 * x @ Eᵀ through MLX's gemv.
 */
export class Embedding implements Disposable {
  private constructor(
    private readonly denseT: mx.Array | undefined,
    private readonly quantized: QuantizedWeight | undefined,
    private readonly denseRows: mx.Array | undefined = undefined,
  ) {}

  /** From a [vocab, hidden] table, or a [hidden, vocab] one when `transposed`; takes ownership. */
  static dense(table: mx.Array, transposed = false): Embedding {
    const wantHiddenVocab = storesInOut();
    const stored = transposed === wantHiddenVocab ? mx.keep(table) : mx.keep(mx.contiguous(mx.transpose(table)));
    if (stored !== table) table.dispose();
    return wantHiddenVocab ? new Embedding(stored, undefined) : new Embedding(undefined, undefined, stored);
  }

  /** `name` of shape [vocab, hidden], dense or quantized as the weight policy decides. */
  static load(weights: Weights, name: string, vocab: number, hidden: number): Embedding {
    const table = weights.matrix(name, [vocab, hidden]);
    return table.kind === 'dense' ? Embedding.dense(table.array, table.transposed) : Embedding.quantized(table);
  }

  get isQuantized(): boolean {
    return this.quantized !== undefined;
  }

  static quantized(q: QuantizedWeight): Embedding {
    mx.keep([q.weight, q.scales, q.biases]);
    return new Embedding(undefined, q);
  }

  /** ids [B, L] → [B, L, hidden] in `dtype`. */
  lookup(ids: mx.Array, dtype: mx.Dtype): mx.Array {
    return mx.tidy(() => {
      const [b, l] = ids.shape;
      const flat = mx.reshape(ids, [-1]);
      let rows: mx.Array;
      if (this.denseT) {
        rows = mx.transpose(mx.take(this.denseT, flat, 1));
      } else if (this.denseRows) {
        rows = mx.take(this.denseRows, flat, 0);
      } else {
        const q = this.quantized!;
        rows = mx.dequantize(mx.take(q.weight, flat, 0), mx.take(q.scales, flat, 0), mx.take(q.biases, flat, 0), { groupSize: q.groupSize, bits: q.bits });
      }
      return mx.astype(mx.reshape(rows, [b, l, -1]), dtype);
    });
  }

  /** hidden [..., hidden] → logits [..., vocab]. */
  asLinear(x: mx.Array): mx.Array {
    if (this.denseT) return mx.matmul(x, this.denseT);
    if (this.denseRows) return mx.tidy(() => mx.matmul(x, mx.transpose(this.denseRows!)));
    const q = this.quantized!;
    return mx.quantizedMatmul(x, q.weight, q.scales, q.biases, { transpose: true, groupSize: q.groupSize, bits: q.bits });
  }

  arrays(): mx.Array[] {
    const dense = this.denseT ?? this.denseRows;
    return dense ? [dense] : [this.quantized!.weight, this.quantized!.scales, this.quantized!.biases];
  }

  dispose(): void {
    mx.dispose(this.arrays());
  }

  [Symbol.dispose](): void {
    this.dispose();
  }
}

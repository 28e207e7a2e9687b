// Token embedding that doubles as the tied output projection.
import * as mx from '@mlx-ts/core';
import type { Weights } from '../load/weights.js';
import type { QuantizedWeight } from './linear.js';

/**
 * Dense tables are stored transposed ([hidden, vocab], contiguous): the output projection is
 * then a plain x @ W, the layout BLAS reads fastest, and lookups gather columns instead of rows
 * (a few hundred values per token, negligible). One copy serves both uses.
 */
export class Embedding implements Disposable {
  private constructor(
    private readonly denseT: mx.Array | undefined,
    private readonly quantized: QuantizedWeight | undefined,
  ) {}

  /** From a [vocab, hidden] table, or a [hidden, vocab] one when `transposed`; takes ownership. */
  static dense(table: mx.Array, transposed = false): Embedding {
    if (transposed) return new Embedding(mx.keep(table), undefined);
    const hiddenVocab = mx.keep(mx.contiguous(mx.transpose(table)));
    table.dispose();
    return new Embedding(hiddenVocab, undefined);
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
    const q = this.quantized!;
    return mx.quantizedMatmul(x, q.weight, q.scales, q.biases, { transpose: true, groupSize: q.groupSize, bits: q.bits });
  }

  arrays(): mx.Array[] {
    return this.denseT ? [this.denseT] : [this.quantized!.weight, this.quantized!.scales, this.quantized!.biases];
  }

  dispose(): void {
    mx.dispose(this.arrays());
  }

  [Symbol.dispose](): void {
    this.dispose();
  }
}

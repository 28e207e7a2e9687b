// Token embedding that doubles as the tied output projection.
import * as mx from '@mlx-ts/core';
import type { Weights } from '../load/weights.js';
import { type QuantizedWeight, quantizedArrays, quantizedBiases, quantizedProduct } from './linear.js';
import { type VocabShard, localRows, sumLookups, vocabShard, gatherLastAxis } from './vocab-shard.js';
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
    /** Over a group: this rank holds only these token ids (vocab-shard.ts). */
    private shard: VocabShard | undefined = undefined,
  ) {}

  /** From a [vocab, hidden] table, or a [hidden, vocab] one when `transposed`; takes ownership. */
  static dense(table: mx.Array, transposed = false): Embedding {
    const wantHiddenVocab = storesInOut();
    const stored = transposed === wantHiddenVocab ? mx.keep(table) : mx.keep(mx.tidy(() => mx.contiguous(mx.transpose(table))));
    if (stored !== table) {
      // Computed now, so that the table's other layout is freed at once (the largest matrix of
      // most models: left lazy, both layouts and the rest of the weights met at the first evaluation).
      mx.eval(stored);
      table.dispose();
    }
    return wantHiddenVocab ? new Embedding(stored, undefined) : new Embedding(undefined, undefined, stored);
  }

  /**
   * `name` of shape [vocab, hidden], dense or quantized as the weight policy decides; over a
   * group, only this rank's range of token ids.
   */
  static load(weights: Weights, name: string, vocab: number, hidden: number): Embedding {
    const shard = vocabShard(weights.group, vocab);
    const table = shard ? weights.matrix(name, [shard.rows, hidden], { axis: 0 }) : weights.matrix(name, [vocab, hidden]);
    const embedding = table.kind === 'dense' ? Embedding.dense(table.array, table.transposed) : Embedding.quantized(table);
    embedding.shard = shard;
    return embedding;
  }

  get isQuantized(): boolean {
    return this.quantized !== undefined;
  }

  static quantized(q: QuantizedWeight): Embedding {
    mx.keep(quantizedArrays(q));
    return new Embedding(undefined, q);
  }

  /** ids [B, L] → [B, L, hidden] in `dtype`. */
  lookup(ids: mx.Array, dtype: mx.Dtype): mx.Array {
    return mx.tidy(() => {
      const [b, l] = ids.shape;
      const local = this.shard ? localRows(mx.reshape(ids, [-1]), this.shard) : undefined;
      const flat = local ? local.rows : mx.reshape(ids, [-1]);
      let rows: mx.Array;
      if (this.denseT) {
        rows = mx.transpose(mx.take(this.denseT, flat, 1));
      } else if (this.denseRows) {
        rows = mx.take(this.denseRows, flat, 0);
      } else {
        const q = this.quantized!;
        // Scales kept narrower than the compute dtype (float16 ones, exact) are widened first:
        // MLX dequantizes in the scales' dtype.
        const widen = (a: mx.Array) => (a.dtype === dtype ? a : mx.astype(a, dtype));
        const scales = mx.take(q.scales, flat, 0);
        const biases = q.biases ? mx.take(q.biases, flat, 0) : quantizedBiases(q, scales);
        rows = mx.dequantize(mx.take(q.weight, flat, 0), widen(scales), widen(biases), {
          groupSize: q.groupSize,
          bits: q.bits,
        });
      }
      if (local) rows = sumLookups(rows, local.held, this.shard!);
      return mx.astype(mx.reshape(rows, [b, l, -1]), dtype);
    });
  }

  /** hidden [..., hidden] → logits [..., vocab]. */
  asLinear(x: mx.Array): mx.Array {
    const shard = this.shard;
    return shard ? mx.tidy(() => gatherLastAxis(this.localLogits(x), shard.group)) : this.localLogits(x);
  }

  /** The logits of the token ids this embedding holds. */
  private localLogits(x: mx.Array): mx.Array {
    if (this.denseT) return mx.matmul(x, this.denseT);
    if (this.denseRows) return mx.tidy(() => mx.matmul(x, mx.transpose(this.denseRows!)));
    return quantizedProduct(x, this.quantized!);
  }

  arrays(): mx.Array[] {
    const dense = this.denseT ?? this.denseRows;
    return dense ? [dense] : quantizedArrays(this.quantized!);
  }

  dispose(): void {
    mx.dispose(this.arrays());
  }

  [Symbol.dispose](): void {
    this.dispose();
  }
}

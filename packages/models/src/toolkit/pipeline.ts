// Pipeline parallelism: the decoder's layers split into contiguous stages, one per rank. Rank 0
// embeds the tokens, each rank runs its layers on the hidden state received from the rank before
// and sends the result on, the last rank computes the logits, which an all-sum (the other ranks
// add zeros, so it is exact) hands to every rank. Sends and receives go to direct neighbours only,
// which is all MLX's ring backend supports.
import * as mx from '@mlx-ts/core';

export class PipelineStage {
  /** The layers [start, end) of this rank. */
  readonly start: number;
  readonly end: number;

  constructor(
    readonly group: mx.distributed.Group,
    layers: number,
  ) {
    // The first ranks take one layer more when the count does not divide evenly.
    const base = Math.floor(layers / group.size);
    const extra = layers % group.size;
    const r = group.rank;
    this.start = r * base + Math.min(r, extra);
    this.end = this.start + base + (r < extra ? 1 : 0);
  }

  get first(): boolean {
    return this.group.rank === 0;
  }

  get last(): boolean {
    return this.group.rank === this.group.size - 1;
  }

  holds(layer: number): boolean {
    return layer >= this.start && layer < this.end;
  }

  /** The hidden state [B, L, hidden] from the rank before. */
  receive(shape: readonly number[], dtype: mx.Dtype): mx.Array {
    return mx.distributed.recv(shape, dtype, this.group.rank - 1, { group: this.group });
  }

  /**
   * Sends h to the next rank. What is returned stands in for the final hidden state on this rank:
   * zeros that depend on the send, so evaluating the logits performs it.
   */
  passOn(h: mx.Array): mx.Array {
    const sent = mx.distributed.send(h, this.group.rank + 1, { group: this.group });
    return mx.depends([mx.zerosLike(h)], [sent])[0];
  }

  /** The last rank's logits on every rank. */
  shareLogits(logits: mx.Array | undefined, hidden: mx.Array, vocab: number): mx.Array {
    // The zeros depend on hidden, so that evaluating the logits performs this rank's send.
    const mine = logits ?? mx.depends([mx.zeros([...hidden.shape.slice(0, -1), vocab], hidden.dtype)], [hidden])[0];
    return mx.distributed.allSum(mine, { group: this.group });
  }
}

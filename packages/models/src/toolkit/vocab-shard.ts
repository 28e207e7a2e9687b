// The vocabulary split over the ranks of a group: each rank holds the rows of the embedding (and
// of the output head) for a contiguous range of token ids. A lookup takes the rows this rank has,
// zeros for the others, and sums over the group; the head's logits slices are gathered. Both are
// exact: the sum adds zeros, the gather only moves values.
import * as mx from '@mlx-ts/core';

export interface VocabShard {
  group: mx.distributed.Group;
  /** First token id on this rank and how many. */
  start: number;
  rows: number;
}

/** The shard of `vocab` rows on this rank, or undefined when the model is whole or the vocabulary does not split evenly (kept whole then). */
export function vocabShard(group: mx.distributed.Group | undefined, vocab: number): VocabShard | undefined {
  if (!group || vocab % group.size !== 0) return undefined;
  const rows = vocab / group.size;
  return { group, start: group.rank * rows, rows };
}

/** Local row indices for `ids` and a [N, 1] mask of the ids this rank holds. */
export function localRows(ids: mx.Array, shard: VocabShard): { rows: mx.Array; held: mx.Array } {
  const local = mx.subtract(ids, shard.start);
  const held = mx.logicalAnd(mx.greaterEqual(local, 0), mx.less(local, shard.rows));
  return { rows: mx.where(held, local, 0), held: mx.expandDims(held, [-1]) };
}

/** Rows looked up on every rank (zeros where another rank holds the id), summed over the group. */
export function sumLookups(rows: mx.Array, held: mx.Array, shard: VocabShard): mx.Array {
  return mx.distributed.allSum(mx.multiply(rows, mx.astype(held, rows.dtype)), { group: shard.group });
}

/** Every rank's slice of the last axis, concatenated in rank order. */
export function gatherLastAxis(y: mx.Array, group: mx.distributed.Group): mx.Array {
  return mx.moveaxis(mx.distributed.allGather(mx.contiguous(mx.moveaxis(y, -1, 0)), { group }), 0, -1);
}

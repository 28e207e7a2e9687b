// Tensor parallelism at load time: each rank keeps only its slice of a sharded matrix, so the
// full tensor is read once, copied out and freed, and a rank holds about 1/size of the model.
import * as mx from '@mlx-ts/core';
import { ModelLoadError } from '../errors.js';
import type { WeightEntry } from './weights.js';

/** Which slice of a matrix this rank keeps. */
export interface ShardSpec {
  /** In Hugging Face layout [out, in]: 0 splits the outputs (all-to-sharded), 1 the inputs (sharded-to-all). */
  axis: 0 | 1;
  /**
   * Sizes of fused blocks along the axis (q|k|v, gate|up), each split on its own so every rank
   * gets its part of each; default one block.
   */
  segments?: readonly number[];
  /**
   * The part to keep when it is not the rank's own: with fewer key/value heads than ranks, the
   * ranks that share a key/value head all keep that head.
   */
  part?: ShardPart;
}

export interface ShardPart {
  rank: number;
  size: number;
}

/** Rank `part.rank`'s slice of `a` along `axis`; `segments` count logical columns and `scale` turns them into columns of a (packed weights, scales). */
function slice(a: mx.Array, axis: number, segments: readonly number[], part: ShardPart, scale: number, name: string, source: string): mx.Array {
  const total = a.shape[axis];
  const pieces: mx.Array[] = [];
  let start = 0;
  for (const segment of segments) {
    const length = segment * scale;
    if (!Number.isInteger(length) || length % part.size !== 0) {
      throw new ModelLoadError({
        file: source,
        problem: `the weight "${name}" (${total} along axis ${axis}) cannot be split evenly over ${part.size} ranks`,
        fix: `Use a number of ranks that divides the heads and intermediate size (and, for quantized weights, the groups) of this model`,
      });
    }
    const step = length / part.size;
    const begin = a.shape.map(() => 0);
    const end = [...a.shape];
    begin[axis] = start + part.rank * step;
    end[axis] = begin[axis] + step;
    pieces.push(mx.slice(a, begin, end));
    start += length;
  }
  return pieces.length === 1 ? pieces[0] : mx.concatenate(pieces, axis);
}

/**
 * The slices as fresh buffers, computed while the full arrays are alive, which are then freed.
 * A slice is a view that keeps the whole buffer alive, and copying it once the full array is gone
 * lets MLX donate that buffer to the copy; x · 1 is exact and always writes a new buffer here.
 */
function cut(full: mx.Array[], take: (a: mx.Array) => mx.Array): mx.Array[] {
  const parts = mx.tidy(() => full.map((a) => mx.multiply(take(a), 1)));
  mx.eval(parts);
  mx.keep(parts);
  mx.dispose(full);
  return parts;
}

/** The rank's part of a weight entry; the full entry is disposed. */
export function shardEntry(entry: WeightEntry, spec: ShardSpec, part: ShardPart, name: string, source: string): WeightEntry {
  if (entry.kind === 'dense') {
    const a = entry.array;
    // 1-D (a bias) splits its only axis; a transposed matrix [in, out] has the axes swapped.
    const axis = a.ndim === 1 ? 0 : entry.transposed ? 1 - spec.axis : spec.axis;
    const segments = spec.segments ?? [a.shape[axis]];
    const [out] = cut([a], (x) => slice(x, axis, segments, part, 1, name, source));
    return { ...entry, array: out };
  }
  // Quantized [out, in]: packed weights hold 32/bits inputs per uint32, scales and (stored) biases one per group.
  const { weight, scales, biases } = entry;
  const inputs = scales.shape[1] * entry.groupSize;
  const logical = spec.axis === 0 ? weight.shape[0] : inputs;
  const segments = spec.segments ?? [logical];
  const at = (a: mx.Array) => (spec.axis === 0 ? 1 : a.shape[1] / inputs);
  const parts = cut(biases ? [weight, scales, biases] : [weight, scales], (a) => slice(a, spec.axis, segments, part, at(a), name, source));
  return { ...entry, weight: parts[0], scales: parts[1], biases: biases ? parts[2] : null };
}

// A linear map whose weight is dense or MLX-affine-quantized, with an optional bias.
import * as mx from '@mlx-ts/core';
import type { WeightEntry, Weights } from '../load/weights.js';
import { gatherLastAxis } from './vocab-shard.js';
import { storesInOut } from './weight-layout.js';

/**
 * With MLX_TS_MATVEC=1, a one-row product on the GPU goes to mx.fast.matVec (the addon's kernel,
 * more loads in flight than MLX's gemv on short matrices). Off by default: on an H200 a 4B Gemma 3
 * shape decoded at 170 tokens/s with it and 185 without, in one run (the 1B shape 237 and 240).
 * MLX_TS_MATVEC=short: only for weights of at most 4096 output rows, where MLX's gemv measured
 * furthest from the bandwidth (a 4B layer's output and down projections: 1.9 and 3.2 TB/s).
 */
const matVecSetting = process.env.MLX_TS_MATVEC;
const matVecMaxRows = matVecSetting === '1' ? Infinity : matVecSetting === 'short' ? 4096 : 0;

/**
 * How a linear layer is split over the ranks of `weights.group` (tensor parallelism, as MLX's
 * nn.layers.distributed): 'all-to-sharded' keeps a slice of the outputs (the input is whole, the
 * output is this rank's part); 'sharded-to-all' keeps the matching slice of the inputs and sums
 * the partial products over the group, so every rank gets the whole output.
 */
export type Sharding =
  | {
      kind: 'all-to-sharded';
      segments?: readonly number[];
      /** Gather the ranks' output slices so every rank has the whole output (a split vocabulary head). */
      gather?: boolean;
      /** Keep this part instead of the rank's own (key/value heads shared by several ranks). */
      part?: { rank: number; size: number };
    }
  | {
      kind: 'sharded-to-all';
      /** false: leave the partial products for the caller to sum (once, over several layers). Default true. */
      sum?: boolean;
    };

export interface QuantizedWeight {
  weight: mx.Array;
  scales: mx.Array;
  /** Null when every bias is biasFactor × its scale (GGUF's Q8_0, Q5_0, Q4_0 on the CPU kernel): not stored. */
  biases: mx.Array | null;
  biasFactor?: number;
  groupSize: number;
  bits: number;
}

/** The stored biases, or biasFactor × `scales` (by default the weight's own) where they are implicit. */
export function quantizedBiases(q: QuantizedWeight, scales: mx.Array = q.scales): mx.Array {
  if (q.biases) return q.biases;
  if (q.biasFactor === undefined) throw new Error('a quantized weight without biases needs a biasFactor');
  return mx.multiply(scales, mx.array(q.biasFactor, scales.dtype));
}

/** The arrays a quantized weight holds. */
export function quantizedArrays(q: QuantizedWeight): mx.Array[] {
  return q.biases ? [q.weight, q.scales, q.biases] : [q.weight, q.scales];
}

/** x @ dequantize(q)ᵀ: implicit biases go to the CPU kernel as their factor, never materialized. */
export function quantizedProduct(x: mx.Array, q: QuantizedWeight): mx.Array {
  const options = { groupSize: q.groupSize, bits: q.bits };
  if (!q.biases && q.biasFactor !== undefined) return mx.fast.cpuQuantizedMatmul(x, q.weight, q.scales, null, { ...options, biasFactor: q.biasFactor });
  return mx.quantizedMatmul(x, q.weight, q.scales, q.biases, { ...options, transpose: true });
}

/**
 * y = x @ Wᵀ (+ b). Dense weights are kept in the layout the device multiplies fastest
 * (weight-layout.ts): [in, out] on the CPU (a plain x @ W for BLAS), [out, in] on the GPU
 * (x @ Wᵀ through MLX's gemv).
 */
export class Linear implements Disposable {
  /**
   * An [out, in] weight's transposed view, made once: a fresh transpose in every product is one
   * op more per projection and step for the host to encode (four per layer), where the GPU's
   * decode step is bound by that host work. It shares the weight's buffer.
   */
  private readonly transposed: mx.Array | undefined;

  private constructor(
    private readonly dense: mx.Array | undefined,
    private readonly quantized: QuantizedWeight | undefined,
    private readonly bias: mx.Array | undefined,
    /** True when `dense` is [out, in] and is multiplied through a transposed view. */
    private readonly outIn = false,
    /** Sharded-to-all: the partial products are summed over this group (before the bias). */
    private readonly sumOver: mx.distributed.Group | undefined = undefined,
    /** All-to-sharded with gather: the output slices are gathered over this group. */
    private readonly gatherOver: mx.distributed.Group | undefined = undefined,
    transposed?: mx.Array,
  ) {
    this.transposed = transposed ?? (dense && outIn ? Linear.transposedView(dense) : undefined);
  }

  /** Evaluated now, so that a compiled step traced later reads it as a leaf rather than re-running the transpose. */
  private static transposedView(dense: mx.Array): mx.Array {
    const view = mx.keep(mx.transpose(dense));
    mx.eval(view);
    return view;
  }

  /** This Linear summed or gathered over a group: the same weights (and view), which it takes over. */
  private over(sumOver: mx.distributed.Group | undefined, gatherOver: mx.distributed.Group | undefined, bias = this.bias): Linear {
    return new Linear(this.dense, this.quantized, bias, this.outIn, sumOver, gatherOver, this.transposed);
  }

  /** From an [out, in] weight, or an [in, out] one when `transposed`; the Linear takes ownership. */
  static dense(weight: mx.Array, transposed = false, bias?: mx.Array): Linear {
    if (bias) mx.keep(bias);
    const wantInOut = storesInOut();
    if (transposed === wantInOut) return new Linear(mx.keep(weight), undefined, bias, !wantInOut);
    // In a tidy scope: the transposed view would otherwise keep the original buffer alive. Computed
    // now, so that each original is freed as soon as its copy exists: left lazy, every layer's
    // original and copy were alive at once when the model was first evaluated (twice the
    // weights at the peak of a load).
    const flipped = mx.keep(mx.tidy(() => mx.contiguous(mx.transpose(weight))));
    mx.eval(flipped);
    weight.dispose();
    return new Linear(flipped, undefined, bias, !wantInOut);
  }

  static quantized(q: QuantizedWeight, bias?: mx.Array): Linear {
    mx.keep(quantizedArrays(q));
    if (bias) mx.keep(bias);
    return new Linear(undefined, q, bias);
  }

  /**
   * One linear whose outputs are each part's in turn, when all are the same kind (dense in the
   * same layout and dtype, or quantized alike) without bias or sharding; undefined otherwise (the
   * parts are then left as they were). The parts are disposed once the stacked weight is computed
   * (computed now, so that the two copies are never all alive at once across a model's layers).
   */
  static stacked(...parts: Linear[]): Linear | undefined {
    const [first] = parts;
    // MLX_TS_STACKED_PROJECTIONS=0 keeps the parts apart (see stacks()).
    if (process.env.MLX_TS_STACKED_PROJECTIONS === '0' || parts.length < 2 || parts.some((l) => l.bias || l.sumOver || l.gatherOver)) return undefined;
    const dense = parts.map((l) => l.dense);
    if (dense.every((a) => a !== undefined)) {
      if (parts.some((l, i) => l.outIn !== first.outIn || dense[i]!.dtype !== dense[0]!.dtype)) return undefined;
      // [out, in] stacks along axis 0, [in, out] along axis 1.
      const stacked = mx.keep(mx.concatenate(dense as mx.Array[], first.outIn ? 0 : 1));
      mx.eval(stacked);
      for (const l of parts) l.dispose();
      return new Linear(stacked, undefined, undefined, first.outIn);
    }
    const qa = first.quantized;
    if (!qa) return undefined;
    const quantized = parts
      .map((l) => l.quantized)
      .filter(
        (q): q is QuantizedWeight & { biases: mx.Array } =>
          q?.biases !== undefined && q.bits === qa.bits && q.groupSize === qa.groupSize && q.scales.dtype === qa.scales.dtype,
      );
    if (quantized.length !== parts.length) return undefined;
    const join = (pick: (q: QuantizedWeight & { biases: mx.Array }) => mx.Array) => mx.keep(mx.concatenate(quantized.map(pick), 0));
    const q: QuantizedWeight = {
      weight: join((w) => w.weight),
      scales: join((w) => w.scales),
      biases: join((w) => w.biases),
      groupSize: qa.groupSize,
      bits: qa.bits,
    };
    mx.eval(q.weight, q.scales, q.biases!);
    for (const l of parts) l.dispose();
    return new Linear(undefined, q, undefined);
  }

  /**
   * Whether models stack the projections that read one input (q/k/v, gate/up) into one Linear:
   * on the GPU, where a decode step is bound by launch cost. MLX_TS_STACKED_PROJECTIONS=0 keeps
   * them apart there (to measure what stacking buys), =1 stacks them on every device (tests of
   * the GPU's path on the CPU). Read at load, where models call stacked().
   */
  static stacks(): boolean {
    const setting = process.env.MLX_TS_STACKED_PROJECTIONS;
    return setting === '1' || (setting !== '0' && mx.defaultDevice().type === 'gpu');
  }

  static fromEntry(entry: WeightEntry, bias?: mx.Array): Linear {
    return entry.kind === 'dense' ? Linear.dense(entry.array, entry.transposed, bias) : Linear.quantized(entry, bias);
  }

  /**
   * `<prefix>.weight` of shape [outputs, inputs] and, when `bias` is set, `<prefix>.bias`;
   * a bias the checkpoint has but the architecture does not use stays behind and is reported.
   */
  static load(weights: Weights, prefix: string, outputs: number, inputs: number, bias = false, sharding?: Sharding): Linear {
    const group = sharding ? weights.group : undefined;
    if (!group || !sharding) {
      const entry = weights.matrix(`${prefix}.weight`, [outputs, inputs]);
      return Linear.fromEntry(entry, bias ? weights.dense(`${prefix}.bias`, [outputs]) : undefined);
    }
    if (sharding.kind === 'all-to-sharded') {
      const spec = { axis: 0, segments: sharding.segments, part: sharding.part } as const;
      const parts = sharding.part?.size ?? group.size;
      const entry = weights.matrix(`${prefix}.weight`, [outputs / parts, inputs], spec);
      const linear = Linear.fromEntry(entry, bias ? weights.dense(`${prefix}.bias`, [outputs / parts], spec) : undefined);
      return sharding.gather ? linear.over(undefined, group) : linear;
    }
    const entry = weights.matrix(`${prefix}.weight`, [outputs, inputs / group.size], { axis: 1 });
    const b = bias ? weights.dense(`${prefix}.bias`, [outputs]) : undefined;
    const linear = Linear.fromEntry(entry);
    return linear.over(sharding.sum === false ? undefined : group, undefined, b);
  }

  apply(x: mx.Array): mx.Array {
    let y: mx.Array;
    if (
      matVecMaxRows > 0 &&
      this.dense &&
      this.outIn &&
      this.dense.shape[0] <= matVecMaxRows &&
      x.size === x.shape[x.ndim - 1] &&
      mx.defaultDevice().type === 'gpu'
    )
      y = mx.fast.matVec(x, this.dense);
    else if (this.dense) y = mx.matmul(x, this.transposed ?? this.dense);
    else {
      y = quantizedProduct(x, this.quantized!);
    }
    if (this.sumOver) y = mx.distributed.allSum(y, { group: this.sumOver });
    if (this.bias) y = mx.add(y, this.bias);
    return this.gatherOver ? mx.tidy(() => gatherLastAxis(y, this.gatherOver!)) : y;
  }

  arrays(): mx.Array[] {
    const weights = this.dense ? [this.dense] : quantizedArrays(this.quantized!);
    return this.bias ? [...weights, this.bias] : weights;
  }

  dispose(): void {
    mx.dispose(this.transposed ? [...this.arrays(), this.transposed] : this.arrays());
  }

  [Symbol.dispose](): void {
    this.dispose();
  }
}

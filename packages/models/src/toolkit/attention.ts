// Grouped-query self-attention as the Llama family computes it, with the options the popular
// architectures add: q/k/v and output biases (Qwen 2), per-head q/k RMSNorms (Qwen 3, Gemma 3),
// a fused qkv projection (Phi-3), attention-logit soft-capping (Gemma 2).
import * as mx from '@mlx-ts/core';
import type { KVCache } from '@mlx-ts/cache';
import { ModelLoadError } from '../errors.js';
import type { Weights } from '../load/weights.js';
import { Linear } from './linear.js';
import { maskArray } from './mask.js';
import { RmsNorm } from './norm.js';
import type { Rope, RopePosition } from './rope.js';

export interface AttentionSettings {
  hiddenSize: number;
  numHeads: number;
  numKvHeads: number;
  headDim: number;
  /** Softmax temperature, usually headDim^-0.5. */
  scale: number;
  rope: Rope;
  qkvBias?: boolean;
  outputBias?: boolean;
  /** Per-head RMSNorm of queries and keys before RoPE (`q_norm`, `k_norm`). */
  qkNorm?: { eps: number; offsetOne?: boolean };
  /** One `qkv_proj` instead of q_proj/k_proj/v_proj. */
  fusedQkv?: boolean;
  /** cap · tanh(scores / cap) before the mask. */
  softcap?: number;
}

/**
 * Over a group (tensor parallelism) each rank computes its share of the query and key/value heads
 * (q, k, v all-to-sharded) and the output projection sums the ranks' parts (sharded-to-all), as
 * mlx-lm shards attention.
 */
export class Attention {
  /** Query and key/value heads computed on this rank. */
  private readonly nq: number;
  private readonly nkv: number;
  private readonly q?: Linear;
  private readonly k?: Linear;
  private readonly v?: Linear;
  private readonly qkv?: Linear;
  private readonly o: Linear;
  private readonly qNorm?: RmsNorm;
  private readonly kNorm?: RmsNorm;
  /** Whether queries and keys can be normed and rotated by one kernel each (Rope.normApply, on the GPU). */
  private readonly normRopeAvailable: boolean;
  /** MLX_TS_FUSED_ROPE as it was at load ('1', '0' or unset). */
  private readonly normRopeSetting = process.env.MLX_TS_FUSED_ROPE;
  /** Whether a decode step's heads come from one kernel (Rope.headsApply on the stacked projection, on the GPU). */
  private readonly fusedHeadsAvailable: boolean;

  constructor(
    weights: Weights,
    prefix: string,
    private readonly settings: AttentionSettings,
  ) {
    const { hiddenSize: h, numHeads: nq, numKvHeads: nkv, headDim: d, qkvBias = false } = settings;
    const ranks = weights.group?.size ?? 1;
    const rank = weights.group?.rank ?? 0;
    // Fewer key/value heads than ranks: each rank keeps the one head its query heads use (the
    // ranks sharing it hold copies), as long as the ranks split evenly over the heads.
    const sharedKv = nkv % ranks !== 0 && ranks % nkv === 0 && !settings.fusedQkv;
    if (nq % ranks !== 0 || (nkv % ranks !== 0 && !sharedKv)) {
      throw new ModelLoadError({
        file: weights.source,
        problem: `its ${nq} query and ${nkv} key/value heads cannot be split over ${ranks} ranks`,
        fix: 'Use a number of ranks that divides the number of query heads and divides, or is a multiple of, the number of key/value heads',
      });
    }
    this.nq = nq / ranks;
    this.nkv = sharedKv ? 1 : nkv / ranks;
    const sharded = { kind: 'all-to-sharded' } as const;
    const kvSharded = sharedKv ? ({ kind: 'all-to-sharded', part: { rank: Math.floor((rank * nkv) / ranks), size: nkv } } as const) : sharded;
    if (settings.fusedQkv) {
      this.qkv = Linear.load(weights, `${prefix}.qkv_proj`, (nq + 2 * nkv) * d, h, qkvBias, { kind: 'all-to-sharded', segments: [nq * d, nkv * d, nkv * d] });
    } else {
      const q = Linear.load(weights, `${prefix}.q_proj`, nq * d, h, qkvBias, sharded);
      const k = Linear.load(weights, `${prefix}.k_proj`, nkv * d, h, qkvBias, kvSharded);
      const v = Linear.load(weights, `${prefix}.v_proj`, nkv * d, h, qkvBias, kvSharded);
      // On the GPU, where a decode step is bound by launch cost, q, k and v as one product is two
      // kernels fewer per layer; the three heads are views of its output.
      this.qkv = Linear.stacks() ? Linear.stacked(q, k, v) : undefined;
      if (!this.qkv) [this.q, this.k, this.v] = [q, k, v];
    }
    this.o = Linear.load(weights, `${prefix}.o_proj`, h, nq * d, settings.outputBias ?? false, { kind: 'sharded-to-all' });
    if (settings.qkNorm) {
      const { eps, offsetOne } = settings.qkNorm;
      this.qNorm = RmsNorm.load(weights, `${prefix}.q_norm.weight`, d, eps, { offsetOne });
      this.kNorm = RmsNorm.load(weights, `${prefix}.k_norm.weight`, d, eps, { offsetOne });
    }
    this.normRopeAvailable = this.qNorm !== undefined && settings.rope.normApply !== undefined && mx.defaultDevice().type === 'gpu';
    // MLX_TS_FUSED_HEADS=0 keeps the separate ops (to measure what the kernel buys); =1 takes
    // this path on every device (tests of the GPU's path on the CPU, where the op is MLX's ops).
    const fusedHeads = process.env.MLX_TS_FUSED_HEADS;
    this.fusedHeadsAvailable =
      this.qkv !== undefined && settings.rope.headsApply !== undefined && (fusedHeads === '1' || (fusedHeads !== '0' && mx.defaultDevice().type === 'gpu'));
  }

  /**
   * Whether a step of `length` positions per row takes its heads from Rope.headsApply: a decode
   * step (one position) on the GPU, where the host's work per op bounds the step and one kernel
   * replaces the split, reshapes, norms, transposes and rotations (eleven ops per layer).
   * Prefill keeps MLX's ops, which are tuned for many rows.
   */
  fusesHeads(length: number): boolean {
    return this.fusedHeadsAvailable && length === 1;
  }

  /**
   * From the layer's normed input to attention's output [B, nq, L, d], updating the cache:
   * heads, rotation, cache update and attention. `heads` computes the un-rotated heads (the
   * layer passes a compiled heads()); unused where fusesHeads holds.
   */
  run(x: mx.Array, mask: mx.fast.AttentionMask, cache: KVCache | undefined, heads: (x: mx.Array) => mx.Array[] = (y) => this.heads(y)): mx.Array {
    if (this.fusesHeads(x.shape[1])) {
      const { qNorm, kNorm } = this;
      const norms = qNorm && kNorm ? { q: qNorm.scale, k: kNorm.scale, eps: qNorm.eps } : undefined;
      const [q, k, v] = this.settings.rope.headsApply!(this.qkv!.apply(x), { q: this.nq, kv: this.nkv }, norms, this.position(cache, x.shape[1]));
      return this.attendRotated(q, k, v, mask, cache);
    }
    const [q, k, v] = heads(x);
    return this.attend(q, k, v, mask, cache);
  }

  private position(cache: KVCache | undefined, length: number): RopePosition {
    return { offset: cache?.rowOffsets ?? cache?.offset ?? 0, end: (cache?.offset ?? 0) + length };
  }

  /**
   * Whether a batch of `rows` norms and rotates queries and keys in one kernel each: heads() then
   * leaves them un-normed and attend() does both. By default only for more than one row, where
   * the stacked projection's heads are strided and the separate norms would copy them first (six
   * kernels become two); for one row, one such kernel measured slower on an H200 than MLX's norm
   * and rope kernels (1B Gemma 3 shape 237 vs 268 tokens/s, 4B 170 vs 180, in one run).
   * MLX_TS_FUSED_ROPE=1 uses it for every batch, 0 for none.
   */
  private normsWithRope(rows: number): boolean {
    if (!this.normRopeAvailable) return false;
    return this.normRopeSetting === '1' || (this.normRopeSetting !== '0' && rows > 1);
  }

  private project(x: mx.Array): [mx.Array, mx.Array, mx.Array] {
    if (!this.qkv) return [this.q!.apply(x), this.k!.apply(x), this.v!.apply(x)];
    const { nq, nkv } = this;
    const d = this.settings.headDim;
    const [q, k, v] = mx.split(this.qkv.apply(x), [nq * d, (nq + nkv) * d], -1);
    return [q, k, v];
  }

  /** x [B, L, hidden] → [B, L, hidden]; updates the cache. */
  apply(x: mx.Array, mask: mx.fast.AttentionMask, cache: KVCache | undefined): mx.Array {
    return this.output(this.run(x, mask, cache));
  }

  /**
   * The projections, as heads [B, n, L, d] (queries and keys normed when the architecture norms
   * them, unless attend() norms them with RoPE), before RoPE. Pure: it reads no position, so a
   * compiled decode step can trace it once.
   */
  heads(x: mx.Array): [mx.Array, mx.Array, mx.Array] {
    const d = this.settings.headDim;
    const { nq, nkv } = this;
    const [b, l] = x.shape;
    const [qFlat, kFlat, vFlat] = this.project(x);
    // [B, L, n·d] → [B, n, L, d]. On the CPU the norm runs on the transposed view, which leaves a
    // contiguous array for RoPE and attention (measurably faster there than norming first). On the
    // GPU the norm runs first, on contiguous rows: its kernel would copy a transposed view first,
    // and RoPE reads the transposed view as it is (two kernels fewer per layer per step).
    const normFirst = mx.defaultDevice().type === 'gpu';
    const split = (y: mx.Array, n: number, given: RmsNorm | undefined) => {
      const norm = this.normsWithRope(b) ? undefined : given;
      const rows = mx.reshape(y, [b, l, n, d]);
      if (normFirst) return mx.transpose(norm ? norm.apply(rows) : rows, [0, 2, 1, 3]);
      const heads = mx.transpose(rows, [0, 2, 1, 3]);
      return norm ? norm.apply(heads) : heads;
    };
    return [split(qFlat, nq, this.qNorm), split(kFlat, nkv, this.kNorm), split(vFlat, nkv, undefined)];
  }

  /** RoPE at the cache's positions, the cache update, and attention: heads in, [B, nq, L, d] out. */
  attend(q: mx.Array, k: mx.Array, v: mx.Array, mask: mx.fast.AttentionMask, cache: KVCache | undefined): mx.Array {
    const { rope } = this.settings;
    const position = this.position(cache, q.shape[2]);
    if (this.normsWithRope(q.shape[0])) {
      // Back to rows [B, L, n, d] (a view of the projection): one kernel norms and rotates each.
      const rows = (heads: mx.Array) => mx.transpose(heads, [0, 2, 1, 3]);
      q = rope.normApply!(rows(q), this.qNorm!.scale, this.qNorm!.eps, position);
      k = rope.normApply!(rows(k), this.kNorm!.scale, this.kNorm!.eps, position);
    } else {
      q = rope.apply(q, position);
      k = rope.apply(k, position);
    }
    return this.attendRotated(q, k, v, mask, cache);
  }

  /** The cache update and attention of rotated heads: [B, nq, L, d] out. */
  private attendRotated(q: mx.Array, k: mx.Array, v: mx.Array, mask: mx.fast.AttentionMask, cache: KVCache | undefined): mx.Array {
    const { scale } = this.settings;
    const l = q.shape[2];
    if (cache) ({ keys: k, values: v } = cache.updateAndFetch(k, v));
    return this.settings.softcap
      ? this.softcapped(q, k, v, mask)
      : l === 1 && (mask === undefined || mask === null || mask === 'causal') && mx.defaultDevice().type === 'cpu' && q.dtype !== 'float32'
        ? this.decodeStep(q, k, v)
        : mx.fast.scaledDotProductAttention(q, k, v, { scale, mask });
  }

  /** Attention's output [B, nq, L, d] → the output projection [B, L, hidden]. */
  output(out: mx.Array): mx.Array {
    const [b, , l, d] = out.shape;
    // One position: the transpose would not move an element (one op fewer per layer and step).
    const rows = l === 1 ? out : mx.transpose(out, [0, 2, 1, 3]);
    return this.o.apply(mx.reshape(rows, [b, l, this.nq * d]));
  }

  /**
   * One query position without a mask array, on the CPU, in a dtype the addon's single-pass
   * decode kernel does not take (it takes float32, through scaledDotProductAttention): MLX's
   * scaledDotProductAttention falls back there to a general graph that takes about twice as long. Query heads that share a key/value head are stacked as
   * rows of one product, so neither keys nor values are repeated; softmax in float32.
   */
  private decodeStep(q: mx.Array, k: mx.Array, v: mx.Array): mx.Array {
    const { nq, nkv } = this;
    const { scale } = this.settings;
    const [b, , , d] = q.shape;
    const grouped = mx.reshape(mx.multiply(q, scale), [b, nkv, nq / nkv, d]);
    const weights = mx.softmax(mx.matmul(grouped, mx.swapaxes(k, -1, -2)), -1, true);
    return mx.reshape(mx.matmul(weights, v), [b, nq, 1, d]);
  }

  /** Attention by hand: the fused kernel has no soft-cap. Softmax in float32 as transformers does. */
  private softcapped(q: mx.Array, k: mx.Array, v: mx.Array, mask: mx.fast.AttentionMask): mx.Array {
    const { nq, nkv } = this;
    const { scale } = this.settings;
    const cap = this.settings.softcap!;
    if (nq !== nkv) {
      k = mx.repeat(k, nq / nkv, 1);
      v = mx.repeat(v, nq / nkv, 1);
    }
    let scores = mx.matmul(mx.multiply(q, scale), mx.swapaxes(k, -1, -2));
    scores = mx.multiply(mx.tanh(mx.divide(scores, cap)), cap);
    const m = maskArray(mask, q.shape[2], k.shape[2]);
    if (m) scores = m.dtype === 'bool' ? mx.where(m, scores, -3.0e38) : mx.add(scores, m);
    const weights = mx.astype(mx.softmax(mx.astype(scores, 'float32'), -1), v.dtype);
    return mx.matmul(weights, v);
  }

  arrays(): mx.Array[] {
    const linears = [this.q, this.k, this.v, this.qkv, this.o].filter((l): l is Linear => l !== undefined);
    return [...linears.flatMap((l) => l.arrays()), ...(this.qNorm?.arrays() ?? []), ...(this.kNorm?.arrays() ?? [])];
  }
}

// mx.fast: fused kernels where the backend has them.
import { Array, wrap, wrapMany } from './array.js';
import { native } from './native.js';
import { add, handleOf } from './ops.js';

function optionalHandle(a: Array | null | undefined, name: string): number | undefined {
  return a === null || a === undefined ? undefined : handleOf(a, name);
}

export interface CpuKernelOption {
  /**
   * On the CPU, float32 inputs run on the addon's own kernel (MLX has none there and builds a
   * graph of a dozen small ops per call); false keeps MLX's graph. Default true.
   * MLX_TS_CPU_KERNEL=mlx sets the default to false for the whole process.
   */
  cpuKernel?: boolean;
}

/** x * rsqrt(mean(x², -1) + eps) * weight (weight optional). */
export function rmsNorm(x: Array, weight: Array | null | undefined, eps: number, options: CpuKernelOption = {}): Array {
  return wrap(native().rmsNorm(handleOf(x, 'rmsNorm'), optionalHandle(weight, 'rmsNorm weight'), eps, undefined, options.cpuKernel ?? true));
}

/**
 * rmsNorm on the addon's CPU kernel: float32 x (any layout) and float32 weight [x.shape(-1)] or
 * none, row-major result; AVX2 where the kernel's ISA is avx2, many rows split over the kernel
 * threads. Throws an MlxError naming what it cannot take; rmsNorm falls back to MLX instead.
 */
export function cpuRmsNorm(x: Array, weight: Array | null | undefined, eps: number): Array {
  return wrap(native().cpuRmsNorm(handleOf(x, 'cpuRmsNorm'), optionalHandle(weight, 'cpuRmsNorm weight'), eps));
}

/**
 * A residual add and the RMSNorm after it: h = x + (postWeight ? rmsNorm(y, postWeight) : y) and
 * normed = rmsNorm(h, nextWeight), both over the last axis with one eps. One kernel on CUDA (a
 * decoder layer's add and norms cost one launch instead of two or three); MLX ops elsewhere,
 * with the same rounding.
 */
export function residualRmsNorm(x: Array, y: Array, postWeight: Array | null | undefined, nextWeight: Array, eps: number): { h: Array; normed: Array } {
  // MLX_TS_FUSED_NORM=0: the separate ops everywhere (to measure the fused kernel against them).
  if (process.env.MLX_TS_FUSED_NORM === '0') {
    const branch = postWeight ? rmsNorm(y, postWeight, eps) : y;
    const h = add(x, branch);
    return { h, normed: rmsNorm(h, nextWeight, eps) };
  }
  const [h, normed] = wrapMany(
    native().residualRmsNorm(
      handleOf(x, 'residualRmsNorm x'),
      handleOf(y, 'residualRmsNorm y'),
      optionalHandle(postWeight, 'residualRmsNorm postWeight'),
      handleOf(nextWeight, 'residualRmsNorm nextWeight'),
      eps,
    ),
  );
  return { h, normed };
}

export function layerNorm(x: Array, weight: Array | null | undefined, bias: Array | null | undefined, eps: number): Array {
  return wrap(native().layerNorm(handleOf(x, 'layerNorm'), optionalHandle(weight, 'layerNorm weight'), optionalHandle(bias, 'layerNorm bias'), eps));
}

export interface RopeOptions extends CpuKernelOption {
  /** Rotate adjacent pairs (true) or the two halves (false, as HF Llama/Gemma and GPT-NeoX). Default false. */
  traditional?: boolean;
  /** Base of the frequencies (default 10000). Give `freqs` instead to pass them explicitly. */
  base?: number;
  /** Positions are multiplied by scale (linear RoPE scaling factor f means scale 1/f). Default 1. */
  scale?: number;
  /** Position of the first token: a number, or an int32 array (scalar or one per batch row). Default 0. */
  offset?: number | Array;
  freqs?: Array;
}

/** The native rope arguments after x and dims, up to and including freqs. */
function ropeArgs(name: string, options: RopeOptions): [boolean, number | undefined, number, number, boolean, number | undefined] {
  const { traditional = false, scale = 1, offset = 0, freqs } = options;
  const base = freqs ? undefined : (options.base ?? 10000);
  const hf = optionalHandle(freqs, `${name} freqs`);
  if (offset instanceof Array) return [traditional, base, scale, offset.handle, true, hf];
  if (!Number.isInteger(offset)) throw new TypeError(`${name}: offset must be an integer or an int32 mx.Array`);
  return [traditional, base, scale, offset, false, hf];
}

/** Rotary position embedding over the first `dims` features of the last axis of x [B, ..., L, D]. */
export function rope(x: Array, dims: number, options: RopeOptions = {}): Array {
  return wrap(native().rope(handleOf(x, 'rope'), dims, ...ropeArgs('rope', options), undefined, options.cpuKernel ?? true));
}

/**
 * rope on the addon's CPU kernel: float32 x [B, ..., L, D] (any layout), even dims, base or
 * float32 freqs [dims / 2], offset a number or int32 (one, or one per batch row); row-major
 * result equal to MLX's to float32 rounding. Throws an MlxError naming what it cannot take;
 * rope falls back to MLX instead.
 */
export function cpuRope(x: Array, dims: number, options: Omit<RopeOptions, 'cpuKernel'> = {}): Array {
  return wrap(native().cpuRope(handleOf(x, 'cpuRope'), dims, ...ropeArgs('cpuRope', options)));
}

/**
 * A head's RMSNorm and its rotary embedding: rope(transpose(rmsNorm(x, weight, eps), [0, 2, 1,
 * 3]), dims, options) for x [B, L, H, D] (a projection's rows split into heads) and weight [D],
 * giving [B, H, L, D]. One kernel on CUDA, with MLX's rounding (MLX_TS_FUSED_ROPE=0 keeps
 * MLX's ops there); MLX's ops elsewhere. Models with per-head q/k norms use it on the GPU only
 * with MLX_TS_FUSED_ROPE=1: one such kernel has measured slower than MLX's norm and rope kernels.
 */
export function rmsNormRope(x: Array, weight: Array, eps: number, dims: number, options: Omit<RopeOptions, 'cpuKernel'> = {}): Array {
  if (x.ndim !== 4) throw new TypeError(`rmsNormRope: x must be [B, L, H, D], got shape [${x.shape.join(', ')}]`);
  return wrap(native().rmsNormRope(handleOf(x, 'rmsNormRope'), handleOf(weight, 'rmsNormRope weight'), eps, dims, ...ropeArgs('rmsNormRope', options)));
}

export interface RopeHeadsOptions extends Omit<RopeOptions, 'cpuKernel'> {
  /** Query and key/value heads in the projection: queries first, then keys, then values. */
  heads: { q: number; kv: number };
  /** Per-head RMSNorm weights [D] of queries and keys (either may be absent: no norm), with their eps. */
  qNorm?: Array;
  kNorm?: Array;
  eps?: number;
}

/**
 * The attention heads of a stacked q/k/v projection proj [B, L, (q + 2·kv)·D]: queries
 * [B, q, L, D] and keys [B, kv, L, D] each normed by its weight (when given) and rotated over
 * their first `dims` features, values [B, kv, L, D] as they are. On CUDA one kernel in place of
 * eleven ops (a split, reshapes, norms, transposes and ropes), with MLX's rounding
 * (MLX_TS_FUSED_HEADS=0 keeps MLX's ops); MLX's ops elsewhere.
 */
export function ropeHeads(proj: Array, dims: number, options: RopeHeadsOptions): [Array, Array, Array] {
  const { heads, qNorm, kNorm, eps = 1e-6 } = options;
  if (proj.ndim !== 3) throw new TypeError(`ropeHeads: proj must be [B, L, (q + 2·kv)·D], got shape [${proj.shape.join(', ')}]`);
  const [q, k, v] = wrapMany(
    native().ropeHeads(
      handleOf(proj, 'ropeHeads'),
      heads.q,
      heads.kv,
      optionalHandle(qNorm, 'ropeHeads qNorm'),
      optionalHandle(kNorm, 'ropeHeads kNorm'),
      eps,
      dims,
      ...ropeArgs('ropeHeads', options),
    ),
  );
  return [q, k, v];
}

/**
 * x @ wᵀ for x [..., K] holding one row (every leading dim 1) and w [N, K]: a decode step's
 * projection. On CUDA the addon's kernel, which keeps more loads in flight than MLX's gemv on
 * matrices of few rows (MLX_TS_MATVEC=0 keeps MLX's); a matmul elsewhere. Models use it only with
 * MLX_TS_MATVEC=1: a decode step measured slower with it than with MLX's gemv.
 */
export function matVec(x: Array, w: Array): Array {
  return wrap(native().matVec(handleOf(x, 'matVec x'), handleOf(w, 'matVec w')));
}

export type AttentionMask = 'causal' | Array | null | undefined;

export interface AttentionOptions {
  scale: number;
  /** 'causal' (aligned to the bottom right), a boolean mask (true attends) or an additive mask. */
  mask?: AttentionMask;
  /** One logit per query head added as an extra attention column. */
  sinks?: Array;
  /**
   * On a CPU stream, one float32 query position without a mask array (a decode step) runs as the
   * addon's single-pass kernel; false keeps MLX's own op (so does MLX_TS_CPU_KERNEL=mlx).
   */
  cpuKernel?: boolean;
}

/** softmax(q·kᵀ·scale + mask)·v with q [B, Hq, Lq, D], k and v [B, Hkv, Lk, D] (grouped-query when Hq > Hkv). */
export function scaledDotProductAttention(q: Array, k: Array, v: Array, options: AttentionOptions): Array {
  const { scale, mask, sinks, cpuKernel = true } = options;
  if (typeof scale !== 'number') throw new TypeError('scaledDotProductAttention: options.scale is required');
  const n = native();
  const args = [handleOf(q, 'sdpa q'), handleOf(k, 'sdpa k'), handleOf(v, 'sdpa v')] as const;
  const hs = optionalHandle(sinks, 'sdpa sinks');
  if (mask === 'causal') return wrap(n.scaledDotProductAttention(...args, scale, 'causal', undefined, hs, undefined, cpuKernel));
  if (mask instanceof Array) return wrap(n.scaledDotProductAttention(...args, scale, 'array', mask.handle, hs, undefined, cpuKernel));
  if (mask !== undefined && mask !== null) throw new TypeError(`scaledDotProductAttention: mask must be 'causal', an mx.Array or null`);
  return wrap(n.scaledDotProductAttention(...args, scale, '', undefined, hs, undefined, cpuKernel));
}

/** What `logitsTopK` returns for logits [B, V]. */
export interface LogitsTopK {
  /** log Σ exp(logits) per row, float32 [B, 1]. */
  logsumexp: Array;
  /** The ids of the k largest logits of each row, in ascending order, int32 [B, k]. */
  ids: Array;
  /** The logits at those ids, float32 [B, k]. */
  values: Array;
}

/**
 * Each row's log-sum-exp and its k largest entries, which a sampling step with top-k needs: on a
 * CPU stream with float32 logits one fused, vectorized pass (MLX's CPU exp is a scalar loop and
 * its partition a full one); elsewhere the same from MLX ops. Among equal values at the boundary
 * the fused kernel keeps the lower ids. 1 ≤ k ≤ V.
 */
export function logitsTopK(logits: Array, k: number): LogitsTopK {
  const [logsumexp, ids, values] = wrapMany(native().logitsTopK(handleOf(logits, 'logitsTopK'), k));
  return { logsumexp, ids, values };
}

/**
 * Logits [B, V] with every token whose bit is clear in `words` (int32 [B, ceil(V / 32)], bit v of
 * word v/32 for token v) set to -inf: a grammar's next-token mask. One pass on a CPU stream with
 * float32 logits; elsewhere MLX ops.
 */
export function applyTokenBitmask(logits: Array, words: Array): Array {
  return wrap(native().applyTokenBitmask(handleOf(logits, 'applyTokenBitmask'), handleOf(words, 'applyTokenBitmask words')));
}

export {
  cpuQuantizedMatmul,
  cpuGeluTanh,
  cpuKernelInfo,
  setCpuKernelThreads,
  setCpuKernelIsa,
  setCpuKernelInt8Activations,
  type CpuQuantizedMatmulOptions,
  type CpuKernelInfo,
  type CpuKernelIsa,
} from './cpu-kernel.js';

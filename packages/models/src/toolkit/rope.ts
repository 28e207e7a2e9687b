// Rotary position embeddings and their context-extension variants, as Hugging Face's
// modeling_rope_utils defines them (mlx-lm's rope_utils computes the same frequencies):
// default, linear, dynamic (NTK), llama3, yarn and longrope (Phi-3's "su").
import * as mx from '@mlx-ts/core';
import { ModelLoadError } from '../errors.js';

type Json = Record<string, unknown>;

export interface RopeSettings {
  /** Features rotated at the start of each head (head_dim × partial_rotary_factor). */
  dims: number;
  base: number;
  /** The `rope_scaling` / `rope_parameters` object, or undefined for plain RoPE. */
  scaling?: Json;
  maxPositionEmbeddings: number;
  /** Phi-3 keeps it beside rope_scaling rather than inside it. */
  originalMaxPositionEmbeddings?: number;
  traditional?: boolean;
}

export interface RopePosition {
  /** Position of the first query: the cache's offset, or its per-row offsets [B]. */
  offset: number | mx.Array;
  /** Longest sequence covered after this call (largest row): dynamic variants switch on it. */
  end: number;
}

export interface Rope {
  readonly type: string;
  /** x [B, H, L, D] → the same with the first `dims` features rotated. */
  apply(x: mx.Array, position: RopePosition): mx.Array;
  /**
   * Rows x [B, L, H, D] → their RMSNorm (weight, eps) as heads [B, H, L, D], rotated: one kernel
   * on CUDA (mx.fast.rmsNormRope). Only where the rotation is mx.fast.rope's with fixed settings.
   */
  normApply?(x: mx.Array, weight: mx.Array, eps: number, position: RopePosition): mx.Array;
  /**
   * A stacked q/k/v projection [B, L, (q + 2·kv)·D] → query, key and value heads [B, n, L, D],
   * queries and keys normed per head (where `norms` gives their weights) and rotated: one kernel
   * on CUDA (mx.fast.ropeHeads). Only where the rotation is mx.fast.rope's with fixed settings.
   */
  headsApply?(proj: mx.Array, heads: { q: number; kv: number }, norms: HeadNorms | undefined, position: RopePosition): [mx.Array, mx.Array, mx.Array];
}

/** Per-head RMSNorm weights [D] of queries and keys, with their eps. */
export interface HeadNorms {
  q: mx.Array;
  k: mx.Array;
  eps: number;
}

/** Inverse of MLX's convention: mx.fast.rope takes periods base^(2i/d), not inverse frequencies. */
function periods(base: number, dims: number): Float64Array {
  const out = new Float64Array(dims / 2);
  for (let i = 0; i < out.length; i++) out[i] = base ** ((2 * i) / dims);
  return out;
}

function withFreqs(type: string, dims: number, freqs: ArrayLike<number>, traditional: boolean, attentionFactor = 1): Rope {
  const table = mx.keep(mx.array(Float32Array.from(freqs), 'float32', [freqs.length]));
  return {
    type,
    apply: (x, { offset }) => mx.fast.rope(scaleRotated(x, dims, attentionFactor), dims, { traditional, freqs: table, offset }),
    normApply:
      attentionFactor === 1 ? (x, weight, eps, { offset }) => mx.fast.rmsNormRope(x, weight, eps, dims, { traditional, freqs: table, offset }) : undefined,
    headsApply:
      attentionFactor === 1
        ? (proj, heads, norms, { offset }) =>
            mx.fast.ropeHeads(proj, dims, { heads, qNorm: norms?.q, kNorm: norms?.k, eps: norms?.eps, traditional, freqs: table, offset })
        : undefined,
  };
}

/** Multiplies the rotated features by `factor` (HF scales cos and sin, which is the same thing). */
function scaleRotated(x: mx.Array, dims: number, factor: number): mx.Array {
  if (factor === 1) return x;
  const d = x.shape[x.ndim - 1];
  if (dims === d) return mx.multiply(x, factor);
  const shape = x.shape;
  const start = shape.map(() => 0);
  const rotated = mx.slice(x, start, [...shape.slice(0, -1), dims]);
  const rest = mx.slice(x, [...start.slice(0, -1), dims], shape);
  return mx.concatenate([mx.multiply(rotated, factor), rest], -1);
}

function numberOf(scaling: Json, key: string, fallback?: number): number {
  const v = scaling[key];
  if (typeof v === 'number' && Number.isFinite(v)) return v;
  if (fallback !== undefined) return fallback;
  throw new TypeError(`rope_scaling has no numeric "${key}"`);
}

function llama3(s: RopeSettings, scaling: Json): Rope {
  const factor = numberOf(scaling, 'factor');
  const low = numberOf(scaling, 'low_freq_factor', 1);
  const high = numberOf(scaling, 'high_freq_factor', 4);
  const oldContext = numberOf(scaling, 'original_max_position_embeddings', 8192);
  const lowWavelen = oldContext / low;
  const highWavelen = oldContext / high;
  const freqs = periods(s.base, s.dims).map((p) => {
    const wavelen = 2 * Math.PI * p;
    if (wavelen > lowWavelen) return p * factor;
    if (wavelen < highWavelen) return p;
    // Medium frequencies: interpolated between scaled and unscaled.
    const smooth = (oldContext / wavelen - low) / (high - low);
    return p / ((1 - smooth) / factor + smooth);
  });
  return withFreqs('llama3', s.dims, freqs, s.traditional ?? false);
}

function yarnMscale(scale: number, mscale = 1): number {
  return scale <= 1 ? 1 : 0.1 * mscale * Math.log(scale) + 1;
}

function yarn(s: RopeSettings, scaling: Json): Rope {
  const original = numberOf(scaling, 'original_max_position_embeddings', s.originalMaxPositionEmbeddings ?? s.maxPositionEmbeddings);
  const factor = numberOf(scaling, 'factor', s.maxPositionEmbeddings / original);
  const mscale = scaling.mscale as number | undefined;
  const mscaleAllDim = scaling.mscale_all_dim as number | undefined;
  const attentionFactor = numberOf(
    scaling,
    'attention_factor',
    mscale && mscaleAllDim ? yarnMscale(factor, mscale) / yarnMscale(factor, mscaleAllDim) : yarnMscale(factor),
  );
  const betaFast = numberOf(scaling, 'beta_fast', 32) || 32;
  const betaSlow = numberOf(scaling, 'beta_slow', 1) || 1;
  const truncate = scaling.truncate !== false;
  const dims = s.dims;
  const correctionDim = (rotations: number) => (dims * Math.log(original / (rotations * 2 * Math.PI))) / (2 * Math.log(s.base));
  let low = correctionDim(betaFast);
  let high = correctionDim(betaSlow);
  if (truncate) {
    low = Math.floor(low);
    high = Math.ceil(high);
  }
  low = Math.max(low, 0);
  high = Math.min(high, dims - 1);
  if (low === high) high += 0.001;
  const freqs = periods(s.base, dims).map((p, i) => {
    // 1 keeps the original frequency (extrapolation), 0 divides it by the factor (interpolation).
    const extrapolation = 1 - Math.min(1, Math.max(0, (i - low) / (high - low)));
    return 1 / ((1 - extrapolation) / (factor * p) + extrapolation / p);
  });
  return withFreqs('yarn', dims, freqs, s.traditional ?? false, attentionFactor);
}

function longrope(s: RopeSettings, scaling: Json): Rope {
  // Phi-3 keeps the pretraining length beside rope_scaling; transformers gives that one priority.
  const original = s.originalMaxPositionEmbeddings ?? numberOf(scaling, 'original_max_position_embeddings', s.maxPositionEmbeddings);
  const factor = numberOf(scaling, 'factor', s.maxPositionEmbeddings / original);
  const attentionFactor = numberOf(scaling, 'attention_factor', factor <= 1 ? 1 : Math.sqrt(1 + Math.log(factor) / Math.log(original)));
  const base = periods(s.base, s.dims);
  const table = (key: string) => {
    const list = scaling[key];
    if (!Array.isArray(list) || list.length !== base.length) throw new TypeError(`rope_scaling.${key} must list ${base.length} numbers`);
    return withFreqs(
      'longrope',
      s.dims,
      base.map((p, i) => p * Number(list[i])),
      s.traditional ?? false,
      attentionFactor,
    );
  };
  const short = table('short_factor');
  const long = table('long_factor');
  // As transformers: the long factors once the sequence outgrows the original context.
  return { type: 'longrope', apply: (x, position) => (position.end > original ? long : short).apply(x, position) };
}

function dynamic(s: RopeSettings, scaling: Json): Rope {
  const factor = numberOf(scaling, 'factor');
  const maxLength = s.maxPositionEmbeddings;
  return {
    type: 'dynamic',
    apply: (x, { offset, end }) => {
      const length = Math.max(end, maxLength);
      const base = s.base * ((factor * length) / maxLength - (factor - 1)) ** (s.dims / (s.dims - 2));
      return mx.fast.rope(x, s.dims, { traditional: s.traditional ?? false, base, offset });
    },
  };
}

/** llama.cpp's form of Llama 3 scaling (GGUF rope_freqs.weight): each frequency divided by its factor. */
function frequencyFactors(s: RopeSettings, scaling: Json): Rope {
  const factors = scaling.factors;
  const base = periods(s.base, s.dims);
  if (!Array.isArray(factors) || factors.length !== base.length) throw new TypeError(`rope_freqs must hold ${base.length} factors`);
  return withFreqs(
    'frequency_factors',
    s.dims,
    base.map((p, i) => p * Number(factors[i])),
    s.traditional ?? false,
  );
}

/** The RoPE a config asks for; an unknown or malformed variant is a ModelLoadError naming it. */
export function makeRope(settings: RopeSettings, file: string): Rope {
  const scaling = settings.scaling;
  const type = String(scaling?.rope_type ?? scaling?.type ?? 'default');
  try {
    if (type === 'default' || type === 'linear') {
      const scale = type === 'linear' ? 1 / numberOf(scaling!, 'factor') : 1;
      const { dims, base, traditional = false } = settings;
      return {
        type,
        apply: (x, { offset }) => mx.fast.rope(x, dims, { traditional, base, scale, offset }),
        normApply: (x, weight, eps, { offset }) => mx.fast.rmsNormRope(x, weight, eps, dims, { traditional, base, scale, offset }),
        headsApply: (proj, heads, norms, { offset }) =>
          mx.fast.ropeHeads(proj, dims, { heads, qNorm: norms?.q, kNorm: norms?.k, eps: norms?.eps, traditional, base, scale, offset }),
      };
    }
    if (type === 'llama3') return llama3(settings, scaling!);
    if (type === 'yarn') return yarn(settings, scaling!);
    if (type === 'longrope' || type === 'su') return longrope(settings, scaling!);
    if (type === 'dynamic') return dynamic(settings, scaling!);
    if (type === 'frequency_factors') return frequencyFactors(settings, scaling!);
  } catch (cause) {
    if (!(cause instanceof TypeError)) throw cause;
    throw new ModelLoadError({
      file,
      problem: `its ${type} RoPE scaling is malformed (${cause.message})`,
      fix: 'Restore rope_scaling in config.json from the original checkpoint',
      cause,
    });
  }
  throw new ModelLoadError({
    file,
    problem: `RoPE type ${JSON.stringify(type)} is not supported`,
    fix: 'Supported RoPE types: default, linear, dynamic, llama3, yarn, longrope',
  });
}

/**
 * The RoPE settings of a config.json in either spelling: `rope_theta` + `rope_scaling` (most
 * checkpoints) or transformers 5's `rope_parameters` (theta inside).
 */
export function ropeSettingsFromConfig(config: Json, headDim: number, fallbackTheta = 10000): RopeSettings {
  const parameters = config.rope_parameters as Json | undefined;
  const scalingRaw = (config.rope_scaling ?? parameters) as Json | null | undefined;
  const theta = Number(config.rope_theta ?? parameters?.rope_theta ?? fallbackTheta);
  const partial = Number(config.partial_rotary_factor ?? parameters?.partial_rotary_factor ?? 1);
  const scaling = scalingRaw && typeof scalingRaw === 'object' ? scalingRaw : undefined;
  const original = config.original_max_position_embeddings;
  return {
    dims: Math.floor(headDim * partial),
    base: theta,
    scaling: scaling && String(scaling.rope_type ?? scaling.type ?? 'default') !== 'default' ? scaling : undefined,
    maxPositionEmbeddings: Number(config.max_position_embeddings ?? 2048),
    originalMaxPositionEmbeddings: typeof original === 'number' ? original : undefined,
  };
}

// Gemma 3 text configuration: from config.json (flat, or under `text_config` for the multimodal
// `gemma3` checkpoints) with Hugging Face's defaults for absent keys.
import { ModelLoadError } from '../errors.js';
import type { ModelConfig } from '../model-types.js';

export type LayerKind = 'sliding' | 'full';

export interface Gemma3Config extends ModelConfig {
  readonly intermediateSize: number;
  readonly numAttentionHeads: number;
  readonly numKeyValueHeads: number;
  readonly headDim: number;
  readonly rmsNormEps: number;
  /** RoPE base of the full-attention layers. */
  readonly ropeTheta: number;
  /** RoPE base of the sliding-window layers. */
  readonly ropeLocalBaseFreq: number;
  /** Linear RoPE scaling factor of the full-attention layers (1 = none). */
  readonly ropeScalingFactor: number;
  readonly queryPreAttnScalar: number;
  readonly slidingWindow: number;
  readonly layerKinds: readonly LayerKind[];
  readonly finalLogitSoftcapping?: number;
  readonly tieWordEmbeddings: boolean;
}

type Json = Record<string, unknown>;

function numberField(raw: Json, key: string, file: string, fallback?: number): number {
  const value = raw[key];
  if (value === undefined || value === null) {
    if (fallback !== undefined) return fallback;
    throw new ModelLoadError({ file, problem: `the config has no "${key}"`, fix: `Add "${key}" to the model's config.json (it is required for Gemma 3)` });
  }
  if (typeof value !== 'number' || !Number.isFinite(value) || value <= 0) {
    throw new ModelLoadError({ file, problem: `"${key}" is ${JSON.stringify(value)}, not a positive number`, fix: 'Fix the value in config.json' });
  }
  return value;
}

function idList(value: unknown): number[] {
  if (typeof value === 'number') return [value];
  if (Array.isArray(value)) return value.filter((v): v is number => typeof v === 'number');
  return [];
}

/** Parses a Gemma 3 config; `extraEos` comes from generation_config.json. */
export function parseGemma3Config(raw: Json, file: string, extraEos: readonly number[] = []): Gemma3Config {
  const text = (typeof raw.text_config === 'object' && raw.text_config !== null ? { ...raw, ...(raw.text_config as Json) } : raw) as Json;
  const layers = numberField(text, 'num_hidden_layers', file);
  const pattern = numberField(text, 'sliding_window_pattern', file, 6);
  let layerKinds: LayerKind[];
  if (Array.isArray(text.layer_types)) {
    if (text.layer_types.length !== layers) {
      throw new ModelLoadError({
        file,
        problem: `"layer_types" lists ${text.layer_types.length} layers but "num_hidden_layers" is ${layers}`,
        fix: 'Make the two agree in config.json',
      });
    }
    layerKinds = text.layer_types.map((t) => (t === 'full_attention' ? 'full' : 'sliding'));
  } else {
    layerKinds = Array.from({ length: layers }, (_, i) => ((i + 1) % pattern === 0 ? 'full' : 'sliding'));
  }
  const scaling = text.rope_scaling as Json | null | undefined;
  let ropeScalingFactor = 1;
  if (scaling && typeof scaling === 'object') {
    const type = scaling.rope_type ?? scaling.type;
    if (type === 'linear') ropeScalingFactor = numberField(scaling, 'factor', file);
    else if (type !== 'default') {
      throw new ModelLoadError({
        file,
        problem: `rope_scaling type ${JSON.stringify(type)} is not supported for Gemma 3`,
        fix: 'Use a checkpoint with linear or no RoPE scaling',
      });
    }
  }
  const eos = [...new Set([...idList(text.eos_token_id ?? [1, 106]), ...extraEos])];
  const softcap = text.final_logit_softcapping;
  return {
    modelType: String(raw.model_type ?? 'gemma3_text'),
    vocabSize: numberField(text, 'vocab_size', file, 262208),
    hiddenSize: numberField(text, 'hidden_size', file),
    numHiddenLayers: layers,
    intermediateSize: numberField(text, 'intermediate_size', file),
    numAttentionHeads: numberField(text, 'num_attention_heads', file),
    numKeyValueHeads: numberField(text, 'num_key_value_heads', file, 4),
    headDim: numberField(text, 'head_dim', file, 256),
    rmsNormEps: numberField(text, 'rms_norm_eps', file, 1e-6),
    ropeTheta: numberField(text, 'rope_theta', file, 1_000_000),
    ropeLocalBaseFreq: numberField(text, 'rope_local_base_freq', file, 10_000),
    ropeScalingFactor,
    queryPreAttnScalar: numberField(text, 'query_pre_attn_scalar', file, 256),
    slidingWindow: numberField(text, 'sliding_window', file, 4096),
    maxPositionEmbeddings: numberField(text, 'max_position_embeddings', file, 131072),
    layerKinds,
    finalLogitSoftcapping: typeof softcap === 'number' ? softcap : undefined,
    tieWordEmbeddings: text.tie_word_embeddings !== false,
    eosTokenIds: eos,
    bosTokenId: typeof text.bos_token_id === 'number' ? text.bos_token_id : 2,
  };
}

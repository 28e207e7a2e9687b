// The contract between model code and its callers (the generation engine).
import type * as mx from '@mlx-ts/core';
import type { KVCache } from '@mlx-ts/cache';
import type { Tokenizer } from '@mlx-ts/tokenizer';

/** The config fields every causal language model exposes; architectures add their own. */
export interface ModelConfig {
  readonly modelType: string;
  readonly vocabSize: number;
  readonly hiddenSize: number;
  readonly numHiddenLayers: number;
  /** Token ids that end generation (config.json and generation_config.json combined). */
  readonly eosTokenIds: readonly number[];
  readonly bosTokenId?: number;
  /** Longest context the model was trained for. */
  readonly maxPositionEmbeddings: number;
}

export interface MakeCacheOptions {
  /** Cap the full-attention layers' cache too (a rotating window of this size). */
  maxKvSize?: number;
}

/**
 * A causal LM over MLX arrays. `forward` returns hidden states so that prefill never pays for
 * the vocabulary projection; `unembed` turns (the last position's) hidden states into logits.
 */
export interface LanguageModel extends Disposable {
  readonly config: ModelConfig;
  /** The dtype activations are computed in. */
  readonly dtype: mx.Dtype;
  /** inputIds [B, L] int32 → hidden states [B, L, hidden]. Updates the caches. */
  forward(inputIds: mx.Array, cache?: readonly KVCache[]): mx.Array;
  /** hidden [..., hidden] → logits [..., vocab]. */
  unembed(hidden: mx.Array): mx.Array;
  /** One cache per layer, of the kind each layer needs (rotating for sliding-window layers). */
  makeCache(options?: MakeCacheOptions): KVCache[];
  /** Every weight array, e.g. to evaluate or count them. */
  parameters(): Map<string, mx.Array>;
  dispose(): void;
}

export interface LoadedModel extends AsyncDisposable, Disposable {
  readonly model: LanguageModel;
  readonly tokenizer: Tokenizer;
  readonly config: ModelConfig;
  /** Where the weights came from: a folder or a .gguf file. */
  readonly source: string;
  readonly format: 'safetensors' | 'mlx-quantized' | 'gguf';
  dispose(): void;
}

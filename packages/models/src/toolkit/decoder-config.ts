// The config fields Llama-shaped architectures share (Llama, Mistral, Qwen 2/3, Phi-3, Gemma 2),
// with Hugging Face's defaults, and the step from such a config to DecoderSettings.
import type { ModelConfig } from '../model-types.js';
import { type ActivationName, activationFromConfig } from './activations.js';
import { ConfigReader, type Json, mergedEos } from './config-fields.js';
import type { DecoderLayerSettings, DecoderSettings } from './decoder.js';
import { ModelLoadError } from '../errors.js';
import { makeRope, type RopeSettings, ropeSettingsFromConfig } from './rope.js';

export interface DecoderConfig extends ModelConfig {
  readonly intermediateSize: number;
  readonly numAttentionHeads: number;
  readonly numKeyValueHeads: number;
  readonly headDim: number;
  readonly rmsNormEps: number;
  readonly rope: RopeSettings;
  readonly tieWordEmbeddings: boolean;
  readonly attentionBias: boolean;
  readonly mlpBias: boolean;
  readonly activation: ActivationName;
  /** Per layer: the sliding window, or undefined for full attention. */
  readonly layerWindows: readonly (number | undefined)[];
}

export interface DecoderConfigDefaults {
  architecture: string;
  ropeTheta?: number;
  rmsNormEps?: number;
  tieWordEmbeddings?: boolean;
  activation?: string;
  /** Which layers slide when the config lists no layer_types (window from `sliding_window`). */
  slidingLayers?: (layer: number, reader: ConfigReader) => boolean;
}

export function parseDecoderConfig(raw: Json, file: string, extraEos: readonly number[], defaults: DecoderConfigDefaults): DecoderConfig {
  const read = new ConfigReader(raw, file, defaults.architecture);
  const hidden = read.number('hidden_size');
  const layers = read.number('num_hidden_layers');
  const heads = read.number('num_attention_heads');
  const headDim = read.optionalNumber('head_dim') ?? hidden / heads;
  const actName = raw.hidden_activation ?? raw.hidden_act ?? defaults.activation ?? 'silu';
  const activation = activationFromConfig(actName);
  if (!activation) {
    throw new ModelLoadError({
      file,
      problem: `the activation ${JSON.stringify(actName)} is not supported`,
      fix: 'Supported activations: silu, gelu_pytorch_tanh',
    });
  }
  const window = read.optionalNumber('sliding_window');
  const types = read.layerTypes(layers);
  const layerWindows = Array.from({ length: layers }, (_, i) => {
    if (window === undefined) return undefined;
    const slides = types ? types[i] === 'sliding_attention' : (defaults.slidingLayers?.(i, read) ?? true);
    return slides ? window : undefined;
  });
  const rope = ropeSettingsFromConfig(raw, headDim, defaults.ropeTheta);
  makeRope(rope, file); // validates the variant now, with the config's path in the error
  return {
    modelType: String(raw.model_type),
    vocabSize: read.number('vocab_size'),
    hiddenSize: hidden,
    numHiddenLayers: layers,
    intermediateSize: read.number('intermediate_size'),
    numAttentionHeads: heads,
    numKeyValueHeads: read.number('num_key_value_heads', heads),
    headDim,
    rmsNormEps: read.number('rms_norm_eps', defaults.rmsNormEps ?? 1e-6),
    rope,
    tieWordEmbeddings: read.boolean('tie_word_embeddings', defaults.tieWordEmbeddings ?? false),
    attentionBias: read.boolean('attention_bias', false),
    mlpBias: read.boolean('mlp_bias', false),
    activation,
    layerWindows,
    maxPositionEmbeddings: read.number('max_position_embeddings', 2048),
    eosTokenIds: mergedEos(raw, extraEos),
    bosTokenId: typeof raw.bos_token_id === 'number' ? raw.bos_token_id : undefined,
  };
}

/** DecoderSettings for a Llama-shaped model; architectures override what differs. */
export function llamaSettings(
  config: DecoderConfig,
  file: string,
  overrides: Partial<DecoderSettings> = {},
  attention: Partial<DecoderLayerSettings['attention']> = {},
): DecoderSettings {
  const rope = makeRope(config.rope, file);
  return {
    vocabSize: config.vocabSize,
    hiddenSize: config.hiddenSize,
    rmsNormEps: config.rmsNormEps,
    tieWordEmbeddings: config.tieWordEmbeddings,
    mlp: { hiddenSize: config.hiddenSize, intermediateSize: config.intermediateSize, activation: config.activation, bias: config.mlpBias },
    layers: config.layerWindows.map((window) => ({
      window,
      attention: {
        hiddenSize: config.hiddenSize,
        numHeads: config.numAttentionHeads,
        numKvHeads: config.numKeyValueHeads,
        headDim: config.headDim,
        scale: config.headDim ** -0.5,
        rope,
        qkvBias: config.attentionBias,
        outputBias: config.attentionBias,
        ...attention,
      },
    })),
    ...overrides,
  };
}

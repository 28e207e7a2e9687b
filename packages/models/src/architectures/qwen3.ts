// Qwen 3 dense (model_type "qwen3"): Llama's shape with per-head RMSNorms on queries and keys
// before RoPE; attention biases only when attention_bias is set.
import { DecoderModel } from '../toolkit/decoder.js';
import { type DecoderConfig, llamaSettings, parseDecoderConfig } from '../toolkit/decoder-config.js';
import type { Architecture } from '../registry.js';
import { llamaConfigFromGguf } from '../load/gguf-config.js';
import { qwenSlidingLayer } from './qwen2.js';

/** model_type "qwen3". */
export const qwen3: Architecture<DecoderConfig> = {
  gguf: { names: ['qwen3'], config: (read, file) => llamaConfigFromGguf(read, file, 'qwen3') },
  parseConfig: (raw, file, eos) => parseDecoderConfig(raw, file, eos, { architecture: 'Qwen 3', rmsNormEps: 1e-6, slidingLayers: qwenSlidingLayer }),
  build: (config, weights, dtype) =>
    new DecoderModel(config, llamaSettings(config, weights.source, {}, { qkNorm: { eps: config.rmsNormEps } }), weights, dtype),
};

// Mistral (model_type "mistral"): Llama's shape; when `sliding_window` is set every layer
// attends within it.
import { DecoderModel } from '../toolkit/decoder.js';
import { type DecoderConfig, llamaSettings, parseDecoderConfig } from '../toolkit/decoder-config.js';
import type { Architecture } from '../registry.js';

/** model_type "mistral". */
export const mistral: Architecture<DecoderConfig> = {
  parseConfig: (raw, file, eos) => parseDecoderConfig(raw, file, eos, { architecture: 'Mistral', rmsNormEps: 1e-6 }),
  build: (config, weights, dtype) => new DecoderModel(config, llamaSettings(config, weights.source), weights, dtype),
};

// Qwen 2 and 2.5 (model_type "qwen2"): Llama's shape with biases on q, k and v (not on the
// output); sliding windows only with use_sliding_window, on layers from max_window_layers on.
import { DecoderModel } from '../toolkit/decoder.js';
import type { ConfigReader } from '../toolkit/config-fields.js';
import { type DecoderConfig, llamaSettings, parseDecoderConfig } from '../toolkit/decoder-config.js';
import type { Architecture } from '../registry.js';
import { llamaConfigFromGguf } from '../load/gguf-config.js';

/** Shared with Qwen 3, whose configs carry the same keys. */
export function qwenSlidingLayer(layer: number, read: ConfigReader): boolean {
  return read.boolean('use_sliding_window', false) && layer >= read.number('max_window_layers', 28);
}

/** model_type "qwen2". */
export const qwen2: Architecture<DecoderConfig> = {
  gguf: { names: ['qwen2'], config: (read, file) => llamaConfigFromGguf(read, file, 'qwen2') },
  parseConfig: (raw, file, eos) => parseDecoderConfig(raw, file, eos, { architecture: 'Qwen 2', rmsNormEps: 1e-6, slidingLayers: qwenSlidingLayer }),
  build: (config, weights, dtype) => new DecoderModel(config, llamaSettings(config, weights.source, {}, { qkvBias: true, outputBias: false }), weights, dtype),
};

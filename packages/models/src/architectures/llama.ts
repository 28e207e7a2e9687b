// Llama 2 / 3 / 3.1 / 3.2, SmolLM 1-3, TinyLlama (model_type "llama"): pre-norm blocks, SiLU MLP,
// optional attention and MLP biases, any RoPE variant (llama3 scaling for 3.1+).
import { DecoderModel } from '../toolkit/decoder.js';
import { type DecoderConfig, llamaSettings, parseDecoderConfig } from '../toolkit/decoder-config.js';
import type { Architecture } from '../registry.js';
import { llamaConfigFromGguf } from '../load/gguf-config.js';

/** model_type "llama". */
export const llama: Architecture<DecoderConfig> = {
  gguf: { names: ['llama'], config: (read, file) => llamaConfigFromGguf(read, file, 'llama'), permutedQueryKey: true },
  parseConfig: (raw, file, eos) => parseDecoderConfig(raw, file, eos, { architecture: 'Llama', rmsNormEps: 1e-6 }),
  build: (config, weights, dtype) => new DecoderModel(config, llamaSettings(config, weights.source), weights, dtype),
};

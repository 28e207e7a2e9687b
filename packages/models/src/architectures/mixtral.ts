// Mixtral (model_type "mixtral"): Mistral's attention with a mixture-of-experts MLP on every layer
// (block_sparse_moe: a router over num_local_experts SiLU experts w1/w3/w2, top num_experts_per_tok,
// renormalized).
import { DecoderModel } from '../toolkit/decoder.js';
import { ConfigReader } from '../toolkit/config-fields.js';
import { type DecoderConfig, llamaSettings, parseDecoderConfig } from '../toolkit/decoder-config.js';
import type { Architecture } from '../registry.js';

interface MixtralConfig extends DecoderConfig {
  readonly numExperts: number;
  readonly topK: number;
}

/** model_type "mixtral". */
export const mixtral: Architecture<MixtralConfig> = {
  parseConfig: (raw, file, eos) => {
    const read = new ConfigReader(raw, file, 'Mixtral');
    return {
      ...parseDecoderConfig(raw, file, eos, { architecture: 'Mixtral', rmsNormEps: 1e-5, ropeTheta: 1e6 }),
      numExperts: read.number('num_local_experts', 8),
      topK: read.number('num_experts_per_tok', 2),
    };
  },
  build: (config, weights, dtype) => {
    const settings = llamaSettings(config, weights.source);
    const moe = {
      hiddenSize: config.hiddenSize,
      intermediateSize: config.intermediateSize,
      numExperts: config.numExperts,
      topK: config.topK,
      normTopK: true,
      activation: config.activation,
      router: 'gate',
      expertPrefix: (e: number) => `experts.${e}`,
      projections: { gate: 'w1', up: 'w3', down: 'w2' },
    };
    return new DecoderModel(
      config,
      { ...settings, layers: settings.layers.map((layer) => ({ ...layer, moe, mlpPrefix: 'block_sparse_moe' })) },
      weights,
      dtype,
    );
  },
};

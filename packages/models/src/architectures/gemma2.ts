// Gemma 2 (model_type "gemma2"): sandwich RMSNorms with 1 + w, GELU-tanh MLP, embeddings × √hidden,
// attention-logit and final-logit soft-capping, sliding window on every other layer (from the
// first), attention scale query_pre_attn_scalar^-0.5, tied head.
import { DecoderModel } from '../toolkit/decoder.js';
import { ConfigReader } from '../toolkit/config-fields.js';
import { type DecoderConfig, llamaSettings, parseDecoderConfig } from '../toolkit/decoder-config.js';
import type { Architecture } from '../registry.js';

interface Gemma2Config extends DecoderConfig {
  readonly queryPreAttnScalar: number;
  readonly attnLogitSoftcapping?: number;
  readonly finalLogitSoftcapping?: number;
}

function softcap(value: unknown, fallback: number): number | undefined {
  if (value === null) return undefined;
  return typeof value === 'number' ? value : fallback;
}

/** model_type "gemma2". */
export const gemma2: Architecture<Gemma2Config> = {
  parseConfig: (raw, file, eos) => {
    const withDefaults = { head_dim: 256, sliding_window: 4096, hidden_activation: 'gelu_pytorch_tanh', ...raw };
    const base = parseDecoderConfig(withDefaults, file, eos, { architecture: 'Gemma 2', tieWordEmbeddings: true, slidingLayers: (i) => i % 2 === 0 });
    const read = new ConfigReader(raw, file, 'Gemma 2');
    return {
      ...base,
      eosTokenIds: base.eosTokenIds.length > 0 ? base.eosTokenIds : [1, 107],
      queryPreAttnScalar: read.number('query_pre_attn_scalar', 256),
      attnLogitSoftcapping: softcap(raw.attn_logit_softcapping, 50),
      finalLogitSoftcapping: softcap(raw.final_logit_softcapping, 30),
    };
  },
  build: (config, weights, dtype) => {
    const settings = llamaSettings(
      config,
      weights.source,
      { normOffsetOne: true, sandwichNorms: true, embedScale: Math.sqrt(config.hiddenSize), finalLogitSoftcap: config.finalLogitSoftcapping },
      { scale: config.queryPreAttnScalar ** -0.5, softcap: config.attnLogitSoftcapping },
    );
    return new DecoderModel(config, settings, weights, dtype);
  },
};

// Qwen 3 MoE (model_type "qwen3_moe"): Qwen 3's attention (q/k norms) with mixture-of-experts MLPs
// (mlp.gate over num_experts SiLU experts of moe_intermediate_size, top num_experts_per_tok,
// renormalized when norm_topk_prob) on every decoder_sparse_step-th layer outside mlp_only_layers.
import { DecoderModel } from '../toolkit/decoder.js';
import { ConfigReader } from '../toolkit/config-fields.js';
import { type DecoderConfig, llamaSettings, parseDecoderConfig } from '../toolkit/decoder-config.js';
import type { Architecture } from '../registry.js';
import { qwenSlidingLayer } from './qwen2.js';

interface Qwen3MoeConfig extends DecoderConfig {
  readonly numExperts: number;
  readonly topK: number;
  readonly moeIntermediateSize: number;
  readonly normTopKProb: boolean;
  /** Per layer: mixture of experts (true) or the dense MLP. */
  readonly sparseLayers: readonly boolean[];
}

/** model_type "qwen3_moe". */
export const qwen3Moe: Architecture<Qwen3MoeConfig> = {
  parseConfig: (raw, file, eos) => {
    const read = new ConfigReader(raw, file, 'Qwen 3 MoE');
    const base = parseDecoderConfig(raw, file, eos, { architecture: 'Qwen 3 MoE', rmsNormEps: 1e-6, slidingLayers: qwenSlidingLayer });
    const numExperts = read.number('num_experts', 128);
    const step = read.number('decoder_sparse_step', 1);
    const denseOnly = new Set(Array.isArray(raw.mlp_only_layers) ? raw.mlp_only_layers : []);
    return {
      ...base,
      numExperts,
      topK: read.number('num_experts_per_tok', 8),
      moeIntermediateSize: read.number('moe_intermediate_size', 768),
      normTopKProb: read.boolean('norm_topk_prob', false),
      sparseLayers: Array.from({ length: base.numHiddenLayers }, (_, i) => !denseOnly.has(i) && numExperts > 0 && (i + 1) % step === 0),
    };
  },
  build: (config, weights, dtype) => {
    const settings = llamaSettings(config, weights.source, {}, { qkNorm: { eps: config.rmsNormEps } });
    const moe = {
      hiddenSize: config.hiddenSize,
      intermediateSize: config.moeIntermediateSize,
      numExperts: config.numExperts,
      topK: config.topK,
      normTopK: config.normTopKProb,
      activation: config.activation,
      router: 'gate',
      expertPrefix: (e: number) => `experts.${e}`,
    };
    const layers = settings.layers.map((layer, i) => (config.sparseLayers[i] ? { ...layer, moe } : layer));
    return new DecoderModel(config, { ...settings, layers }, weights, dtype);
  },
};

// Gemma 3 text, as Hugging Face's Gemma3ForCausalLM and mlx-lm's gemma3_text compute it:
// sandwich RMSNorms (scale 1 + w) around attention and MLP, q/k norms before RoPE, GELU-tanh MLP,
// embeddings × √hidden, a tied output head, sliding-window attention on 5 of every 6 layers
// (local RoPE base) and full attention on the rest (global base, optional linear scaling).
import type * as mx from '@mlx-ts/core';
import type { Weights } from '../load/weights.js';
import { DecoderModel } from '../toolkit/decoder.js';
import type { Embedding } from '../toolkit/embedding.js';
import { makeRope } from '../toolkit/rope.js';
import type { Gemma3Config } from './config.js';

function roundToBfloat16(value: number): number {
  const bits = new Uint32Array(new Float32Array([value]).buffer)[0];
  const rounded = (bits + 0x7fff + ((bits >> 16) & 1)) & 0xffff0000;
  return new Float32Array(new Uint32Array([rounded >>> 0]).buffer)[0];
}

/** √hidden is rounded in the weights' dtype (HF); MLX-quantized checkpoints come from bf16 weights and mlx-lm rounds to bf16 there. */
// √hidden is rounded in the weights' dtype (HF); MLX-quantized checkpoints come from bf16 weights,
// and mlx-lm rounds to bf16 there, so do the same to reproduce its outputs. GGUF tables (whose
// norms already hold 1 + w) follow llama.cpp and HF: unrounded, quantized or not.
function embedScale(hidden: number, fromGguf: boolean): (embedding: Embedding) => number {
  return (embedding) => (embedding.isQuantized && !fromGguf ? roundToBfloat16(Math.sqrt(hidden)) : Math.sqrt(hidden));
}

export function buildGemma3(config: Gemma3Config, weights: Weights, dtype: mx.Dtype): DecoderModel<Gemma3Config> {
  const { headDim: d, maxPositionEmbeddings } = config;
  const local = makeRope({ dims: d, base: config.ropeLocalBaseFreq, maxPositionEmbeddings }, weights.source);
  const scaling = config.ropeScalingFactor !== 1 ? { rope_type: 'linear', factor: config.ropeScalingFactor } : undefined;
  const global = makeRope({ dims: d, base: config.ropeTheta, maxPositionEmbeddings, scaling }, weights.source);
  return new DecoderModel(
    config,
    {
      vocabSize: config.vocabSize,
      hiddenSize: config.hiddenSize,
      rmsNormEps: config.rmsNormEps,
      normOffsetOne: true,
      sandwichNorms: true,
      embedScale: embedScale(config.hiddenSize, weights.format === 'gguf'),
      tieWordEmbeddings: config.tieWordEmbeddings,
      finalLogitSoftcap: config.finalLogitSoftcapping,
      mlp: { hiddenSize: config.hiddenSize, intermediateSize: config.intermediateSize, activation: 'gelu_tanh' },
      layers: config.layerKinds.map((kind) => ({
        window: kind === 'sliding' ? config.slidingWindow : undefined,
        attention: {
          hiddenSize: config.hiddenSize,
          numHeads: config.numAttentionHeads,
          numKvHeads: config.numKeyValueHeads,
          headDim: d,
          scale: config.queryPreAttnScalar ** -0.5,
          rope: kind === 'sliding' ? local : global,
          qkNorm: { eps: config.rmsNormEps, offsetOne: true },
        },
      })),
    },
    weights,
    dtype,
  );
}

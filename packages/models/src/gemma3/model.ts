// Gemma 3 text, as Hugging Face's Gemma3ForCausalLM and mlx-lm's gemma3_text compute it:
// sandwich RMSNorms (scale 1 + w) around attention and MLP, q/k norms before RoPE, GELU-tanh MLP,
// embeddings × √hidden, a tied output head, sliding-window attention on 5 of every 6 layers
// (local RoPE base) and full attention on the rest (global base, optional linear scaling).
import * as mx from '@mlx-ts/core';
import { type KVCache, RotatingKVCache, StandardKVCache } from '@mlx-ts/cache';
import { Embedding } from '../layers/embedding.js';
import { geluApproximate } from '../layers/activations.js';
import { Linear } from '../layers/linear.js';
import type { WeightEntry, Weights } from '../load/weights.js';
import type { LanguageModel, MakeCacheOptions } from '../model-types.js';
import type { Gemma3Config } from './config.js';

function linear(entry: WeightEntry): Linear {
  return entry.kind === 'dense' ? Linear.dense(entry.array, entry.transposed) : Linear.quantized(entry);
}

class Attention {
  readonly q: Linear;
  readonly k: Linear;
  readonly v: Linear;
  readonly o: Linear;
  readonly qNorm: mx.Array;
  readonly kNorm: mx.Array;
  private readonly scale: number;
  private readonly ropeBase: number;
  private readonly ropeScale: number;

  constructor(
    private readonly config: Gemma3Config,
    weights: Weights,
    prefix: string,
    readonly sliding: boolean,
  ) {
    const { hiddenSize: h, numAttentionHeads: nq, numKeyValueHeads: nkv, headDim: d } = config;
    this.q = linear(weights.matrix(`${prefix}.q_proj.weight`, [nq * d, h]));
    this.k = linear(weights.matrix(`${prefix}.k_proj.weight`, [nkv * d, h]));
    this.v = linear(weights.matrix(`${prefix}.v_proj.weight`, [nkv * d, h]));
    this.o = linear(weights.matrix(`${prefix}.o_proj.weight`, [h, nq * d]));
    this.qNorm = weights.normScale(`${prefix}.q_norm.weight`, d);
    this.kNorm = weights.normScale(`${prefix}.k_norm.weight`, d);
    this.scale = config.queryPreAttnScalar ** -0.5;
    this.ropeBase = sliding ? config.ropeLocalBaseFreq : config.ropeTheta;
    this.ropeScale = sliding ? 1 : 1 / config.ropeScalingFactor;
  }

  apply(x: mx.Array, mask: mx.fast.AttentionMask, cache: KVCache | undefined): mx.Array {
    const { numAttentionHeads: nq, numKeyValueHeads: nkv, headDim: d, rmsNormEps: eps } = this.config;
    const [b, l] = x.shape;
    const heads = (y: mx.Array, n: number, norm: mx.Array) => mx.fast.rmsNorm(mx.transpose(mx.reshape(y, [b, l, n, d]), [0, 2, 1, 3]), norm, eps);
    let q = heads(this.q.apply(x), nq, this.qNorm);
    let k = heads(this.k.apply(x), nkv, this.kNorm);
    let v = mx.transpose(mx.reshape(this.v.apply(x), [b, l, nkv, d]), [0, 2, 1, 3]);
    const offset = cache?.rowOffsets ?? cache?.offset ?? 0;
    q = mx.fast.rope(q, d, { base: this.ropeBase, scale: this.ropeScale, offset });
    k = mx.fast.rope(k, d, { base: this.ropeBase, scale: this.ropeScale, offset });
    if (cache) ({ keys: k, values: v } = cache.updateAndFetch(k, v));
    const out = mx.fast.scaledDotProductAttention(q, k, v, { scale: this.scale, mask });
    return this.o.apply(mx.reshape(mx.transpose(out, [0, 2, 1, 3]), [b, l, nq * d]));
  }

  arrays(): mx.Array[] {
    return [...this.q.arrays(), ...this.k.arrays(), ...this.v.arrays(), ...this.o.arrays(), this.qNorm, this.kNorm];
  }
}

class Mlp {
  readonly gate: Linear;
  readonly up: Linear;
  readonly down: Linear;

  constructor(config: Gemma3Config, weights: Weights, prefix: string) {
    const { hiddenSize: h, intermediateSize: i } = config;
    this.gate = linear(weights.matrix(`${prefix}.gate_proj.weight`, [i, h]));
    this.up = linear(weights.matrix(`${prefix}.up_proj.weight`, [i, h]));
    this.down = linear(weights.matrix(`${prefix}.down_proj.weight`, [h, i]));
  }

  apply(x: mx.Array): mx.Array {
    return this.down.apply(mx.multiply(geluApproximate(this.gate.apply(x)), this.up.apply(x)));
  }

  arrays(): mx.Array[] {
    return [...this.gate.arrays(), ...this.up.arrays(), ...this.down.arrays()];
  }
}

class Block {
  readonly attention: Attention;
  readonly mlp: Mlp;
  readonly inputNorm: mx.Array;
  readonly postAttentionNorm: mx.Array;
  readonly preFeedforwardNorm: mx.Array;
  readonly postFeedforwardNorm: mx.Array;

  constructor(
    private readonly config: Gemma3Config,
    weights: Weights,
    index: number,
  ) {
    const prefix = `model.layers.${index}`;
    const h = config.hiddenSize;
    this.attention = new Attention(config, weights, `${prefix}.self_attn`, config.layerKinds[index] === 'sliding');
    this.mlp = new Mlp(config, weights, `${prefix}.mlp`);
    this.inputNorm = weights.normScale(`${prefix}.input_layernorm.weight`, h);
    this.postAttentionNorm = weights.normScale(`${prefix}.post_attention_layernorm.weight`, h);
    this.preFeedforwardNorm = weights.normScale(`${prefix}.pre_feedforward_layernorm.weight`, h);
    this.postFeedforwardNorm = weights.normScale(`${prefix}.post_feedforward_layernorm.weight`, h);
  }

  apply(x: mx.Array, mask: mx.fast.AttentionMask, cache: KVCache | undefined): mx.Array {
    const eps = this.config.rmsNormEps;
    const r = this.attention.apply(mx.fast.rmsNorm(x, this.inputNorm, eps), mask, cache);
    const h = mx.add(x, mx.fast.rmsNorm(r, this.postAttentionNorm, eps));
    const m = this.mlp.apply(mx.fast.rmsNorm(h, this.preFeedforwardNorm, eps));
    return mx.add(h, mx.fast.rmsNorm(m, this.postFeedforwardNorm, eps));
  }

  arrays(): mx.Array[] {
    return [...this.attention.arrays(), ...this.mlp.arrays(), this.inputNorm, this.postAttentionNorm, this.preFeedforwardNorm, this.postFeedforwardNorm];
  }
}

function roundToBfloat16(value: number): number {
  const bits = new Uint32Array(new Float32Array([value]).buffer)[0];
  const rounded = (bits + 0x7fff + ((bits >> 16) & 1)) & 0xffff0000;
  return new Float32Array(new Uint32Array([rounded >>> 0]).buffer)[0];
}

/** A boolean mask [L, offset + L]: query i (at position offset + i) sees keys within the last `window` positions, itself included. */
function slidingMask(length: number, offset: number, window: number): mx.Array {
  return mx.tidy(() => {
    const queries = mx.reshape(mx.arange(offset, offset + length), [length, 1]);
    const keys = mx.reshape(mx.arange(0, offset + length), [1, offset + length]);
    return mx.logicalAnd(mx.lessEqual(keys, queries), mx.greater(keys, mx.subtract(queries, window)));
  });
}

export class Gemma3Model implements LanguageModel {
  readonly dtype: mx.Dtype;
  private readonly embedding: Embedding;
  private readonly layers: Block[];
  private readonly finalNorm: mx.Array;
  private readonly lmHead: Linear | undefined;
  private readonly firstSliding: number;
  private readonly firstFull: number;
  private readonly embedScale: number;

  constructor(
    readonly config: Gemma3Config,
    weights: Weights,
    dtype: mx.Dtype,
  ) {
    this.dtype = dtype;
    const { vocabSize: v, hiddenSize: h, numHiddenLayers: n } = config;
    const table = weights.matrix('model.embed_tokens.weight', [v, h]);
    this.embedding = table.kind === 'dense' ? Embedding.dense(table.array, table.transposed) : Embedding.quantized(table);
    // √hidden is rounded in the weights' dtype (HF); MLX-quantized checkpoints come from bf16
    // weights, and mlx-lm rounds to bf16 there, so do the same to reproduce its outputs. GGUF
    // tables (norms already hold 1 + w) follow llama.cpp and HF: unrounded, quantized or not.
    const scale = Math.sqrt(h);
    this.embedScale = table.kind === 'quantized' && !weights.normsIncludeOne ? roundToBfloat16(scale) : scale;
    this.layers = Array.from({ length: n }, (_, i) => new Block(config, weights, i));
    this.finalNorm = weights.normScale('model.norm.weight', h);
    this.lmHead = !config.tieWordEmbeddings && weights.has('lm_head.weight') ? linear(weights.matrix('lm_head.weight', [v, h])) : undefined;
    this.firstSliding = config.layerKinds.indexOf('sliding');
    this.firstFull = config.layerKinds.indexOf('full');
  }

  forward(inputIds: mx.Array, cache?: readonly KVCache[]): mx.Array {
    return mx.tidy(() => {
      const [, length] = inputIds.shape;
      let h = this.embedding.lookup(inputIds, this.dtype);
      h = mx.multiply(h, this.embedScale);
      const window = this.config.slidingWindow;
      let fullMask: mx.fast.AttentionMask = length > 1 ? 'causal' : null;
      let slidingWindowMask: mx.fast.AttentionMask = length > window ? slidingMask(length, 0, window) : fullMask;
      if (cache) {
        if (this.firstFull >= 0) fullMask = cache[this.firstFull].makeMask(length);
        if (this.firstSliding >= 0) slidingWindowMask = cache[this.firstSliding].makeMask(length, { windowSize: window });
      }
      for (let i = 0; i < this.layers.length; i++) {
        const layer = this.layers[i];
        h = layer.apply(h, layer.attention.sliding ? slidingWindowMask : fullMask, cache?.[i]);
      }
      return mx.fast.rmsNorm(h, this.finalNorm, this.config.rmsNormEps);
    });
  }

  unembed(hidden: mx.Array): mx.Array {
    return mx.tidy(() => {
      const logits = this.lmHead ? this.lmHead.apply(hidden) : this.embedding.asLinear(hidden);
      const cap = this.config.finalLogitSoftcapping;
      return cap ? mx.multiply(mx.tanh(mx.divide(logits, cap)), cap) : logits;
    });
  }

  makeCache(options: MakeCacheOptions = {}): KVCache[] {
    return this.config.layerKinds.map((kind) =>
      kind === 'sliding' || options.maxKvSize !== undefined
        ? new RotatingKVCache({ maxSize: kind === 'sliding' ? this.config.slidingWindow : options.maxKvSize!, keep: 0 })
        : new StandardKVCache(),
    );
  }

  parameters(): Map<string, mx.Array> {
    const out = new Map<string, mx.Array>();
    this.embedding.arrays().forEach((a, i) => out.set(`embed.${i}`, a));
    this.layers.forEach((layer, l) => layer.arrays().forEach((a, i) => out.set(`layers.${l}.${i}`, a)));
    out.set('norm', this.finalNorm);
    this.lmHead?.arrays().forEach((a, i) => out.set(`lm_head.${i}`, a));
    return out;
  }

  dispose(): void {
    mx.dispose([...this.parameters().values()]);
  }

  [Symbol.dispose](): void {
    this.dispose();
  }
}

// A decoder-only transformer assembled from the toolkit: embeddings (optionally scaled), blocks
// of attention + gated MLP with pre-norms (Llama) or sandwich norms (Gemma), a final norm and a
// tied or separate output head with optional logit soft-capping. Architecture files describe
// their model in these terms; the tensor names are Hugging Face's.
import * as mx from '@mlx-ts/core';
import { type KVCache, RotatingKVCache, StandardKVCache } from '@mlx-ts/cache';
import type { Weights } from '../load/weights.js';
import type { LanguageModel, MakeCacheOptions, ModelConfig } from '../model-types.js';
import { Attention, type AttentionSettings } from './attention.js';
import { Embedding } from './embedding.js';
import { Linear } from './linear.js';
import { attentionMask } from './mask.js';
import { GatedMlp, type MlpSettings } from './mlp.js';
import { RmsNorm } from './norm.js';
import { SwitchMlp, type SwitchMlpSettings } from './switch-mlp.js';
import { PipelineStage } from './pipeline.js';
import { vocabShard } from './vocab-shard.js';

export interface DecoderLayerSettings {
  attention: AttentionSettings;
  /** A mixture-of-experts layer instead of the dense MLP, under `mlpPrefix` (default "mlp"). */
  moe?: SwitchMlpSettings;
  mlpPrefix?: string;
  /** Sliding-window layers attend to this many positions (themselves included). */
  window?: number;
}

export interface DecoderSettings {
  vocabSize: number;
  hiddenSize: number;
  rmsNormEps: number;
  /** Gemma: norms scale by 1 + w. */
  normOffsetOne?: boolean;
  /** Gemma 2/3: norms after attention and MLP too (post_attention, pre/post_feedforward). */
  sandwichNorms?: boolean;
  /** Embeddings are multiplied by this (Gemma: √hidden). */
  embedScale?: number | ((embedding: Embedding) => number);
  tieWordEmbeddings: boolean;
  finalLogitSoftcap?: number;
  layers: readonly DecoderLayerSettings[];
  mlp: MlpSettings;
}

/**
 * A one-token step on the GPU runs each layer as two compiled functions around the attention:
 * MLX's CUDA backend is bound by launch cost at decode (about 35 ops per layer, each a call from
 * JS and a kernel), and a compiled function is one call that replays its traced graph with its
 * elementwise ops fused. Prefill keeps the plain graph (every prompt length would trace anew).
 * MLX_TS_COMPILE_DECODE=0 turns it off; =1 turns it on for the CPU too (where MLX builds fused
 * kernels with the system C++ compiler at run time, so it is off there by default).
 */
function compilesDecode(): boolean {
  const setting = process.env.MLX_TS_COMPILE_DECODE;
  return setting === '1' || (setting !== '0' && mx.defaultDevice().type === 'gpu');
}

type CompiledHeads = mx.CompiledFunction<(xn: mx.Array) => mx.Array[]>;
type CompiledRest = mx.CompiledFunction<(attended: mx.Array, x: mx.Array) => mx.Array[]>;

/** The residual stream after a layer, and its norm by the next layer's input norm (or the final norm). */
interface Residual {
  h: mx.Array;
  /** Absent when nothing follows on this rank (the last layer of a pipeline stage that passes h on). */
  normed?: mx.Array;
}

/**
 * h = x + (post ? post(y) : y), and next(h) when `next` is given. A layer's residual add and the
 * norms on either side of it are one kernel on CUDA (mx.fast.residualRmsNorm) where they share eps.
 */
function residual(x: mx.Array, y: mx.Array, post: RmsNorm | undefined, next: RmsNorm | undefined): Residual {
  // Elsewhere the norms stay RmsNorm.apply, which picks the device's fastest norm.
  if (!next || (post && post.eps !== next.eps) || mx.defaultDevice().type !== 'gpu') {
    const h = mx.add(x, post ? post.apply(y) : y);
    return next ? { h, normed: next.apply(h) } : { h };
  }
  return mx.fast.residualRmsNorm(x, y, post?.scale, next.scale, next.eps);
}

class Block {
  readonly attention: Attention;
  readonly mlp: GatedMlp | SwitchMlp;
  private readonly norms: RmsNorm[];
  /** Whether the layer's pure parts may be compiled: no collective inside them (a rank's sum or gather). */
  private readonly compilable: boolean;
  private compiledHeads: CompiledHeads | undefined;
  private compiledRest: CompiledRest | undefined;

  constructor(
    weights: Weights,
    prefix: string,
    settings: DecoderSettings,
    readonly layer: DecoderLayerSettings,
  ) {
    const norm = (name: string) =>
      RmsNorm.load(weights, `${prefix}.${name}.weight`, settings.hiddenSize, settings.rmsNormEps, { offsetOne: settings.normOffsetOne });
    this.attention = new Attention(weights, `${prefix}.self_attn`, layer.attention);
    const mlpPrefix = `${prefix}.${layer.mlpPrefix ?? 'mlp'}`;
    this.mlp = layer.moe ? new SwitchMlp(weights, mlpPrefix, layer.moe) : new GatedMlp(weights, mlpPrefix, settings.mlp);
    this.norms = settings.sandwichNorms
      ? ['input_layernorm', 'post_attention_layernorm', 'pre_feedforward_layernorm', 'post_feedforward_layernorm'].map(norm)
      : ['input_layernorm', 'post_attention_layernorm'].map(norm);
    this.compilable = weights.group === undefined && !layer.moe;
  }

  /** The norm of the layer's input (the previous layer computes it with its residual add). */
  get inputNorm(): RmsNorm {
    return this.norms[0];
  }

  /**
   * x: the residual stream; xn: inputNorm(x); next: the norm that follows the layer (the next
   * layer's input norm or the final norm; always the same one for a layer).
   */
  apply(x: mx.Array, xn: mx.Array, mask: mx.fast.AttentionMask, cache: KVCache | undefined, next: RmsNorm | undefined): Residual {
    if (x.shape[1] === 1 && this.compilable && compilesDecode()) {
      // Never called where the attention fuses its heads (Attention.fusesHeads); traced on first call.
      this.compiledHeads ??= mx.compile((normed: mx.Array) => this.attention.heads(normed));
      this.compiledRest ??= mx.compile((attended: mx.Array, input: mx.Array) => {
        const out = this.rest(attended, input, next);
        return out.normed ? [out.h, out.normed] : [out.h];
      });
      const [h, normed] = this.compiledRest(this.attention.run(xn, mask, cache, this.compiledHeads), x);
      return normed ? { h, normed } : { h };
    }
    return this.rest(this.attention.run(xn, mask, cache), x, next);
  }

  /** From attention's output to the layer's output: output projection, norms, residuals, MLP. */
  private rest(attended: mx.Array, x: mx.Array, next: RmsNorm | undefined): Residual {
    const n = this.norms;
    const out = this.attention.output(attended);
    if (n.length === 2) {
      const afterAttention = residual(x, out, undefined, n[1]);
      return residual(afterAttention.h, this.mlp.apply(afterAttention.normed!), undefined, next);
    }
    const afterAttention = residual(x, out, n[1], n[2]);
    return residual(afterAttention.h, this.mlp.apply(afterAttention.normed!), n[3], next);
  }

  dispose(): void {
    this.compiledHeads?.dispose();
    this.compiledRest?.dispose();
  }

  arrays(): mx.Array[] {
    return [...this.attention.arrays(), ...this.mlp.arrays(), ...this.norms.flatMap((n) => n.arrays())];
  }
}

export class DecoderModel<C extends ModelConfig = ModelConfig> implements LanguageModel {
  private readonly embedding: Embedding;
  private readonly layers: Block[];
  private readonly finalNorm: RmsNorm;
  private readonly lmHead: Linear | undefined;
  private readonly embedScale: number;
  /** Pipeline parallelism: the layers this rank runs; `layers` holds only those. */
  private readonly stage: PipelineStage | undefined;

  constructor(
    readonly config: C,
    private readonly settings: DecoderSettings,
    weights: Weights,
    readonly dtype: mx.Dtype,
  ) {
    const { vocabSize: v, hiddenSize: h } = settings;
    this.embedding = Embedding.load(weights, 'model.embed_tokens.weight', v, h);
    const scale = settings.embedScale;
    this.embedScale = typeof scale === 'function' ? scale(this.embedding) : (scale ?? 1);
    const pipeline = weights.pipelineGroup;
    const stage = pipeline ? new PipelineStage(pipeline, settings.layers.length) : undefined;
    this.stage = stage;
    this.layers = [];
    settings.layers.forEach((layer, i) => {
      if (!stage || stage.holds(i)) this.layers.push(new Block(weights, `model.layers.${i}`, settings, layer));
      else weights.discardPrefix(`model.layers.${i}.`);
    });
    this.finalNorm = RmsNorm.load(weights, 'model.norm.weight', h, settings.rmsNormEps, { offsetOne: settings.normOffsetOne });
    if (settings.tieWordEmbeddings || (stage && !stage.last)) weights.discard('lm_head.weight');
    // Over a group the head's vocabulary rows are split like the embedding's, and gathered.
    const headSharding = vocabShard(weights.group, v) ? ({ kind: 'all-to-sharded', gather: true } as const) : undefined;
    this.lmHead = settings.tieWordEmbeddings || (stage && !stage.last) ? undefined : Linear.load(weights, 'lm_head', v, h, false, headSharding);
  }

  forward(inputIds: mx.Array, cache?: readonly KVCache[]): mx.Array {
    return mx.tidy(() => {
      const [batch, length] = inputIds.shape;
      const stage = this.stage;
      let h: mx.Array;
      if (stage && !stage.first) h = stage.receive([batch, length, this.settings.hiddenSize], this.dtype);
      else {
        h = this.embedding.lookup(inputIds, this.dtype);
        if (this.embedScale !== 1) h = mx.multiply(h, this.embedScale);
      }
      const first = stage?.start ?? 0;
      // One mask per distinct window, from the first layer that uses it (layers with the same
      // window share their cache's positions).
      const masks = new Map<number | undefined, mx.fast.AttentionMask>();
      // Each layer hands on the residual stream and its norm by what follows (see residual()).
      let xn = this.layers.length > 0 ? this.layers[0].inputNorm.apply(h) : undefined;
      const passesOn = stage !== undefined && !stage.last;
      for (let j = 0; j < this.layers.length; j++) {
        const layer = this.layers[j];
        const i = first + j;
        const window = layer.layer.window;
        if (!masks.has(window)) masks.set(window, attentionMask(length, cache?.[i], window));
        const next = j + 1 < this.layers.length ? this.layers[j + 1].inputNorm : passesOn ? undefined : this.finalNorm;
        ({ h, normed: xn } = layer.apply(h, xn!, masks.get(window)!, cache?.[i], next));
      }
      if (passesOn) return stage.passOn(h);
      return xn ?? this.finalNorm.apply(h);
    });
  }

  unembed(hidden: mx.Array): mx.Array {
    return mx.tidy(() => {
      const stage = this.stage;
      if (stage && !stage.last) return stage.shareLogits(undefined, hidden, this.settings.vocabSize);
      let logits = this.lmHead ? this.lmHead.apply(hidden) : this.embedding.asLinear(hidden);
      const cap = this.settings.finalLogitSoftcap;
      if (cap) logits = mx.multiply(mx.tanh(mx.divide(logits, cap)), cap);
      return stage ? stage.shareLogits(logits, hidden, this.settings.vocabSize) : logits;
    });
  }

  makeCache(options: MakeCacheOptions = {}): KVCache[] {
    return this.settings.layers.map(({ window }) => {
      const size = window ?? options.maxKvSize;
      return size !== undefined ? new RotatingKVCache({ maxSize: size, keep: 0 }) : new StandardKVCache();
    });
  }

  parameters(): Map<string, mx.Array> {
    const out = new Map<string, mx.Array>();
    this.embedding.arrays().forEach((a, i) => out.set(`embed.${i}`, a));
    this.layers.forEach((layer, l) => layer.arrays().forEach((a, i) => out.set(`layers.${l}.${i}`, a)));
    this.finalNorm.arrays().forEach((a, i) => out.set(`norm.${i}`, a));
    this.lmHead?.arrays().forEach((a, i) => out.set(`lm_head.${i}`, a));
    return out;
  }

  dispose(): void {
    for (const layer of this.layers) layer.dispose();
    mx.dispose([...this.parameters().values()]);
  }

  [Symbol.dispose](): void {
    this.dispose();
  }
}

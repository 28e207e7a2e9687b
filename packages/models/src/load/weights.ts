// A named set of weight arrays, dense or affine-quantized, handed out once each to the model
// builder, already in the compute dtype policy.
import * as mx from '@mlx-ts/core';
import { ModelLoadError } from '../errors.js';
import { type QuantizedWeight, quantizedArrays, quantizedBiases } from '../toolkit/linear.js';
import { type ShardPart, type ShardSpec, shardEntry } from './shard.js';

/**
 * A weight as loaded. Dense matrices are in Hugging Face layout [out, in], or already transposed
 * to [in, out] (`transposed`), the layout the CPU matmuls want (see layers/linear.ts).
 */
export type WeightEntry = { kind: 'dense'; array: mx.Array; transposed?: boolean } | ({ kind: 'quantized' } & QuantizedWeight);

export interface WeightPolicy {
  /** Activations and dense weights are computed in this dtype. */
  dtype: mx.Dtype;
  /** Keep affine-quantized weights quantized (GPU), or dequantize them to `dtype` (CPU, where MLX's quantized kernels are scalar). */
  keepQuantized: boolean;
  /**
   * GGUF only, with keepQuantized: block types that have no lossless MLX form (Q6_K, Q5_K, Q5_1)
   * are re-encoded as 8-bit affine quantization (group 32) instead of being
   * dequantized to `dtype`. Lossy (each value rounds to one of 256 levels of its group); default true.
   */
  requantizeLossy?: boolean;
  /**
   * GGUF only, with keepQuantized and float32 compute on the CPU (the addon's kernel reads float16
   * scales directly): store scales and biases as float16 where every value is one.
   */
  halfScales?: boolean;
  /**
   * The group whose ranks share the model. In tensor parallelism (the default) layers that shard
   * take only this rank's slice of their weights (load/shard.ts) and all-sum their outputs over
   * the group; in pipeline parallelism each rank takes the weights of its stage of layers.
   */
  group?: mx.distributed.Group;
  parallelism?: 'tensor' | 'pipeline';
}

export class Weights implements Disposable {
  private readonly entries = new Map<string, WeightEntry>();

  constructor(
    /** The file or folder the weights come from (for error messages). */
    readonly source: string,
    private readonly policy: WeightPolicy,
    /** The checkpoint's layout: llama.cpp's conversions change some tensors (e.g. Gemma's norms hold 1 + w). */
    readonly format: 'huggingface' | 'gguf',
  ) {}

  /** The group the layers are split over (tensor parallelism with more than one rank). */
  get group(): mx.distributed.Group | undefined {
    const group = this.policy.group;
    return group && group.size > 1 && this.policy.parallelism !== 'pipeline' ? group : undefined;
  }

  /** The group the stages of layers are spread over (pipeline parallelism with more than one rank). */
  get pipelineGroup(): mx.distributed.Group | undefined {
    const group = this.policy.group;
    return group && group.size > 1 && this.policy.parallelism === 'pipeline' ? group : undefined;
  }

  private get part(): ShardPart | undefined {
    const group = this.group;
    return group ? { rank: group.rank, size: group.size } : undefined;
  }

  /** Replaces the entry by this rank's part of it (a no-op without a group). */
  private shard(name: string, spec: ShardSpec | undefined): void {
    const part = spec?.part ?? this.part;
    const entry = this.entries.get(name);
    if (!spec || !part || !entry || !this.group) return;
    this.entries.set(name, shardEntry(entry, spec, part, name, this.source));
  }

  add(name: string, entry: WeightEntry): void {
    this.entries.set(name, entry);
  }

  has(name: string): boolean {
    return this.entries.has(name);
  }

  names(): string[] {
    return [...this.entries.keys()];
  }

  private missing(name: string): never {
    throw new ModelLoadError({
      file: this.source,
      problem: `the weight "${name}" is missing`,
      fix: 'Check that the checkpoint is complete and of the expected architecture',
    });
  }

  private takeEntry(name: string): WeightEntry {
    const entry = this.entries.get(name);
    if (!entry) this.missing(name);
    this.entries.delete(name);
    return entry;
  }

  /** A dense array in the compute dtype (quantized entries dequantized), in the layout it was stored. */
  dense(name: string, expectedShape?: readonly number[], shard?: ShardSpec): mx.Array {
    this.shard(name, shard);
    return this.denseEntry(name, expectedShape).array;
  }

  private denseEntry(name: string, expectedShape?: readonly number[]): { array: mx.Array; transposed: boolean } {
    const entry = this.takeEntry(name);
    const transposed = entry.kind === 'dense' && entry.transposed === true;
    if (transposed && expectedShape) expectedShape = [...expectedShape].reverse();
    let array: mx.Array;
    if (entry.kind === 'dense') {
      array = entry.array.dtype === this.policy.dtype ? entry.array : mx.astype(entry.array, this.policy.dtype);
      // Converted now, so that the file's copy is freed before the next weight is read: left lazy,
      // a whole model's stored and converted weights were alive at once on its first evaluation.
      if (array !== entry.array) {
        mx.eval(array);
        entry.array.dispose();
      }
    } else {
      // MLX dequantizes in the scales' dtype: float16 ones (halfScales) are widened first.
      const widen = (a: mx.Array) => (a.dtype === 'float16' && this.policy.dtype === 'float32' ? mx.astype(a, 'float32') : a);
      array = mx.dequantize(entry.weight, widen(entry.scales), widen(quantizedBiases(entry)), {
        groupSize: entry.groupSize,
        bits: entry.bits,
        dtype: this.policy.dtype,
      });
      mx.dispose(quantizedArrays(entry));
    }
    if (expectedShape) {
      const shape = array.shape;
      if (shape.length !== expectedShape.length || shape.some((d, i) => d !== expectedShape[i])) {
        array.dispose();
        throw new ModelLoadError({
          file: this.source,
          problem: `the weight "${name}" has shape [${shape.join(', ')}], expected [${expectedShape.join(', ')}]`,
          fix: 'The weights do not match the config: check that config.json belongs to these weights',
        });
      }
    }
    return { array: mx.keep(array), transposed };
  }

  /**
   * A weight for a matmul: quantized when the policy keeps quantization, else dense. With a
   * shard spec and a group, only this rank's slice (expectedShape is then the slice's shape).
   */
  matrix(name: string, expectedShape?: readonly number[], shard?: ShardSpec): WeightEntry {
    this.shard(name, shard);
    const entry = this.entries.get(name);
    if (!entry) this.missing(name);
    if (entry.kind === 'quantized' && this.policy.keepQuantized) {
      this.entries.delete(name);
      const halfKept = this.policy.halfScales === true && entry.scales.dtype === 'float16' && this.policy.dtype === 'float32';
      if (entry.scales.dtype !== this.policy.dtype && !halfKept) {
        // Scales and biases in the activation dtype: bf16 scales against f32 activations would promote.
        const scales = mx.astype(entry.scales, this.policy.dtype);
        const biases = mx.astype(quantizedBiases(entry), this.policy.dtype);
        mx.dispose(quantizedArrays(entry).slice(1));
        return { ...entry, scales: mx.keep(scales), biases: mx.keep(biases), biasFactor: undefined };
      }
      return entry;
    }
    return { kind: 'dense', ...this.denseEntry(name, expectedShape) };
  }

  /** Drops a weight the architecture knowingly ignores (e.g. precomputed RoPE tables). */
  discard(name: string): void {
    const entry = this.entries.get(name);
    if (!entry) return;
    this.entries.delete(name);
    if (entry.kind === 'dense') entry.array.dispose();
    else mx.dispose(quantizedArrays(entry));
  }

  /** Drops every weight whose name starts with prefix (the layers of another pipeline stage). */
  discardPrefix(prefix: string): void {
    for (const name of this.names()) if (name.startsWith(prefix)) this.discard(name);
  }

  /** After a model is built every weight must have been taken: anything left is not part of the architecture. */
  assertAllUsed(architecture: string): void {
    const left = this.names();
    if (left.length === 0) return;
    const shown = left
      .slice(0, 8)
      .map((n) => `"${n}"`)
      .join(', ');
    throw new ModelLoadError({
      file: this.source,
      problem: `${left.length} weight${left.length === 1 ? '' : 's'} not used by the ${architecture} architecture: ${shown}${left.length > 8 ? ', …' : ''}`,
      fix: 'Check that config.json (model_type and its options such as attention_bias or tie_word_embeddings) belongs to these weights',
    });
  }

  dispose(): void {
    for (const entry of this.entries.values()) {
      if (entry.kind === 'dense') entry.array.dispose();
      else mx.dispose(quantizedArrays(entry));
    }
    this.entries.clear();
  }

  [Symbol.dispose](): void {
    this.dispose();
  }
}

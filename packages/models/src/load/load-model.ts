// loadModel(pathOrGguf): a model folder (safetensors, optionally MLX-quantized) or a .gguf file
// → the model, its config and its tokenizer.
import type { Stats } from 'node:fs';
import { stat } from 'node:fs/promises';
import { join } from 'node:path';
import * as mx from '@mlx-ts/core';
import { Tokenizer } from '@mlx-ts/tokenizer';
import { ModelLoadError } from '../errors.js';
import { type GgufFile, openGguf } from '../gguf/gguf-file.js';
import { type ResolveModelOptions, resolveModelReference } from '../hub/resolve-model.js';
import type { LanguageModel, LoadedModel, ModelConfig } from '../model-types.js';
import { type Architecture, architectureFor, architectureForGguf } from '../registry.js';
import { configFromGguf, type GgufLoadProgress, loadGgufWeights } from './gguf-weights.js';
import { loadFolderWeights } from './safetensors-folder.js';
import type { WeightPolicy, Weights } from './weights.js';

export interface LoadModelOptions {
  /** Compute dtype. Default: float32 on CPU (MLX's fast BLAS path there), bfloat16 on GPU. */
  dtype?: mx.Dtype;
  /**
   * Keep affine-quantized weights quantized. Default: true on GPU, and on CPUs where
   * @mlx-ts/core's vectorized quantized matmul runs (x86-64 with AVX2); otherwise dequantized
   * to `dtype`.
   */
  keepQuantized?: boolean;
  /**
   * GGUF, when weights stay quantized: re-encode the block types that have no lossless MLX form
   * (Q6_K, Q5_K, Q5_1) as 8-bit affine quantization, group 32 (1.25 bytes a weight
   * instead of float32's 4; each value rounds to the nearest of its group's 256 levels). false
   * dequantizes them to `dtype` exactly. Default true.
   */
  requantizeLossy?: boolean;
  onProgress?: (progress: GgufLoadProgress) => void;
  signal?: AbortSignal;
  /**
   * Split the model over the ranks of this group (from `mx.distributed.init()`). Every rank loads
   * only its part and must call the model with the same inputs in the same order; the results
   * are the same on every rank. A group of one loads the whole model.
   */
  group?: mx.distributed.Group;
  /**
   * How the model is split over `group`: 'tensor' (default) splits attention heads, MLP columns
   * and the vocabulary, with all-sums inside every layer; 'pipeline' gives each rank a contiguous
   * stage of layers, with one send per stage boundary.
   */
  parallelism?: 'tensor' | 'pipeline';
  /** For Hugging Face ids (`org/name[@revision][:QUANT]`): cache, endpoint, token, offline, download progress. */
  hub?: ResolveModelOptions;
}

function defaultPolicy(options: LoadModelOptions): WeightPolicy {
  const onGpu = mx.defaultDevice().type === 'gpu';
  const fastCpuKernel = !onGpu && mx.fast.cpuKernelInfo().bestIsa !== 'scalar';
  return {
    dtype: options.dtype ?? (onGpu ? 'bfloat16' : 'float32'),
    keepQuantized: options.keepQuantized ?? (onGpu || fastCpuKernel),
    requantizeLossy: options.requantizeLossy ?? true,
    halfScales: fastCpuKernel && (options.dtype ?? 'float32') === 'float32',
    group: options.group,
    parallelism: options.parallelism,
  };
}

class Loaded implements LoadedModel {
  constructor(
    readonly model: LanguageModel,
    readonly tokenizer: Tokenizer,
    readonly source: string,
    readonly format: LoadedModel['format'],
  ) {}
  get config(): ModelConfig {
    return this.model.config;
  }
  dispose(): void {
    this.model.dispose();
  }
  [Symbol.dispose](): void {
    this.dispose();
  }
  async [Symbol.asyncDispose](): Promise<void> {
    this.dispose();
  }
}

function idList(value: unknown): number[] {
  if (typeof value === 'number') return [value];
  return Array.isArray(value) ? value.filter((v): v is number => typeof v === 'number') : [];
}

/** Builds the model; a weight it did not take is a ModelLoadError (the checkpoint is of another shape). */
function buildChecked(architecture: Architecture, config: ModelConfig, weights: Weights, dtype: mx.Dtype): LanguageModel {
  const model = architecture.build(config, weights, dtype);
  try {
    weights.assertAllUsed(config.modelType);
    mx.eval([...model.parameters().values()]);
  } catch (error) {
    model.dispose();
    throw error;
  }
  return model;
}

interface BuiltModel {
  model: LanguageModel;
  format: LoadedModel['format'];
  /** The tokenizer's source: a folder with tokenizer.json, or GGUF metadata. */
  loadTokenizer(): Promise<Tokenizer>;
}

async function buildFromFolder(folder: string, options: LoadModelOptions): Promise<BuiltModel> {
  const policy = defaultPolicy(options);
  const loaded = await loadFolderWeights(folder, (config) => architectureFor(config.model_type, join(folder, 'config.json')), policy);
  const { weights, architecture } = loaded;
  try {
    const config = architecture.parseConfig(loaded.config, join(folder, 'config.json'), idList(loaded.generationConfig?.eos_token_id));
    const model = buildChecked(architecture, config, weights, policy.dtype);
    return {
      model,
      format: loaded.quantized ? 'mlx-quantized' : 'safetensors',
      loadTokenizer: () =>
        Tokenizer.fromDirectory(folder).catch((cause) => {
          throw new ModelLoadError({
            file: folder,
            problem: `its tokenizer cannot be loaded (${(cause as Error).message})`,
            fix: 'Add tokenizer.json and tokenizer_config.json to the folder',
            cause,
          });
        }),
    };
  } finally {
    weights.dispose();
  }
}

/** llama.cpp stores Llama 3's RoPE scaling as per-frequency factors (rope_freqs.weight), not as config keys. */
async function ropeFrequencyFactors(file: GgufFile): Promise<number[] | undefined> {
  if (!file.tensor('rope_freqs.weight')) return undefined;
  const tensor = await file.readTensor('rope_freqs.weight', { dequantize: true });
  if (tensor.kind !== 'dense' || tensor.dtype !== 'float32') {
    throw new ModelLoadError({ file: file.path, problem: 'its rope_freqs.weight is not float32', fix: 'Convert the model again with llama.cpp' });
  }
  return [...tensor.data];
}

async function buildFromGguf(path: string, options: LoadModelOptions): Promise<BuiltModel> {
  const policy = defaultPolicy(options);
  const file = await openGguf(path);
  try {
    const architecture = architectureForGguf(file.metadata['general.architecture'], path);
    const rawConfig = configFromGguf(file);
    const factors = await ropeFrequencyFactors(file);
    if (factors) rawConfig.rope_scaling = { rope_type: 'frequency_factors', factors };
    const config = architecture.parseConfig(rawConfig, path, []) as ModelConfig & { numAttentionHeads?: number; numKeyValueHeads?: number };
    // Dropped once the tokenizer is built: its 262k token strings and scores need not live on.
    let metadata: GgufFile['metadata'] | undefined = file.metadata;
    const { gguf } = architecture;
    const permutedHeads =
      gguf.permutedQueryKey && config.numAttentionHeads && config.numKeyValueHeads
        ? { query: config.numAttentionHeads, key: config.numKeyValueHeads }
        : undefined;
    const weights = await loadGgufWeights(file, policy, { blockNames: gguf.blockNames, permutedHeads }, options.onProgress, options.signal);
    try {
      const model = buildChecked(architecture, config, weights, policy.dtype);
      // Decoding and re-encoding freed as much memory as the weights take; give it back.
      mx.memory.clearCache();
      return {
        model,
        format: 'gguf',
        loadTokenizer: async () => {
          const source = metadata;
          metadata = undefined;
          if (source === undefined) throw new Error('loadTokenizer: the GGUF metadata was already read');
          try {
            const chatTemplate = source['tokenizer.chat_template'] ?? architecture.defaultChatTemplate;
            return Tokenizer.fromGguf({ ...source, 'tokenizer.chat_template': chatTemplate } as never);
          } catch (cause) {
            throw new ModelLoadError({
              file: path,
              problem: `its tokenizer metadata is unusable (${(cause as Error).message})`,
              fix: 'Use a GGUF converted with tokenizer metadata (tokenizer.ggml.*)',
              cause,
            });
          }
        },
      };
    } finally {
      weights.dispose();
    }
  } finally {
    await file.close();
  }
}

async function build(reference: string, options: LoadModelOptions): Promise<BuiltModel> {
  if (typeof reference !== 'string' || reference.length === 0)
    throw new TypeError('loadModel: expected a path to a model folder or a .gguf file, or a Hugging Face id');
  const pathOrGguf = (await resolveModelReference(reference, { ...(options.signal ? { signal: options.signal } : {}), ...options.hub })).path;
  let info: Stats;
  try {
    info = await stat(pathOrGguf);
  } catch (cause) {
    throw new ModelLoadError({
      file: pathOrGguf,
      problem: 'it does not exist',
      fix: 'Pass the path of a model folder (config.json + safetensors) or of a .gguf file, or a Hugging Face id org/name',
      cause,
    });
  }
  options.signal?.throwIfAborted();
  return info.isDirectory() ? buildFromFolder(pathOrGguf, options) : buildFromGguf(pathOrGguf, options);
}

/** Loads only the network (no tokenizer): for models shipped without one, or when the caller has its own. */
export async function loadLanguageModel(pathOrGguf: string, options: LoadModelOptions = {}): Promise<LanguageModel> {
  return (await build(pathOrGguf, options)).model;
}

/**
 * Loads a model folder, a .gguf file or a Hugging Face id (`org/name[@revision][:QUANT]`, from the
 * local hub cache or downloaded into it). Errors are ModelLoadError (or a HubError) naming the problem and the fix.
 */
export async function loadModel(pathOrGguf: string, options: LoadModelOptions = {}): Promise<LoadedModel> {
  const built = await build(pathOrGguf, options);
  try {
    const tokenizer = await built.loadTokenizer();
    // Parsing the file's metadata and building the tokenizer grew V8's young generation to tens
    // of MB, which V8 keeps committed, empty, while the model runs; shrink it back once now.
    mx.memory.reduceJsHeap();
    // The tokenizer build and that collection freed host memory (the metadata's typed arrays
    // among it) into malloc's free lists; give it back (clearCache ends in malloc_trim on glibc).
    mx.memory.clearCache();
    return new Loaded(built.model, tokenizer, pathOrGguf, built.format);
  } catch (error) {
    built.model.dispose();
    throw error;
  }
}

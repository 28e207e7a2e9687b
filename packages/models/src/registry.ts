// Architectures by `model_type`. A new architecture is one model file plus one registration.
import type * as mx from '@mlx-ts/core';
import { ModelLoadError } from './errors.js';
import type { Weights } from './load/weights.js';
import type { LanguageModel, ModelConfig } from './model-types.js';
import type { GgufFile } from './gguf/gguf-file.js';
import { builtinArchitectures } from './architectures/index.js';

export interface Architecture<C extends ModelConfig = ModelConfig> {
  /** Parses config.json (plus generation_config.json's eos ids); throws ModelLoadError when fields are missing. */
  parseConfig(raw: Record<string, unknown>, file: string, extraEos: readonly number[]): C;
  /** Renames or drops checkpoint tensors (e.g. a multimodal checkpoint's vision tower); return undefined to drop. */
  sanitizeName?(name: string): string | undefined;
  build(config: C, weights: Weights, dtype: mx.Dtype): LanguageModel;
  /** The chat template to use when a checkpoint (e.g. a GGUF file) carries none. */
  defaultChatTemplate?: string;
  /** How llama.cpp stores this architecture, when GGUF files of it can be loaded. */
  gguf?: GgufArchitecture;
}

/** One architecture's GGUF layout (llama.cpp's convert_hf_to_gguf.py and llama-arch.cpp). */
export interface GgufArchitecture {
  /** `general.architecture` values, e.g. "llama". */
  names: readonly string[];
  /** A Hugging Face style config.json from the metadata (`read(key)` reads `<arch>.<key>`). */
  config(read: (key: string) => unknown, file: GgufFile): Record<string, unknown>;
  /** Block tensor names that differ from the Llama convention (e.g. Gemma's ffn_norm is its pre-feedforward norm). */
  blockNames?: Readonly<Record<string, string>>;
  /** llama.cpp permutes the rows of Q and K for its interleaved RoPE (Llama family); loading undoes it. */
  permutedQueryKey?: boolean;
}

const architectures = new Map<string, Architecture>(Object.entries(builtinArchitectures));

export function registerArchitecture<C extends ModelConfig>(modelType: string | readonly string[], architecture: Architecture<C>): void {
  for (const type of typeof modelType === 'string' ? [modelType] : modelType) architectures.set(type, architecture as unknown as Architecture);
}

export function architectureFor(modelType: unknown, file: string): Architecture {
  const found = typeof modelType === 'string' ? architectures.get(modelType) : undefined;
  if (!found) {
    throw new ModelLoadError({
      file,
      problem: `model_type ${JSON.stringify(modelType)} is not supported`,
      fix: `Supported model types: ${[...architectures.keys()].join(', ')}`,
    });
  }
  return found;
}

/** The architecture registered for a GGUF file's `general.architecture`. */
export function architectureForGguf(name: unknown, file: string): Architecture & { gguf: GgufArchitecture } {
  for (const architecture of new Set(architectures.values())) {
    if (architecture.gguf && typeof name === 'string' && architecture.gguf.names.includes(name))
      return architecture as Architecture & { gguf: GgufArchitecture };
  }
  const supported = [...new Set([...architectures.values()].flatMap((a) => a.gguf?.names ?? []))];
  throw new ModelLoadError({ file, problem: `its architecture is ${JSON.stringify(name)}`, fix: `GGUF architectures supported: ${supported.join(', ')}` });
}

export function supportedModelTypes(): string[] {
  return [...architectures.keys()];
}

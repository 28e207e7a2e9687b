// Architectures by `model_type`. A new architecture is one model file plus one registration.
import type * as mx from '@mlx-ts/core';
import { ModelLoadError } from './errors.js';
import type { Weights } from './load/weights.js';
import type { LanguageModel, ModelConfig } from './model-types.js';

export interface Architecture<C extends ModelConfig = ModelConfig> {
  /** Parses config.json (plus generation_config.json's eos ids); throws ModelLoadError when fields are missing. */
  parseConfig(raw: Record<string, unknown>, file: string, extraEos: readonly number[]): C;
  /** Renames or drops checkpoint tensors (e.g. a multimodal checkpoint's vision tower); return undefined to drop. */
  sanitizeName?(name: string): string | undefined;
  build(config: C, weights: Weights, dtype: mx.Dtype): LanguageModel;
  /** The chat template to use when a checkpoint (e.g. a GGUF file) carries none. */
  defaultChatTemplate?: string;
}

const architectures = new Map<string, Architecture>();

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

export function supportedModelTypes(): string[] {
  return [...architectures.keys()];
}

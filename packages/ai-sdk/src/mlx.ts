// `mlx(reference, options)` loads a model on first use; `mlx({ backend })` wraps a Backend that
// is already running (an MlxBackend, a WorkerBackend, a server's own).
import type { MlxBackendOptions } from '@mlx-ts/backend';
import type { Backend } from '@mlx-ts/spec';
import { LazyBackend } from './lazy-backend.js';
import { MlxLanguageModel } from './mlx-language-model.js';

/** How the model is loaded: MlxBackend's options (dtype, queue length, default max tokens, …). */
export type MlxModelOptions = MlxBackendOptions;

export interface MlxBackendSettings {
  backend: Backend;
  /** The model id the AI SDK reports (default: the backend's name). */
  modelId?: string;
}

/** A model folder, a .gguf file or a Hugging Face id, loaded on first use. */
export function mlx(reference: string, options?: MlxModelOptions): MlxLanguageModel;
/** A Backend you already have; you stay its owner (the model never disposes it). */
export function mlx(settings: MlxBackendSettings): MlxLanguageModel;
export function mlx(source: string | MlxBackendSettings, options: MlxModelOptions = {}): MlxLanguageModel {
  if (typeof source === 'string') return new MlxLanguageModel(source, { lazy: new LazyBackend(source, options) });
  return new MlxLanguageModel(source.modelId ?? source.backend.name, { backend: source.backend });
}

// Resolves --model (a path, a Hugging Face id, or the default model, downloading it on first use) and loads it.
import { existsSync } from 'node:fs';
import { basename } from 'node:path';
import { MlxBackend, resolveModelReference, WorkerBackend, type WorkerBackendOptions } from '@mlx-ts/backend';
import { defaultModel, ensureDefaultModel } from './default-model.js';
import { downloadProgressBar, hubDownloadProgressBar, loadProgressBar } from './progress.js';
import { userPath } from './user-path.js';

export interface ModelChoice {
  /** A model folder, .gguf file or Hugging Face id; undefined = the default model. */
  model?: string;
  maxQueue?: number;
  /** Sequences decoded together at most. */
  maxBatch?: number;
  /** KV-cache tokens the running sequences may hold. */
  maxKvTokens?: number;
  /** Quantize the KV caches to this many bits. */
  kvBits?: number;
  kvGroupSize?: number;
  /** The name to show and report (default: from the path). */
  modelId?: string;
}

/** Rank 0 of a distributed group (the server): how the group starts and the model is split, and what ends the server when it fails. */
export type DistributedChoice = Pick<WorkerBackendOptions, 'distributed' | 'parallelism' | 'onCrash' | 'onRestart'>;

/** The id clients use for the model: the default model's name, a Hugging Face id as given, or the file/folder name. */
export function modelIdFor(model: string | undefined): string {
  if (model === undefined) return defaultModel.id;
  if (/^[\w.-]+\/[\w.-]+(@[\w./-]+)?(:[\w.-]+)?$/.test(model) && !existsSync(model)) return model;
  return basename(model.replace(/[\\/]+$/, '')).replace(/\.gguf$/i, '');
}

export async function resolveModelPath(model: string | undefined): Promise<string> {
  if (model === undefined) return ensureDefaultModel({ onProgress: downloadProgressBar() });
  const progress = hubDownloadProgressBar();
  try {
    return (await resolveModelReference(userPath(model), { onProgress: progress.onProgress })).path;
  } finally {
    progress.stop();
  }
}

export async function loadBackend(choice: ModelChoice): Promise<MlxBackend> {
  const path = await resolveModelPath(choice.model);
  const progress = loadProgressBar(choice.modelId ?? modelIdFor(choice.model));
  progress.start();
  try {
    return await MlxBackend.load(path, { onProgress: progress.onProgress, maxQueue: choice.maxQueue, name: choice.modelId ?? modelIdFor(choice.model) });
  } finally {
    progress.stop();
  }
}

/** For the server: the model runs on a worker thread so the HTTP event loop stays responsive. */
export async function loadWorkerBackend(choice: ModelChoice & DistributedChoice): Promise<WorkerBackend> {
  const path = await resolveModelPath(choice.model);
  const progress = loadProgressBar(choice.modelId ?? modelIdFor(choice.model));
  progress.start();
  try {
    return await WorkerBackend.load(path, {
      onProgress: progress.onProgress,
      maxQueue: choice.maxQueue,
      maxBatch: choice.maxBatch,
      maxKvTokens: choice.maxKvTokens,
      kvBits: choice.kvBits,
      kvGroupSize: choice.kvGroupSize,
      name: choice.modelId ?? modelIdFor(choice.model),
      distributed: choice.distributed,
      parallelism: choice.parallelism,
      onCrash: choice.onCrash,
      onRestart: choice.onRestart,
    });
  } finally {
    progress.stop();
  }
}

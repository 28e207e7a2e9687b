// Resolves --model (or the default model, downloading it on first use) and loads it.
import { basename } from 'node:path';
import { MlxBackend, WorkerBackend } from '@mlx-ts/backend';
import { defaultModel, ensureDefaultModel } from './default-model.js';
import { downloadProgressBar, loadProgressBar } from './progress.js';
import { userPath } from './user-path.js';

export interface ModelChoice {
  /** A model folder or .gguf file; undefined = the default model. */
  model?: string;
  maxQueue?: number;
  /** The name to show and report (default: from the path). */
  modelId?: string;
}

/** The id clients use for the model: the default model's name, or the file/folder name. */
export function modelIdFor(model: string | undefined): string {
  if (model === undefined) return defaultModel.id;
  return basename(model.replace(/[\\/]+$/, '')).replace(/\.gguf$/i, '');
}

export async function resolveModelPath(model: string | undefined): Promise<string> {
  return model === undefined ? ensureDefaultModel({ onProgress: downloadProgressBar() }) : userPath(model);
}

export async function loadBackend(choice: ModelChoice): Promise<MlxBackend> {
  const path = await resolveModelPath(choice.model);
  const progress = loadProgressBar((choice.modelId ?? modelIdFor(choice.model)));
  progress.start();
  try {
    return await MlxBackend.load(path, { onProgress: progress.onProgress, maxQueue: choice.maxQueue, name: (choice.modelId ?? modelIdFor(choice.model)) });
  } finally {
    progress.stop();
  }
}

/** For the server: the model runs on a worker thread so the HTTP event loop stays responsive. */
export async function loadWorkerBackend(choice: ModelChoice): Promise<WorkerBackend> {
  const path = await resolveModelPath(choice.model);
  const progress = loadProgressBar((choice.modelId ?? modelIdFor(choice.model)));
  progress.start();
  try {
    return await WorkerBackend.load(path, { onProgress: progress.onProgress, maxQueue: choice.maxQueue, name: (choice.modelId ?? modelIdFor(choice.model)) });
  } finally {
    progress.stop();
  }
}

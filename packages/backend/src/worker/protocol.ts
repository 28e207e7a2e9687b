// Messages between WorkerBackend (the HTTP thread) and the backend worker thread.
import type { InitOptions } from '@mlx-ts/core';
import type { EngineStats, MlxBackendOptions } from '../mlx-backend.js';
import type { GenerateEvent, GenerateRequest, GenerateResult } from '../types.js';
import type { SerializedError } from './error-transfer.js';

/** MlxBackend's options that can cross threads; a distributed group is started on the worker (MLX's groups are per process, its streams per thread). */
export type WorkerLoadOptions = Omit<MlxBackendOptions, 'onProgress' | 'signal' | 'sampler' | 'logitsProcessors' | 'group' | 'onGroupFailure'> & {
  /** exitOnFailure: a failed collective ends the process at once (see exitOnGroupFailure). */
  distributed?: Omit<InitOptions, 'strict'> & { exitOnFailure?: boolean };
};

export type ToWorker =
  | { type: 'load'; path: string; options: WorkerLoadOptions }
  | { type: 'stream'; id: number; request: GenerateRequest }
  /** n rows over one prefill: stream i answers under ids[i]. */
  | { type: 'choices'; ids: number[]; request: GenerateRequest }
  | { type: 'abort'; id: number }
  /** Ends the worker thread with an uncaught error, as a fatal failure would (WorkerBackend.crashForTesting). */
  | { type: 'crash'; message: string }
  | { type: 'dispose' };

export type FromWorker =
  | { type: 'progress'; tensorsDone: number; tensorsTotal: number }
  | { type: 'loaded'; name: string; contextLength: number }
  | { type: 'load-error'; error: SerializedError }
  /** The request was checked and queued (StreamHooks.onAccepted); its first token may come much later. */
  | { type: 'accepted'; id: number }
  | { type: 'event'; id: number; event: GenerateEvent }
  | { type: 'end'; id: number; result: GenerateResult }
  | { type: 'error'; id: number; error: SerializedError }
  | { type: 'stats'; stats: EngineStats }
  /** The distributed group failed: the backend cannot go on. */
  | { type: 'fatal'; error: SerializedError }
  | { type: 'disposed' };

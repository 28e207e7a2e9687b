// Messages between WorkerBackend (the HTTP thread) and the backend worker thread.
import type { EngineStats, MlxBackendOptions } from '../mlx-backend.js';
import type { GenerateEvent, GenerateRequest, GenerateResult } from '../types.js';
import type { SerializedError } from './error-transfer.js';

export type ToWorker =
  | { type: 'load'; path: string; options: Omit<MlxBackendOptions, 'onProgress' | 'signal' | 'sampler' | 'logitsProcessors'> }
  | { type: 'stream'; id: number; request: GenerateRequest }
  /** n rows over one prefill: stream i answers under ids[i]. */
  | { type: 'choices'; ids: number[]; request: GenerateRequest }
  | { type: 'abort'; id: number }
  | { type: 'dispose' };

export type FromWorker =
  | { type: 'progress'; tensorsDone: number; tensorsTotal: number }
  | { type: 'loaded'; name: string; contextLength: number }
  | { type: 'load-error'; error: SerializedError }
  | { type: 'event'; id: number; event: GenerateEvent }
  | { type: 'end'; id: number; result: GenerateResult }
  | { type: 'error'; id: number; error: SerializedError }
  | { type: 'stats'; stats: EngineStats }
  | { type: 'disposed' };

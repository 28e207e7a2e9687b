// Messages between WorkerBackend (the HTTP thread) and the backend worker thread.
import type { EngineStats, MlxBackendOptions } from '../mlx-backend.js';
import type { GenerateEvent, GenerateRequest, GenerateResult } from '../types.js';

export type ToWorker =
  | { type: 'load'; path: string; options: Omit<MlxBackendOptions, 'onProgress' | 'signal'> }
  | { type: 'stream'; id: number; request: GenerateRequest }
  | { type: 'abort'; id: number }
  | { type: 'dispose' };

export interface SerializedError {
  kind: 'invalid-request' | 'busy' | 'closed' | 'tokenizer' | 'other';
  message: string;
  param?: string;
  queued?: number;
  retryAfterSeconds?: number;
}

export type FromWorker =
  | { type: 'progress'; tensorsDone: number; tensorsTotal: number }
  | { type: 'loaded'; name: string; contextLength: number }
  | { type: 'load-error'; error: SerializedError }
  | { type: 'event'; id: number; event: GenerateEvent }
  | { type: 'end'; id: number; result: GenerateResult }
  | { type: 'error'; id: number; error: SerializedError }
  | { type: 'stats'; stats: EngineStats }
  | { type: 'disposed' };

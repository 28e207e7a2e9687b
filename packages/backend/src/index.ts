// @mlx-ts/backend: the Backend interface and MlxBackend, the generation engine over MLX. The
// engine's parts (queue, prefix cache, stop matching, the token loop) are internal.
export type * from './types.js';
export { MlxBackend, type MlxBackendOptions, type FollowerOptions, type EngineStats, type RequestObserver } from './mlx-backend.js';
export { InvalidRequestError, BackendBusyError, BackendClosedError, BackendCrashedError } from './errors.js';
// What a custom logits processor implements (MlxBackendOptions.logitsProcessors).
export type { LogitsProcessor } from '@mlx-ts/sample';
export { WorkerBackend, type WorkerBackendOptions } from './worker/worker-backend.js';
// Hugging Face ids resolve the same way for an application that resolves before it loads (e.g. to show download progress).
export { resolveModelReference, isHubReference, type ResolveModelOptions, type ResolvedModel, type HubDownloadProgress } from '@mlx-ts/models';
export { exitAfterGroupFailure, exitOnGroupFailure, groupFailureLine } from './group-exit.js';

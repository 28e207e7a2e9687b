// @mlx-ts/backend: the Backend interface and MlxBackend, the generation engine over MLX.
export type {
  Backend,
  ContentPart,
  DoneEvent,
  FinishReason,
  GenerateEvent,
  GenerateOptions,
  GenerateRequest,
  GenerateResult,
  JsonSchema,
  Message,
  ResponseFormat,
  Role,
  TextEvent,
  TextPart,
  Timings,
  TokenLogprob,
  ToolCall,
  ToolCallDeltaEvent,
  ToolChoice,
  ToolDefinition,
  Usage,
} from './types.js';
export { MlxBackend, type MlxBackendOptions, type EngineStats, type RequestObserver } from './mlx-backend.js';
export { InvalidRequestError, BackendBusyError, BackendClosedError } from './errors.js';
export { StopMatcher } from './stop-matcher.js';
export { BatchScheduler, type SchedulerOptions, type SequenceRequest, type SubmittedRequest, type SchedulerCounters } from './engine/batch-scheduler.js';
export { Sequence, type SequenceSettings } from './engine/sequence.js';
export { PrefixTrie, type PrefixMatch } from './engine/prefix-trie.js';
export { TokenChannel, type GeneratedToken, type EndReason } from './engine/token-channel.js';
export { resolveOptions, type ResolvedOptions } from './validate-options.js';
export { WorkerBackend, type WorkerBackendOptions } from './worker/worker-backend.js';
// Hugging Face ids resolve the same way for an application that resolves before it loads (e.g. to show download progress).
export { resolveModelReference, isHubReference, type ResolveModelOptions, type ResolvedModel, type HubDownloadProgress } from '@mlx-ts/models';

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
export { MlxBackend, type MlxBackendOptions } from './mlx-backend.js';
export { InvalidRequestError, BackendBusyError, BackendClosedError } from './errors.js';
export { StopMatcher } from './stop-matcher.js';
export { RequestQueue } from './request-queue.js';
export { PrefixCache, type PrefixLease } from './prefix-cache.js';
export { generateTokens, type GeneratedToken, type TokenGeneratorOptions } from './token-generator.js';
export { resolveOptions, type ResolvedOptions } from './validate-options.js';
export { WorkerBackend, type WorkerBackendOptions } from './worker/worker-backend.js';
// Hugging Face ids resolve the same way for an application that resolves before it loads (e.g. to show download progress).
export { resolveModelReference, isHubReference, type ResolveModelOptions, type ResolvedModel, type HubDownloadProgress } from '@mlx-ts/models';

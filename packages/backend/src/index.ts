// @mlx-ts/backend: the Backend interface and MlxBackend, the generation engine over MLX. The
// engine's parts (queue, prefix cache, stop matching, the token loop) are internal.
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
// What a custom sampler or logits processor implements (MlxBackendOptions.sampler / logitsProcessors).
export type { LogitsProcessor, Sampler, SamplerOptions } from '@mlx-ts/sample';
export { WorkerBackend, type WorkerBackendOptions } from './worker/worker-backend.js';

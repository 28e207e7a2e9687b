// @mlx-ts/serve: the OpenAI-compatible HTTP server over any Backend, and the mlx-ts CLI.
export { createServer, type OpenAIServer, type ServerOptions } from './server/create-server.js';
export { OpenAIError, type OpenAIErrorBody, type OpenAIErrorType } from './server/openai-error.js';
export { defaultLimits, type RequestLimits } from './server/schemas.js';
export { defaultModel, ensureDefaultModel, type DefaultModelOptions } from './cli/default-model.js';
export { ModelDownloadError } from './cli/model-download-error.js';
export { version } from './version.js';
export { WorkerBackend, type WorkerBackendOptions } from '@mlx-ts/backend';

// @mlx-ts/ai-sdk: a Vercel AI SDK language-model provider over any mlx-ts Backend, in process.
export { mlx, type MlxBackendSettings, type MlxModelOptions } from './mlx.js';
export { MlxLanguageModel } from './mlx-language-model.js';
export { type MlxProviderOptions, mlxProviderOptionsSchema } from './provider-options.js';

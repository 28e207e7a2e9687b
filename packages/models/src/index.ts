export { ModelLoadError, type ModelLoadErrorOptions } from './errors.js';
export * from './gguf/index.js';

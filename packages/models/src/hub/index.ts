// Hugging Face model references: resolution through the local hub cache, downloads into it.
export { resolveModelReference, isHubReference, type ResolveModelOptions, type ResolvedModel } from './resolve-model.js';
export { parseModelReference, formatModelReference, type ModelReference } from './model-reference.js';
export { huggingFaceCacheDir, type HubOptions } from './hub-settings.js';
export type { HubDownloadProgress, DownloadOptions } from './download-model.js';
export {
  HubError,
  InvalidModelReferenceError,
  HubRepositoryNotFoundError,
  HubGatedRepositoryError,
  HubOfflineNotCachedError,
  HubNoUsableFilesError,
  HubDownloadError,
} from './hub-errors.js';

// @mlx-ts/cache: KV caches for LLM generation on MLX, and prompt-cache files.
export type { AttentionMask, CacheSnapshot, CacheStateValue, KVCache, MaskOptions, PromptCache } from './kv-cache.js';
export { CacheError } from './errors.js';
export { BatchKVCache, type BatchKVCacheOptions } from './batch-kv-cache.js';
export { BaseKVCache } from './base-kv-cache.js';
export { StandardKVCache, type StandardKVCacheOptions } from './standard-kv-cache.js';
export { RotatingKVCache, type RotatingKVCacheOptions } from './rotating-kv-cache.js';
export { QuantizedKVCache, type QuantizedKVCacheOptions, type QuantizedTensor } from './quantized-kv-cache.js';
export { createAttentionMask, createCausalMask } from './causal-mask.js';
export { disposeSnapshot } from './buffers.js';
export { registerCacheClass, cacheFromSnapshot, type CacheFactory } from './cache-registry.js';
export { savePromptCache, loadPromptCache, type SavePromptCacheOptions, type LoadedPromptCache } from './prompt-cache-file.js';
export { canTrimPromptCache, trimPromptCache, disposePromptCache } from './prompt-cache.js';

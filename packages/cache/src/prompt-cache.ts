// Operations over a whole prompt cache (one cache per layer), like mlx-lm's helpers.
import type { KVCache, PromptCache } from './kv-cache.js';

/** True when every layer's cache can be rewound now. */
export function canTrimPromptCache(caches: PromptCache): boolean {
  return caches.every((cache) => cache.canTrim());
}

/** Rewinds every layer by `n` tokens when all can be rewound; returns the tokens dropped (0 when some cannot). */
export function trimPromptCache(caches: PromptCache, n: number): number {
  if (caches.length === 0 || !canTrimPromptCache(caches)) return 0;
  return caches.map((cache) => cache.trim(n))[0];
}

/** Disposes every layer's cache. */
export function disposePromptCache(caches: readonly KVCache[]): void {
  for (const cache of caches) cache.dispose();
}

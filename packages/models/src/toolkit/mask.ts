// The attention mask of one forward pass: from the layer's cache when there is one (it knows
// the positions it holds and, batched, each row's), else causal over the L new tokens.
import type * as mx from '@mlx-ts/core';
import { createCausalMask, type KVCache } from '@mlx-ts/cache';

/** `window`: the layer attends to that many positions, itself included (sliding-window layers). */
export function attentionMask(length: number, cache: KVCache | undefined, window?: number): mx.fast.AttentionMask {
  if (cache) return cache.makeMask(length, window === undefined ? undefined : { windowSize: window });
  if (window !== undefined && length > window) return createCausalMask(length, 0, window);
  return length > 1 ? 'causal' : null;
}

/** Boolean (true attends) or additive mask [.., L, K] for a manual softmax; 'causal' aligned bottom-right. */
export function maskArray(mask: mx.fast.AttentionMask, length: number, keys: number): mx.Array | undefined {
  if (mask === 'causal') return createCausalMask(length, keys - length);
  return mask ?? undefined;
}

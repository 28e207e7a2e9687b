// Attention masks, as mlx-lm's create_causal_mask / create_attention_mask define them.
import * as mx from '@mlx-ts/core';
import type { AttentionMask, MaskOptions } from './kv-cache.js';

/**
 * Boolean mask [queryLength, offset + queryLength] (true attends): query i (at position offset + i)
 * sees key j when j <= offset + i and, with a window, offset + i - windowSize < j.
 */
export function createCausalMask(queryLength: number, offset = 0, windowSize?: number): mx.Array {
  return mx.tidy(() => {
    const keyPositions = mx.reshape(mx.arange(offset + queryLength), [1, offset + queryLength]);
    const queryPositions = mx.reshape(mx.arange(offset, offset + queryLength), [queryLength, 1]);
    const causal = mx.greaterEqual(queryPositions, keyPositions);
    if (windowSize === undefined) return causal;
    return mx.logicalAnd(causal, mx.less(queryPositions, mx.add(keyPositions, windowSize)));
  });
}

/** The mask of a cache that keeps every position (mlx-lm's create_attention_mask for a cache at `offset`). */
export function createAttentionMask(queryLength: number, offset: number, options: MaskOptions = {}): AttentionMask {
  const { windowSize, returnArray = false } = options;
  if (windowSize !== undefined) return createCausalMask(queryLength, offset, windowSize);
  if (queryLength === 1) return null;
  if (returnArray) return createCausalMask(queryLength, offset);
  return 'causal';
}

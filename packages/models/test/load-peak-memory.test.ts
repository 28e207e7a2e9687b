// Loading converts and re-lays weights one at a time: the peak stays near the weights a model
// holds, not the stored and converted copies of every weight at once. The bf16 folder loaded as
// float32 on the CPU converts every weight and keeps the tied embedding transposed ([hidden,
// vocab]); its largest moment is that table in both layouts (2 × 671 MB of 1.07 GB). When each
// weight was left lazy the peak was 2.12 GB, about twice the weights.
import * as mx from '@mlx-ts/core';
import { expect, it } from 'vitest';
import { loadModel } from '../src/index.js';
import { requireModelData } from './helpers/model-data.js';

it('loading the 270M bf16 folder as float32 peaks below 1.3 times the weights it keeps', async () => {
  mx.memory.clearCache();
  mx.memory.resetPeakMemory();
  const before = mx.memory.getActiveMemory();
  const loaded = await loadModel(requireModelData('gemma-3-270m-bf16'), { dtype: 'float32' });
  try {
    const held = mx.memory.getActiveMemory() - before;
    const peak = mx.memory.getPeakMemory() - before;
    // 268M parameters in float32.
    expect(held).toBeGreaterThan(1.0e9);
    expect(peak / held).toBeLessThan(1.3);
  } finally {
    loaded.dispose();
  }
});

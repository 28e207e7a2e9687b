// The GPU keeps dense weights [out, in] (MLX's gemv wants x @ Wᵀ); the CPU keeps them [in, out]
// (BLAS). Both layouts must compute the same model: the tiny Gemma 3 loaded with the GPU's
// layout on this machine still matches the transformers reference, prefill and decode.
import * as mx from '@mlx-ts/core';
import { afterAll, describe, expect, it } from 'vitest';
import { loadLanguageModel } from '../src/index.js';
import { float32Tolerance } from './helpers/tolerance.js';
import { readFixture } from './helpers/fixtures.js';
import { requireModelData } from './helpers/model-data.js';

interface Reference {
  promptIds: number[];
  prefillLogits: { shape: number[]; values: number[][] };
  decode: { inputId: number; nextId: number; logits: number[] }[];
}
const reference = readFixture<Reference>('tiny-gemma3-reference.json');
const tolerance = float32Tolerance('logits', mx.defaultDevice());

function maxAbsDiff(actual: Float32Array, expected: readonly number[]): number {
  let max = 0;
  for (let i = 0; i < expected.length; i++) max = Math.max(max, Math.abs(actual[i] - expected[i]));
  return max;
}

describe('dense weight layouts', () => {
  const saved = process.env.MLX_TS_WEIGHT_LAYOUT;
  afterAll(() => {
    if (saved === undefined) delete process.env.MLX_TS_WEIGHT_LAYOUT;
    else process.env.MLX_TS_WEIGHT_LAYOUT = saved;
  });

  afterAll(() => {
    delete process.env.MLX_TS_STACKED_PROJECTIONS;
    delete process.env.MLX_TS_FUSED_HEADS;
  });

  // 'out-in + fused heads': the GPU's whole decode path (stacked projections, mx.fast.ropeHeads
  // with Gemma's 1 + w q/k norms), taken here.
  it.each(['out-in', 'in-out', 'out-in + fused heads'])('%s: prefill and 20 greedy decode steps match transformers', async (layout) => {
    process.env.MLX_TS_WEIGHT_LAYOUT = layout.split(' ')[0];
    const fused = layout.includes('fused');
    for (const name of ['MLX_TS_STACKED_PROJECTIONS', 'MLX_TS_FUSED_HEADS']) {
      if (fused) process.env[name] = '1';
      else delete process.env[name];
    }
    const model = await loadLanguageModel(requireModelData('tiny-gemma3'), { dtype: 'float32' });
    const cache = model.makeCache();
    try {
      mx.tidy(() => {
        const logits = model.unembed(model.forward(mx.array([reference.promptIds], 'int32'), cache));
        expect(maxAbsDiff(logits.toTypedArray() as Float32Array, reference.prefillLogits.values.flat())).toBeLessThan(tolerance);
      });
      for (const step of reference.decode) {
        mx.tidy(() => {
          const logits = model.unembed(model.forward(mx.array([[step.inputId]], 'int32'), cache));
          expect(maxAbsDiff(logits.toTypedArray() as Float32Array, step.logits)).toBeLessThan(tolerance);
          expect(mx.argmax(logits, -1).item()).toBe(step.nextId);
        });
      }
    } finally {
      for (const c of cache) c.dispose();
      model.dispose();
    }
  });
});

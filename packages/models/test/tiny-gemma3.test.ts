// Tiny random Gemma 3 (7 layers: sliding and full attention, window 16 < the 40-token prompt)
// against transformers + torch (float32, eager attention): prefill logits, then 20 greedy
// single-token decode steps through the KV caches.
import * as mx from '@mlx-ts/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type LanguageModel, loadLanguageModel } from '../src/index.js';
import { float32Tolerance } from './helpers/tolerance.js';
import { readFixture } from './helpers/fixtures.js';
import { requireModelData } from './helpers/model-data.js';

interface Reference {
  promptIds: number[];
  prefillLogits: { shape: number[]; values: number[][] };
  decode: { inputId: number; nextId: number; logits: number[] }[];
}

const reference = readFixture<Reference>('tiny-gemma3-reference.json');
const TOLERANCE = float32Tolerance('logits', mx.defaultDevice());
const worst = { prefill: 0, decode: 0 };

function maxAbsDiff(actual: Float32Array, expected: readonly number[]): number {
  expect(actual.length).toBe(expected.length);
  let max = 0;
  for (let i = 0; i < expected.length; i++) max = Math.max(max, Math.abs(actual[i] - expected[i]));
  return max;
}

describe('tiny Gemma 3 vs transformers', () => {
  let model: LanguageModel;
  afterAll(() => {
    console.log(`tiny Gemma 3 max |logit diff| vs transformers: prefill ${worst.prefill.toExponential(2)}, decode ${worst.decode.toExponential(2)}`);
  });
  beforeAll(async () => {
    model = await loadLanguageModel(requireModelData('tiny-gemma3'), { dtype: 'float32' });
  });

  it('prefill logits of every position match without a cache', () => {
    mx.tidy(() => {
      const logits = model.unembed(model.forward(mx.array([reference.promptIds], 'int32')));
      expect(logits.shape).toEqual([1, ...reference.prefillLogits.shape]);
      expect(maxAbsDiff(logits.toTypedArray() as Float32Array, reference.prefillLogits.values.flat())).toBeLessThan(TOLERANCE);
    });
  });

  it('prefill then 20 decode steps through the caches match, greedy tokens identical', () => {
    decodeMatches();
  });

  // The GPU runs each layer's one-token step as two compiled functions; on the CPU that path is
  // opt-in (MLX compiles its fused kernels with the system C++ compiler there).
  it('the compiled decode step matches as well', () => {
    process.env.MLX_TS_COMPILE_DECODE = '1';
    try {
      decodeMatches();
    } finally {
      delete process.env.MLX_TS_COMPILE_DECODE;
    }
  });

  function decodeMatches(): void {
    const cache = model.makeCache();
    try {
      mx.tidy(() => {
        const hidden = model.forward(mx.array([reference.promptIds], 'int32'), cache);
        const logits = model.unembed(hidden);
        const diff = maxAbsDiff(logits.toTypedArray() as Float32Array, reference.prefillLogits.values.flat());
        worst.prefill = Math.max(worst.prefill, diff);
        expect(diff).toBeLessThan(TOLERANCE);
      });
      for (const [step, expected] of reference.decode.entries()) {
        mx.tidy(() => {
          const logits = model.unembed(model.forward(mx.array([[expected.inputId]], 'int32'), cache));
          const values = logits.toTypedArray() as Float32Array;
          const diff = maxAbsDiff(values, expected.logits);
          worst.decode = Math.max(worst.decode, diff);
          expect(diff, `decode step ${step}`).toBeLessThan(TOLERANCE);
          expect(mx.argmax(logits, -1).item(), `decode step ${step} token`).toBe(expected.nextId);
        });
      }
    } finally {
      for (const c of cache) c.dispose();
    }
  }
});

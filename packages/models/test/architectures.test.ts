// One runner for every architecture: a tiny random model with that architecture's features
// switched on (tools/fixtures/models/make-tiny-models.py) against transformers + torch in float32
// (tools/fixtures/models/make-tiny-models-reference.py): the logits of a 40-token prompt without a
// cache, then prefill + 20 single-token decode steps through our caches, within 1e-4; the greedy
// 32-token continuation identical.
import * as mx from '@mlx-ts/core';
import type { KVCache } from '@mlx-ts/cache';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type LanguageModel, loadLanguageModel } from '../src/index.js';
import { readFixture } from './helpers/fixtures.js';
import { decodeFloat32, type LogitsReference, maxAbsDiff } from './helpers/logits.js';
import { requireModelData } from './helpers/model-data.js';

const TOLERANCE = 1e-4;
const architectures = ['llama', 'mistral', 'qwen2', 'qwen3', 'gemma2', 'phi3'] as const;
const worst: Record<string, { prefill: number; decode: number; features: string[] }> = {};

function lastLogits(model: LanguageModel, ids: number[], cache: KVCache[]): mx.Array {
  const hidden = model.forward(mx.array([ids], 'int32'), cache);
  const [, length, width] = hidden.shape;
  return model.unembed(mx.slice(hidden, [0, length - 1, 0], [1, length, width]));
}

afterAll(() => {
  for (const [name, w] of Object.entries(worst)) {
    console.log(`tiny ${name} max |logit diff| vs transformers: prefill ${w.prefill.toExponential(2)}, decode ${w.decode.toExponential(2)} (${w.features.join('; ')})`);
  }
});

describe.each(architectures)('tiny %s vs transformers', (name) => {
  const reference = readFixture<LogitsReference>(`tiny-${name}-reference.json`);
  let model: LanguageModel;
  const record = (key: 'prefill' | 'decode', diff: number) => {
    worst[name] ??= { prefill: 0, decode: 0, features: reference.features };
    worst[name][key] = Math.max(worst[name][key], diff);
  };

  beforeAll(async () => {
    model = await loadLanguageModel(requireModelData(`tiny-${name}`), { dtype: 'float32', keepQuantized: false });
  });
  afterAll(() => model?.dispose());

  it('has the configured model type', () => {
    expect(model.config.modelType).toBe(name);
  });

  it('prefill logits of every position match without a cache', () => {
    mx.tidy(() => {
      const logits = model.unembed(model.forward(mx.array([reference.promptIds], 'int32')));
      expect(logits.shape).toEqual([1, ...reference.prefillLogits.shape]);
      const diff = maxAbsDiff(logits.toTypedArray() as Float32Array, decodeFloat32(reference.prefillLogits.float32Base64));
      record('prefill', diff);
      expect(diff).toBeLessThan(TOLERANCE);
    });
  });

  it('prefill then 20 decode steps through the caches match, and the greedy 32 tokens are identical', () => {
    const cache = model.makeCache();
    try {
      const vocab = reference.prefillLogits.shape[1];
      const lastPrefill = decodeFloat32(reference.prefillLogits.float32Base64).subarray((reference.promptIds.length - 1) * vocab);
      let next = mx.tidy(() => {
        const logits = lastLogits(model, reference.promptIds, cache);
        const diff = maxAbsDiff(logits.toTypedArray() as Float32Array, lastPrefill);
        record('prefill', diff);
        expect(diff).toBeLessThan(TOLERANCE);
        return mx.argmax(logits, -1).item() as number;
      });
      const greedy = [next];
      for (let step = 0; greedy.length < reference.greedyIds.length; step++) {
        next = mx.tidy(() => {
          const logits = lastLogits(model, [next], cache);
          const expected = reference.decode[step];
          if (expected) {
            expect(expected.inputId).toBe(next);
            const diff = maxAbsDiff(logits.toTypedArray() as Float32Array, decodeFloat32(expected.logits));
            record('decode', diff);
            expect(diff, `decode step ${step}`).toBeLessThan(TOLERANCE);
          }
          return mx.argmax(logits, -1).item() as number;
        });
        greedy.push(next);
      }
      expect(greedy).toEqual(reference.greedyIds);
    } finally {
      for (const c of cache) c.dispose();
    }
  });
});

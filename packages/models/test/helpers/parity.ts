// The parity protocol shared by every architecture test: a fixture made by a reference
// implementation holds a 40-token prompt's logits (no cache), 20 decode steps' logits and a
// greedy 32-token continuation; ours must match within a tolerance and repeat the tokens.
import * as mx from '@mlx-ts/core';
import type { KVCache } from '@mlx-ts/cache';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type LanguageModel, loadLanguageModel, type LoadModelOptions } from '../../src/index.js';
import { readFixture } from './fixtures.js';
import { decodeFloat32, type LogitsReference, maxAbsDiff } from './logits.js';
import { requireModelData } from './model-data.js';

export interface ParityCase {
  /** Folder (or file) under the test data's models/. */
  model: string;
  /** Fixture under test/fixtures/. */
  fixture: string;
  modelType: string;
  load: LoadModelOptions;
  tolerance: number;
  /** Worst differences, for the summary line. */
  report: Map<string, { prefill: number; decode: number; features: string[]; oracle: string }>;
}

function lastLogits(model: LanguageModel, ids: number[], cache: KVCache[]): mx.Array {
  const hidden = model.forward(mx.array([ids], 'int32'), cache);
  const [, length, width] = hidden.shape;
  return model.unembed(mx.slice(hidden, [0, length - 1, 0], [1, length, width]));
}

export function describeParity(c: ParityCase): void {
  describe(`${c.model} vs its reference`, () => {
    const reference = readFixture<LogitsReference>(c.fixture);
    let model: LanguageModel;
    const record = (key: 'prefill' | 'decode', diff: number) => {
      const entry = c.report.get(c.model) ?? { prefill: 0, decode: 0, features: reference.features, oracle: reference.oracle };
      entry[key] = Math.max(entry[key], diff);
      c.report.set(c.model, entry);
    };

    beforeAll(async () => {
      model = await loadLanguageModel(requireModelData(c.model), c.load);
    });
    afterAll(() => model?.dispose());

    it('has the configured model type', () => {
      expect(model.config.modelType).toBe(c.modelType);
    });

    it('prefill logits of every position match without a cache', () => {
      mx.tidy(() => {
        const logits = model.unembed(model.forward(mx.array([reference.promptIds], 'int32')));
        expect(logits.shape).toEqual([1, ...reference.prefillLogits.shape]);
        const diff = maxAbsDiff(logits.toTypedArray() as Float32Array, decodeFloat32(reference.prefillLogits.float32Base64));
        record('prefill', diff);
        expect(diff).toBeLessThan(c.tolerance);
      });
    });

    it('a batch of two rows gives every row the reference logits, prefill and decode', () => {
      const cache = model.makeCache();
      try {
        const vocab = reference.prefillLogits.shape[1];
        const expected = decodeFloat32(reference.prefillLogits.float32Base64);
        mx.tidy(() => {
          const logits = model.unembed(model.forward(mx.array([reference.promptIds, reference.promptIds], 'int32'), cache));
          expect(logits.shape).toEqual([2, reference.promptIds.length, vocab]);
          const values = logits.toTypedArray() as Float32Array;
          for (let row = 0; row < 2; row++) {
            const diff = maxAbsDiff(values.subarray(row * expected.length, (row + 1) * expected.length), expected);
            record('prefill', diff);
            expect(diff, `row ${row}`).toBeLessThan(c.tolerance);
          }
        });
        for (const [step, decode] of reference.decode.slice(0, 4).entries()) {
          mx.tidy(() => {
            const values = model.unembed(model.forward(mx.array([[decode.inputId], [decode.inputId]], 'int32'), cache)).toTypedArray() as Float32Array;
            const want = decodeFloat32(decode.logits);
            for (let row = 0; row < 2; row++) {
              const diff = maxAbsDiff(values.subarray(row * vocab, (row + 1) * vocab), want);
              record('decode', diff);
              expect(diff, `decode step ${step}, row ${row}`).toBeLessThan(c.tolerance);
            }
          });
        }
      } finally {
        for (const cache_ of cache) cache_.dispose();
      }
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
          expect(diff).toBeLessThan(c.tolerance);
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
              expect(diff, `decode step ${step}`).toBeLessThan(c.tolerance);
            }
            return mx.argmax(logits, -1).item() as number;
          });
          greedy.push(next);
        }
        expect(greedy).toEqual(reference.greedyIds);
      } finally {
        for (const cache_ of cache) cache_.dispose();
      }
    });
  });
}

export function printReport(report: ParityCase['report']): void {
  for (const [name, w] of report) {
    console.log(
      `${name} max |logit diff| vs ${w.oracle}: prefill ${w.prefill.toExponential(2)}, decode ${w.decode.toExponential(2)} (${w.features.join('; ')})`,
    );
  }
}

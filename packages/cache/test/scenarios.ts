// Replays mlx-lm's recorded update sequences (fixtures/update-sequences.json) on our caches.
import * as mx from '@mlx-ts/core';
import { expect } from 'vitest';
import { type KVCache, QuantizedKVCache, RotatingKVCache, StandardKVCache } from '../src/index.js';
import { expectMask, expectTensor, inputBlock, type MaskRecord, readFixture, type TensorRecord } from './reference.js';

export type CacheSpec = { type: 'standard' } | { type: 'rotating'; maxSize: number; keep: number } | { type: 'quantized'; bits: number; groupSize: number };

export type Step =
  | { op: 'trim'; n: number; trimmed: number; offset: number }
  | {
      op: 'update';
      length: number;
      start: number;
      masks: { windowSize?: number; returnArray?: boolean; mask: MaskRecord }[];
      offset: number;
      capacity: number;
      canTrim: boolean;
      keys?: TensorRecord;
      values?: TensorRecord;
    };

export interface Scenario {
  name: string;
  cache: CacheSpec;
  B: number;
  H: number;
  D: number;
  steps: Step[];
}

export const scenarios = readFixture<{ scenarios: Scenario[] }>('update-sequences.json').scenarios;

export function makeCache(spec: CacheSpec): StandardKVCache | RotatingKVCache | QuantizedKVCache {
  if (spec.type === 'standard') return new StandardKVCache();
  if (spec.type === 'rotating') return new RotatingKVCache({ maxSize: spec.maxSize, keep: spec.keep });
  return new QuantizedKVCache({ bits: spec.bits, groupSize: spec.groupSize });
}

function capacityOf(cache: KVCache): number {
  return (cache as unknown as { capacity: number }).capacity;
}

/** Runs steps [from, to) of a scenario on `cache`, checking each against mlx-lm's record. */
export function replay(scenario: Scenario, cache: KVCache, from = 0, to = scenario.steps.length): void {
  const { B, H, D } = scenario;
  for (let index = from; index < to; index++) {
    const step = scenario.steps[index];
    const label = `${scenario.name} step ${index}`;
    if (step.op === 'trim') {
      expect(cache.trim(step.n), `${label} trimmed`).toBe(step.trimmed);
      expect(cache.offset, `${label} offset`).toBe(step.offset);
      continue;
    }
    mx.tidy(() => {
      for (const { mask, ...options } of step.masks) {
        expectMask(cache.makeMask(step.length, options), mask, `${label} mask ${JSON.stringify(options)}`);
      }
      expect(cache.offset, `${label} start`).toBe(step.start);
      const keys = inputBlock('keys', step.start, step.length, index, B, H, D);
      const values = inputBlock('values', step.start, step.length, index, B, H, D);
      const fetched = cache.updateAndFetch(keys, values);
      expect(cache.offset, `${label} offset`).toBe(step.offset);
      expect(capacityOf(cache), `${label} capacity`).toBe(step.capacity);
      expect(cache.canTrim(), `${label} canTrim`).toBe(step.canTrim);
      if (step.keys) expectTensor(fetched.keys, step.keys, `${label} keys`);
      if (step.values) expectTensor(fetched.values, step.values, `${label} values`);
    });
  }
}

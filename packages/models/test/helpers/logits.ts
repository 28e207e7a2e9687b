// Comparing our logits with a reference fixture's (float32, base64).
import { expect } from 'vitest';
import { base64Float32 } from './fixtures.js';

export function maxAbsDiff(actual: Float32Array, expected: Float32Array): number {
  expect(actual.length).toBe(expected.length);
  let max = 0;
  for (let i = 0; i < expected.length; i++) max = Math.max(max, Math.abs(actual[i] - expected[i]));
  return max;
}

export interface LogitsReference {
  model: string;
  oracle: string;
  features: string[];
  promptIds: number[];
  prefillLogits: { shape: number[]; float32Base64: string };
  decode: { inputId: number; nextId: number; logits: string }[];
  greedyIds: number[];
}

export const decodeFloat32 = base64Float32;

// Test helpers: the generator's input formula and comparisons with mlx-lm's recorded outputs.
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import * as mx from '@mlx-ts/core';
import { expect } from 'vitest';
import type { AttentionMask } from '../src/index.js';

export const fixturePath = (name: string): string => fileURLToPath(new URL(`./fixtures/${name}`, import.meta.url));

export function readFixture<T>(name: string): T {
  return JSON.parse(readFileSync(fixturePath(name), 'utf8')) as T;
}

/** fixtures-gen/generate.py input_block: (k mod 199 - 99) / 128, exact in float32. */
export function inputBlock(kind: 'keys' | 'values', start: number, length: number, step: number, B: number, H: number, D: number): mx.Array {
  const salt = kind === 'keys' ? 0 : 1;
  const data = new Float32Array(B * H * length * D);
  let i = 0;
  for (let b = 0; b < B; b++)
    for (let h = 0; h < H; h++)
      for (let p = start; p < start + length; p++)
        for (let d = 0; d < D; d++) {
          const k = p * 131 + step * 37 + b * 71 + h * 17 + d * 7 + salt * 53;
          data[i++] = ((k % 199) - 99) / 128;
        }
  return mx.array(data, 'float32', [B, H, length, D]);
}

export interface TensorRecord {
  shape: number[];
  sum?: number;
  weightedSum?: number;
  data?: number[];
  head?: number[];
  tail?: number[];
  bits?: string;
}

export type MaskRecord = null | 'causal' | TensorRecord;

function floats(a: mx.Array): Float64Array {
  const f = a.dtype === 'float32' ? a : a.astype('float32');
  try {
    return Float64Array.from(f.toTypedArray() as Float32Array);
  } finally {
    if (f !== a) f.dispose();
  }
}

/** Equal to mlx-lm's tensor: shape, every value (or exact checksums plus head and tail for big ones). */
export function expectTensor(actual: mx.Array, expected: TensorRecord, label: string): void {
  expect(actual.shape, `${label} shape`).toEqual(expected.shape);
  const values = floats(actual);
  let sum = 0;
  let weighted = 0;
  for (let i = 0; i < values.length; i++) {
    sum += values[i];
    weighted += values[i] * ((i % 7) + 1);
  }
  const tolerance = (x: number) => 1e-9 * Math.max(1, Math.abs(x));
  expect(Math.abs(sum - expected.sum!), `${label} sum ${sum} vs ${expected.sum}`).toBeLessThanOrEqual(tolerance(expected.sum!));
  expect(Math.abs(weighted - expected.weightedSum!), `${label} weighted sum`).toBeLessThanOrEqual(tolerance(expected.weightedSum!));
  if (expected.data) {
    expect(Array.from(values), `${label} data`).toEqual(expected.data);
  } else {
    expect(Array.from(values.subarray(0, expected.head!.length)), `${label} head`).toEqual(expected.head);
    expect(Array.from(values.subarray(values.length - expected.tail!.length)), `${label} tail`).toEqual(expected.tail);
  }
}

function unpackBits(base64: string, count: number): number[] {
  const bytes = Buffer.from(base64, 'base64');
  return Array.from({ length: count }, (_, i) => (bytes[i >> 3] >> (7 - (i & 7))) & 1);
}

export function expectMask(actual: AttentionMask, expected: MaskRecord, label: string): void {
  if (expected === null || expected === 'causal') {
    expect(actual, label).toBe(expected);
    return;
  }
  expect(actual, `${label}: expected an array mask`).toBeInstanceOf(mx.Array);
  const mask = actual as mx.Array;
  expect(mask.dtype, `${label} dtype`).toBe('bool');
  expect(mask.shape, `${label} shape`).toEqual(expected.shape);
  const count = expected.shape.reduce((a, b) => a * b, 1);
  expect(Array.from(mask.toTypedArray() as Uint8Array), `${label} values`).toEqual(unpackBits(expected.bits!, count));
}

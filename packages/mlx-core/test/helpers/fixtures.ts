// Reads the numpy-made fixtures (test/fixtures/*.json, written by test/fixtures-gen/*.py) and
// compares mx arrays with their encoded arrays.
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { expect } from 'vitest';
import * as mx from '../../src/index.js';

export type JsonNumber = number | boolean | 'nan' | 'inf' | '-inf';

/** An array as the generators write it: flat row-major data (plus raw bits for float16/bfloat16). */
export interface EncodedArray {
  dtype: mx.Dtype;
  shape: number[];
  data: JsonNumber[];
  bits?: number[];
}

export function readFixture<T>(name: string): T {
  const path = fileURLToPath(new URL(`../fixtures/${name}`, import.meta.url));
  return JSON.parse(readFileSync(path, 'utf8')) as T;
}

export function decodeNumber(v: JsonNumber): number {
  if (v === 'nan') return Number.NaN;
  if (v === 'inf') return Number.POSITIVE_INFINITY;
  if (v === '-inf') return Number.NEGATIVE_INFINITY;
  return typeof v === 'boolean' ? (v ? 1 : 0) : v;
}

/** Builds the array from its raw data in the typed array of its dtype (half types from their bits). */
export function fromEncoded(e: EncodedArray): mx.Array {
  const values = e.data.map(decodeNumber);
  switch (e.dtype) {
    case 'float16':
    case 'bfloat16':
      return mx.array(Uint16Array.from(e.bits!), e.dtype, e.shape);
    case 'float32':
      return mx.array(Float32Array.from(values), undefined, e.shape);
    case 'float64':
      return mx.array(Float64Array.from(values), undefined, e.shape);
    case 'int32':
      return mx.array(Int32Array.from(values), undefined, e.shape);
    case 'uint32':
      return mx.array(Uint32Array.from(values), undefined, e.shape);
    case 'uint8':
      return mx.array(Uint8Array.from(values), undefined, e.shape);
    case 'int64':
      return mx.array(
        BigInt64Array.from(values, (v) => BigInt(v)),
        undefined,
        e.shape,
      );
    case 'bool':
      return mx.array(Uint8Array.from(values), 'bool', e.shape);
    default:
      throw new Error(`fixture dtype ${e.dtype} has no builder`);
  }
}

function flatten(list: mx.NestedNumbers): number[] {
  if (!Array.isArray(list)) return [typeof list === 'boolean' ? (list ? 1 : 0) : list];
  return list.flatMap((v) => flatten(v));
}

/** The array's values as JS numbers (booleans as 0/1), read through toList(). */
export function valuesOf(a: mx.Array): number[] {
  return flatten(a.toList());
}

/**
 * Expects `actual` to have the encoded dtype and shape and values within atol + rtol·|expected|
 * (NaN matches NaN, infinities must match exactly).
 */
export function expectArray(actual: mx.Array, expected: EncodedArray, rtol = 0, atol = 0, label = ''): void {
  expect(actual.dtype, `${label} dtype`).toBe(expected.dtype);
  expect(actual.shape, `${label} shape`).toEqual(expected.shape);
  expectValues(valuesOf(actual), expected.data.map(decodeNumber), rtol, atol, label);
}

export function expectValues(actual: ArrayLike<number>, expected: ArrayLike<number>, rtol = 0, atol = 0, label = ''): void {
  expect(actual.length, `${label} length`).toBe(expected.length);
  const bad: string[] = [];
  for (let i = 0; i < expected.length; i++) {
    const e = expected[i];
    const a = actual[i];
    const ok = Number.isNaN(e) ? Number.isNaN(a) : !Number.isFinite(e) ? a === e : Math.abs(a - e) <= atol + rtol * Math.abs(e);
    if (!ok && bad.length < 5) bad.push(`[${i}] got ${a}, expected ${e}`);
  }
  expect(bad, `${label} mismatches (rtol ${rtol}, atol ${atol})`).toEqual([]);
}

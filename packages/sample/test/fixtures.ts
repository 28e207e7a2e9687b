// Loads the reference fixtures written by fixtures-gen/make-sampling-fixtures.py (mlx-lm, numpy).
import { readFileSync } from 'node:fs';
import * as mx from '@mlx-ts/core';
import { expect } from 'vitest';

export type Row = (number | null)[];

export function loadFixture<T>(name: string): T {
  return JSON.parse(readFileSync(new URL(`./fixtures/${name}`, import.meta.url), 'utf8')) as T;
}

/** Rows with null for -inf, as float32 [B, V]. */
export function matrix(rows: Row[]): mx.Array {
  const flat = rows.flat().map((v) => (v === null ? -Infinity : v));
  return mx.array(Float32Array.from(flat), 'float32', [rows.length, rows[0].length]);
}

/** Exact -inf positions, finite values within `tolerance` (absolute). */
export function expectRowsClose(actual: mx.Array, expected: Row[], tolerance = 1e-6): void {
  expect(actual.shape).toEqual([expected.length, expected[0].length]);
  const values = actual.astype('float32').toTypedArray() as Float32Array;
  const width = expected[0].length;
  let worst = 0;
  expected.forEach((row, r) =>
    row.forEach((want, c) => {
      const got = values[r * width + c];
      if (want === null) {
        expect(got, `row ${r} token ${c} should be masked`).toBe(-Infinity);
      } else {
        expect(Number.isFinite(got), `row ${r} token ${c} should be kept (got ${got})`).toBe(true);
        worst = Math.max(worst, Math.abs(got - want));
      }
    }),
  );
  expect(worst).toBeLessThanOrEqual(tolerance);
}

export function ids(a: mx.Array): number[] {
  return Array.from(a.toTypedArray() as Int32Array);
}

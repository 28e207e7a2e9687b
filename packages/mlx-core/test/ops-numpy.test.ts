// Every op of src/ops.ts against numpy (test/fixtures/ops.json, made by
// test/fixtures-gen/make-op-fixtures.py).
import { describe, expect, it } from 'vitest';
import * as mx from '../src/index.js';
import * as opsModule from '../src/ops.js';
import { type EncodedArray, decodeNumber, expectArray, expectValues, fromEncoded, readFixture, valuesOf } from './helpers/fixtures.js';
import { opTable, propertyOps } from './helpers/op-table.js';
import { productTolerance } from './helpers/tolerance.js';

interface OpCase {
  name: string;
  op: string;
  inputs: EncodedArray[];
  params: Record<string, unknown>;
  expected: EncodedArray | EncodedArray[];
  rtol: number;
  atol: number;
}

const { cases } = readFixture<{ cases: OpCase[] }>('ops.json');

// Matrix products: their tolerance depends on the device's float32 products (helpers/tolerance.ts).
const productCase = (op: string) => op === 'matmul' || op === 'addmm';

/** The terms summed times the largest |a·b| of one term (scaled by addmm's alpha). */
function productScale(op: string, inputs: EncodedArray[], params: Record<string, unknown>): number {
  const [a, b] = op === 'addmm' ? inputs.slice(1) : inputs;
  const largest = (e: EncodedArray) => Math.max(...e.data.map((v) => Math.abs(decodeNumber(v))));
  const alpha = op === 'addmm' ? Math.abs(Number(params.alpha ?? 1)) : 1;
  return alpha * a.shape[a.shape.length - 1] * largest(a) * largest(b);
}

function rows(values: number[], shape: number[]): number[][] {
  const width = shape[shape.length - 1];
  const out: number[][] = [];
  for (let i = 0; i < values.length; i += width) out.push(values.slice(i, i + width));
  return out;
}

function expectPartitioned(row: number[], sortedRow: number[], kth: number): void {
  expect([...row].sort((p, q) => p - q)).toEqual(sortedRow);
  expect(row[kth]).toBe(sortedRow[kth]);
  for (let i = 0; i < kth; i++) expect(row[i]).toBeLessThanOrEqual(row[kth]);
  for (let i = kth + 1; i < row.length; i++) expect(row[i]).toBeGreaterThanOrEqual(row[kth]);
}

describe('ops match numpy', () => {
  for (const c of cases.filter((c) => !propertyOps.has(c.op))) {
    it(c.name, () => {
      mx.tidy(() => {
        const inputs = c.inputs.map(fromEncoded);
        const result = opTable[c.op](inputs, c.params);
        const expected = Array.isArray(c.expected) ? c.expected : [c.expected];
        const actual = Array.isArray(result) ? result : [result];
        expect(actual.length).toBe(expected.length);
        const { rtol, atol } = productCase(c.op)
          ? productTolerance(mx.defaultDevice(), { rtol: c.rtol, atol: c.atol }, productScale(c.op, c.inputs, c.params))
          : c;
        actual.forEach((a, i) => expectArray(a, expected[i], rtol, atol, `${c.name}[${i}]`));
      });
    });
  }
});

describe('ops whose output order is unspecified', () => {
  const byOp = (op: string) => cases.filter((c) => c.op === op);

  for (const c of byOp('partition')) {
    it(c.name, () => {
      mx.tidy(() => {
        const kth = c.params.kth as number;
        const out = mx.partition(fromEncoded(c.inputs[0]), kth);
        const expected = c.expected as EncodedArray;
        expect(out.shape).toEqual(expected.shape);
        const sorted = rows(expected.data.map(decodeNumber), expected.shape);
        rows(valuesOf(out), out.shape).forEach((row, r) => expectPartitioned(row, sorted[r], kth));
      });
    });
  }

  for (const c of byOp('argpartition')) {
    it(c.name, () => {
      mx.tidy(() => {
        const kth = c.params.kth as number;
        const input = fromEncoded(c.inputs[0]);
        const idx = mx.argpartition(input, kth);
        expect(idx.dtype).toBe('uint32');
        const gathered = rows(valuesOf(mx.takeAlongAxis(input, idx, -1)), input.shape);
        const expected = c.expected as EncodedArray;
        const sorted = rows(expected.data.map(decodeNumber), expected.shape);
        gathered.forEach((row, r) => expectPartitioned(row, sorted[r], kth));
      });
    });
  }

  for (const c of byOp('topk')) {
    it(c.name, () => {
      mx.tidy(() => {
        const out = mx.topk(fromEncoded(c.inputs[0]), c.params.k as number);
        const expected = c.expected as EncodedArray;
        expect(out.shape).toEqual(expected.shape);
        const got = rows(valuesOf(out), out.shape).map((r) => r.sort((p, q) => p - q));
        expectValues(got.flat(), expected.data.map(decodeNumber));
      });
    });
  }
});

describe('fixture coverage', () => {
  it('every op exported by src/ops.ts has a numpy case', () => {
    const internal = new Set(['handleOf', 'withHandle']);
    // Fixture op names that call an export under another name.
    const aliases: Record<string, string> = {
      contiguousOfTranspose: 'contiguous',
      takeScalar: 'take',
      whereScalars: 'where',
      clipArrays: 'clip',
      fullArray: 'full',
    };
    const covered = new Set(cases.map((c) => aliases[c.op] ?? c.op));
    const exported = Object.entries(opsModule)
      .filter(([name, v]) => typeof v === 'function' && !internal.has(name))
      .map(([name]) => name);
    expect(exported.length).toBeGreaterThan(100);
    expect(exported.filter((name) => !covered.has(name))).toEqual([]);
  });
});

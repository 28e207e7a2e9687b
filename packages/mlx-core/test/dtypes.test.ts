// Per-dtype arithmetic, bfloat16/float16 bits in and out, and weakly typed JS numbers, against
// numpy and ml_dtypes (test/fixtures/dtypes.json, made by test/fixtures-gen/make-dtype-fixtures.py).
import { describe, expect, it } from 'vitest';
import * as mx from '../src/index.js';
import { type EncodedArray, decodeNumber, expectArray, fromEncoded, readFixture } from './helpers/fixtures.js';
import { opTable } from './helpers/op-table.js';

interface ArithmeticCase {
  name: string;
  dtype: mx.Dtype;
  op: string;
  inputs: EncodedArray[];
  params: Record<string, unknown>;
  expected: EncodedArray;
  rtol: number;
  atol: number;
}

interface WeakCase {
  name: string;
  op: 'add' | 'subtract' | 'multiply' | 'divide';
  input: EncodedArray;
  scalar: number;
  scalarFirst: boolean;
  expected: EncodedArray;
  rtol: number;
}

const fixture = readFixture<{
  roundTrips: Record<'float32' | 'float16' | 'bfloat16', EncodedArray>;
  arithmetic: ArithmeticCase[];
  weakScalars: WeakCase[];
}>('dtypes.json');

const f32 = fixture.roundTrips.float32.data.map(decodeNumber);

describe.each(['bfloat16', 'float16'] as const)('%s round trips', (dtype) => {
  const expected = fixture.roundTrips[dtype];
  const bits = expected.bits!;
  const isNan = expected.data.map((v) => v === 'nan');

  function expectBits(actual: Uint16Array): void {
    expect(actual.length).toBe(bits.length);
    const bad: string[] = [];
    actual.forEach((b, i) => {
      // NaN payloads may differ; any NaN pattern (all exponent bits, non-zero mantissa) is fine.
      const ok = isNan[i] ? (b & 0x7fff) > (dtype === 'bfloat16' ? 0x7f80 : 0x7c00) : b === bits[i];
      if (!ok) bad.push(`[${i}] ${f32[i]} -> 0x${b.toString(16)}, expected 0x${bits[i].toString(16)}`);
    });
    expect(bad).toEqual([]);
  }

  it('float32 -> astype rounds to the same bits as the reference (ties to even, overflow to inf)', () => {
    mx.tidy(() => {
      const out = mx.array(Float32Array.from(f32)).astype(dtype).toTypedArray();
      expect(out).toBeInstanceOf(Uint16Array);
      expectBits(out as Uint16Array);
    });
  });

  it('mx.array(numbers, dtype) gives the same bits', () => {
    mx.tidy(() => expectBits(mx.array(f32, dtype).toTypedArray() as Uint16Array));
  });

  it('raw bits in -> the same bits out, and the exact values via toList() and float32', () => {
    mx.tidy(() => {
      const a = mx.array(Uint16Array.from(bits), dtype);
      expect(a.dtype).toBe(dtype);
      expect(a.shape).toEqual([bits.length]);
      expect(Array.from(a.toTypedArray() as Uint16Array)).toEqual(bits);
      const values = expected.data.map(decodeNumber);
      expect(a.toList()).toEqual(values);
      expect(Array.from(a.astype('float32').toTypedArray() as Float32Array)).toEqual(values);
    });
  });

  it('item() of a single element', () => {
    mx.tidy(() => {
      const i = f32.indexOf(-2.5);
      const a = mx.array(Uint16Array.of(bits[i]), dtype, []);
      expect(a.ndim).toBe(0);
      expect(a.item()).toBe(-2.5);
    });
  });

  it('a shaped array from bits keeps its shape', () => {
    mx.tidy(() => {
      const a = mx.array(Uint16Array.from(bits.slice(0, 12)), dtype, [3, 4]);
      expect(a.shape).toEqual([3, 4]);
      expect(a.nbytes).toBe(24);
      expect((a.toList() as number[][])[2][3]).toBe(decodeNumber(expected.data[11]));
    });
  });
});

describe('arithmetic per dtype matches numpy', () => {
  for (const c of fixture.arithmetic) {
    it(c.name, () => {
      mx.tidy(() => {
        const out = opTable[c.op](c.inputs.map(fromEncoded), c.params) as mx.Array;
        expectArray(out, c.expected, c.rtol, c.atol, c.name);
        if (c.expected.dtype === 'int64') {
          // Exact 64-bit values through the BigInt64Array view too.
          expect(Array.from(out.toTypedArray() as BigInt64Array)).toEqual(c.expected.data.map((v) => BigInt(v as number)));
        }
      });
    });
  }
});

describe('JS numbers are weakly typed: the array keeps its dtype', () => {
  for (const c of fixture.weakScalars) {
    it(c.name, () => {
      mx.tidy(() => {
        const a = fromEncoded(c.input);
        const fn = mx[c.op] as (x: mx.ArrayOrScalar, y: mx.ArrayOrScalar) => mx.Array;
        const out = c.scalarFirst ? fn(c.scalar, a) : fn(a, c.scalar);
        expectArray(out, c.expected, c.rtol, 0, c.name);
      });
    });
  }

  it('Array methods and where/clip/full follow the same rule', () => {
    mx.tidy(() => {
      const h = mx.array([1, 2], 'float16');
      expect(h.add(0.5).dtype).toBe('float16');
      expect(mx.where(mx.array([true, false]), h, 0).dtype).toBe('float16');
      expect(mx.clip(h, 0, 1.5).dtype).toBe('float16');
      const i = mx.array([1, 2], 'int32');
      expect(i.multiply(3).dtype).toBe('int32');
      expect(i.multiply(3).toList()).toEqual([3, 6]);
      expect(mx.maximum(i, 1.5).dtype).toBe('float32');
      expect(mx.full([2], 7).dtype).toBe('float32');
      expect(mx.scalar(3, 'int32').add(mx.scalar(2, 'int32')).item()).toBe(5);
    });
  });
});

describe('dtype defaults of mx.array', () => {
  it('numbers give float32, booleans bool, typed arrays their own dtype', () => {
    mx.tidy(() => {
      expect(mx.array([1, 2, 3]).dtype).toBe('float32');
      expect(mx.array([[true, false]]).dtype).toBe('bool');
      expect(mx.array(Int32Array.of(1, 2)).dtype).toBe('int32');
      expect(mx.array(Uint8Array.of(1, 2)).dtype).toBe('uint8');
      expect(mx.array(BigInt64Array.of(1n, 2n)).dtype).toBe('int64');
      expect(mx.array(Uint16Array.of(1, 2)).dtype).toBe('uint16');
      expect(mx.array(Float64Array.of(1, 2)).dtype).toBe('float64');
      expect(mx.array(3).dtype).toBe('float32');
      expect(mx.array(true).dtype).toBe('bool');
    });
  });

  it('typed arrays round-trip exactly for every integer dtype', () => {
    mx.tidy(() => {
      const cases: [ArrayLike<number | bigint>, mx.Dtype][] = [
        [Int32Array.of(-2147483648, 0, 2147483647), 'int32'],
        [Uint32Array.of(0, 4294967295, 123), 'uint32'],
        [Uint8Array.of(0, 255, 7), 'uint8'],
        [Int8Array.of(-128, 127, 0), 'int8'],
        [Int16Array.of(-32768, 32767, 1), 'int16'],
        [BigInt64Array.of(-(2n ** 63n), 2n ** 63n - 1n, 5n), 'int64'],
        [BigUint64Array.of(2n ** 64n - 1n, 0n, 9n), 'uint64'],
      ];
      for (const [data, dtype] of cases) {
        const a = mx.array(data as unknown as Int32Array);
        expect(a.dtype).toBe(dtype);
        expect(Array.from(a.toTypedArray() as unknown as ArrayLike<number>)).toEqual(Array.from(data as ArrayLike<number>));
      }
    });
  });
});

// Safetensors interoperability with Python's safetensors (the reference implementation), and
// malformed files that must give MlxError instead of crashing.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import * as mx from '../src/index.js';
import { runPythonJson } from './helpers/python.js';

interface Described {
  tensors: Record<string, { dtype: string; shape: number[]; hex: string }>;
  metadata: Record<string, string>;
}

const headerDtype: Record<string, mx.Dtype> = {
  F32: 'float32',
  F16: 'float16',
  BF16: 'bfloat16',
  I32: 'int32',
  U8: 'uint8',
  I64: 'int64',
  U32: 'uint32',
  BOOL: 'bool',
};

const dir = mkdtempSync(join(tmpdir(), 'mlx-ts-safetensors-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const hexOf = (a: mx.Array) => Buffer.from((a.toTypedArray() as Uint8Array).buffer).toString('hex');

describe('safetensors written by Python', () => {
  it('are read back exactly: dtypes, shapes, bytes and metadata', () => {
    const path = join(dir, 'from-python.safetensors');
    const written = runPythonJson<Described>('safetensors-oracle.py', 'write', path);
    expect(Object.keys(written.tensors).length).toBeGreaterThanOrEqual(9);
    mx.tidy(() => {
      const { arrays, metadata } = mx.io.loadSafetensors(path);
      expect(Object.keys(arrays).sort()).toEqual(Object.keys(written.tensors).sort());
      for (const [name, t] of Object.entries(written.tensors)) {
        const a = arrays[name];
        expect(a.dtype, name).toBe(headerDtype[t.dtype]);
        expect(a.shape, name).toEqual(t.shape);
        expect(hexOf(a), name).toBe(t.hex);
      }
      expect(metadata).toEqual(written.metadata);
      expect(metadata.note).toBe('unicode ✓ and "quotes"');
    });
  });
});

describe('safetensors written by saveSafetensors', () => {
  it('are read back exactly by Python', () => {
    const path = join(dir, 'from-mlx-ts.safetensors');
    const inputs: Record<string, [ArrayBufferView, mx.Dtype | undefined, number[]]> = {
      f32: [Float32Array.of(1.5, -2.25, 3.0e-8, 1e30, -0, 7), undefined, [2, 3]],
      f16: [Uint16Array.of(0x3c00, 0xc100, 0x7bff, 0x0001), 'float16', [4]],
      bf16: [Uint16Array.of(0x3f80, 0xc020, 0x7f7f, 0x0001, 0x4049, 0xbf00), 'bfloat16', [3, 2]],
      i32: [Int32Array.of(-2147483648, 2147483647, 0, -1), undefined, [2, 2]],
      u8: [Uint8Array.of(0, 1, 254, 255), undefined, [4]],
      i64: [BigInt64Array.of(-(2n ** 62n), 2n ** 40n + 1n), undefined, [2]],
      u32: [Uint32Array.of(4294967295, 0, 65536), undefined, [3]],
      mask: [Uint8Array.of(1, 0, 1), 'bool', [3]],
      scalar: [Float32Array.of(3.5), undefined, []],
    };
    const metadata = { format: 'mlx', note: 'unicode ✓ and "quotes"', empty: '' };
    const expected: Described['tensors'] = {};
    const headerName = (dtype: mx.Dtype) => Object.entries(headerDtype).find(([, d]) => d === dtype)![0];
    mx.tidy(() => {
      const arrays: Record<string, mx.Array> = {};
      for (const [name, [data, dtype, shape]] of Object.entries(inputs)) {
        arrays[name] = mx.array(data as Float32Array, dtype, shape);
        expected[name] = {
          dtype: headerName(arrays[name].dtype),
          shape,
          hex: Buffer.from(data.buffer, data.byteOffset, data.byteLength).toString('hex'),
        };
      }
      mx.io.saveSafetensors(path, arrays, metadata);
    });
    const read = runPythonJson<Described>('safetensors-oracle.py', 'read', path);
    expect(read.tensors).toEqual(expected);
    expect(read.metadata).toEqual(metadata);
  });

  it('a computed (lazy, strided) array is written in row-major order', () => {
    const path = join(dir, 'transposed.safetensors');
    mx.tidy(() => {
      const t = mx.transpose(mx.array(Int32Array.of(1, 2, 3, 4, 5, 6), undefined, [2, 3]));
      mx.io.saveSafetensors(path, { t });
    });
    const read = runPythonJson<Described>('safetensors-oracle.py', 'read', path);
    expect(read.tensors.t.shape).toEqual([3, 2]);
    expect(read.tensors.t.hex).toBe(Buffer.from(Int32Array.of(1, 4, 2, 5, 3, 6).buffer).toString('hex'));
  });
});

describe('malformed safetensors', () => {
  function file(header: unknown, data: Buffer): Buffer {
    const h = Buffer.from(typeof header === 'string' ? header : JSON.stringify(header));
    const len = Buffer.alloc(8);
    len.writeBigUInt64LE(BigInt(h.length));
    return Buffer.concat([len, h, data]);
  }
  const f32x4 = (offsets: number[]) => ({ a: { dtype: 'F32', shape: [4], data_offsets: offsets } });
  const cases: Record<string, Buffer> = {
    'truncated data': file(f32x4([0, 16]), Buffer.alloc(6)),
    'header JSON cut short': file('{"a": {"dtype": "F32", ', Buffer.alloc(16)),
    'header length past the end of the file': (() => {
      const b = file(f32x4([0, 16]), Buffer.alloc(16));
      b.writeBigUInt64LE(1n << 40n, 0);
      return b;
    })(),
    'offsets that disagree with shape and dtype': file(f32x4([0, 10]), Buffer.alloc(16)),
    'offsets past the end of the file': file(f32x4([1000, 1016]), Buffer.alloc(16)),
    'reversed offsets': file(f32x4([16, 0]), Buffer.alloc(16)),
    'missing offsets': file({ a: { dtype: 'F32', shape: [4] } }, Buffer.alloc(16)),
    'unknown dtype': file({ a: { dtype: 'Q7', shape: [4], data_offsets: [0, 16] } }, Buffer.alloc(16)),
    'negative dimension': file({ a: { dtype: 'F32', shape: [-4], data_offsets: [0, 16] } }, Buffer.alloc(16)),
    'shape that is not a list': file({ a: { dtype: 'F32', shape: 4, data_offsets: [0, 16] } }, Buffer.alloc(16)),
    'header that is not an object': file('[1,2,3]', Buffer.alloc(0)),
    'metadata value that is not a string': file({ __metadata__: { k: 1 }, ...f32x4([0, 16]) }, Buffer.alloc(16)),
    'three bytes': Buffer.from([1, 2, 3]),
    'empty file': Buffer.alloc(0),
  };
  for (const [name, bytes] of Object.entries(cases)) {
    it(`${name} -> MlxError`, () => {
      const path = join(dir, `${name.replaceAll(' ', '-')}.safetensors`);
      writeFileSync(path, bytes);
      mx.tidy(() => {
        expect(() => {
          const { arrays } = mx.io.loadSafetensors(path);
          mx.eval(arrays);
        }).toThrow(mx.MlxError);
      });
    });
  }

  it('a missing file -> MlxError naming it', () => {
    expect(() => mx.io.loadSafetensors(join(dir, 'nope.safetensors'))).toThrow(/nope\.safetensors/);
    expect(() => mx.io.loadSafetensors(join(dir, 'nope.safetensors'))).toThrow(mx.MlxError);
  });

  it('a non-string path -> TypeError', () => {
    expect(() => mx.io.loadSafetensors(42 as unknown as string)).toThrow(TypeError);
    expect(() => mx.io.saveSafetensors(42 as unknown as string, {})).toThrow(TypeError);
  });

  it('a valid file of the same shape still loads (the cases above fail for their defect only)', () => {
    const path = join(dir, 'valid.safetensors');
    writeFileSync(path, file(f32x4([0, 16]), Buffer.from(Float32Array.of(1, 2, 3, 4).buffer)));
    mx.tidy(() => expect(mx.io.loadSafetensors(path).arrays.a.toList()).toEqual([1, 2, 3, 4]));
  });
});

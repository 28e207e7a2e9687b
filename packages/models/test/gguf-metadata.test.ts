// Every metadata value type, read back from a GGUF written by gguf-py's GGUFWriter and compared
// with what gguf.GGUFReader reads (tools/fixtures/models/make-gguf-quant-blocks.py).
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { openGguf, toFloat32Values, type GgufValue } from '../src/gguf/index.js';
import { base64Bytes, readFixture } from './helpers/fixtures.js';

type Plain = number | boolean | string | { bigint: string } | Plain[];
interface MetadataFixture {
  metadataFile: {
    file: string;
    version: number;
    dataOffset: number;
    alignment: number;
    metadata: Record<string, { type: string; value: Plain }>;
    tensors: { name: string; type: string; ggmlDims: number[]; fileOffset: number; byteLength: number; values: number[] }[];
  };
}

const { metadataFile: expected } = readFixture<MetadataFixture>('gguf-quant-blocks.json');
const folder = mkdtempSync(join(tmpdir(), 'gguf-metadata-'));
afterAll(() => rmSync(folder, { recursive: true, force: true }));

/** Our value in the fixture's JSON form (bigints beyond 2^53 as {bigint}). */
function plain(value: GgufValue): Plain {
  if (typeof value === 'bigint')
    return value > BigInt(Number.MAX_SAFE_INTEGER) || value < BigInt(Number.MIN_SAFE_INTEGER) ? { bigint: value.toString() } : Number(value);
  if (ArrayBuffer.isView(value)) return Array.from(value as ArrayLike<number | bigint>, (v) => plain(v as GgufValue));
  if (Array.isArray(value)) return value.map((v) => plain(v as GgufValue));
  return value as Plain;
}

describe('metadata of every value type', () => {
  it('matches gguf.GGUFReader key by key, with types', async () => {
    const path = join(folder, 'metadata.gguf');
    writeFileSync(path, base64Bytes(expected.file));
    await using file = await openGguf(path);
    expect(file.version).toBe(expected.version);
    expect(file.alignment).toBe(expected.alignment);
    expect(file.dataOffset).toBe(expected.dataOffset);
    expect(Object.keys(file.metadata)).toEqual(Object.keys(expected.metadata));
    for (const [key, { type, value }] of Object.entries(expected.metadata)) {
      expect(file.metadataTypes[key], key).toBe(type);
      if (type.startsWith('array<array')) {
        // gguf-py flattens nested arrays when reading; we keep the nesting. (The cast keeps TS from
        // expanding flat()'s recursive type to unbounded depth; at run time Infinity flattens fully.)
        expect((plain(file.metadata[key]!) as unknown[]).flat(Infinity as 1), key).toEqual(value);
      } else {
        expect(plain(file.metadata[key]!), key).toEqual(value);
      }
    }
    expect(file.metadata['t.array_nested']).toEqual([new Int32Array([1, 2]), new Int32Array([3])]);
    // Typed arrays for numeric arrays, so the tokenizer can take scores/types without copying.
    expect(file.metadata['t.array_float32']).toBeInstanceOf(Float32Array);
    expect(file.metadata['t.array_int32']).toBeInstanceOf(Int32Array);
    expect(file.metadata['t.array_string']).toEqual(['<pad>', '▁the', '', '日本', '\uFEFF//']);

    expect(file.tensors.length).toBe(expected.tensors.length);
    for (const [i, want] of expected.tensors.entries()) {
      const info = file.tensors[i]!;
      expect([info.name, info.type, info.ggmlDims, info.fileOffset, info.byteLength]).toEqual([
        want.name,
        want.type,
        want.ggmlDims,
        want.fileOffset,
        want.byteLength,
      ]);
      expect(Array.from(toFloat32Values(await file.readTensor(info.name)))).toEqual(want.values);
    }
  });
});

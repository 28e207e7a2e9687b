// The real Gemma 3 270M Q4_K_M GGUF against what gguf-py reads from it
// (tools/fixtures/models/make-gguf-gemma3-270m.py). Needs `bash tools/setup-test-data.sh`.
import { createHash } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dequantizeAffine, openGguf, toFloat32Values, type GgufFile, type GgufValue } from '../src/gguf/index.js';
import { readFixture } from './helpers/fixtures.js';
import { requireModelData } from './helpers/model-data.js';

interface Summary {
  sha256: string;
  sum: number;
  samples: [number, number][];
}
interface Gemma3Fixture {
  fileSize: number;
  version: number;
  tensorCount: number;
  keyValueCount: number;
  alignment: number;
  dataOffset: number;
  metadata: Record<string, { type: string; value?: unknown; length?: number; head?: unknown[]; tail?: unknown[]; sha256?: string }>;
  tensors: { name: string; type: string; ggmlDims: number[]; fileOffset: number; byteLength: number }[];
  sampled: Record<string, { type: string; shape?: number[]; rows?: ({ firstRow: number; rowCount: number } & Summary)[] } & Partial<Summary>>;
}

const expected = readFixture<Gemma3Fixture>('gguf-gemma3-270m.json');
let file: GgufFile;

beforeAll(async () => {
  file = await openGguf(requireModelData('gemma-3-270m-q4_k_m.gguf'));
});
afterAll(async () => {
  await file?.close();
});

function sha256(bytes: ArrayBufferView): string {
  return createHash('sha256')
    .update(new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength))
    .digest('hex');
}

function expectSummary(values: Float32Array, summary: Summary, what: string): void {
  expect(sha256(values), what).toBe(summary.sha256);
  let sum = 0;
  for (const v of values) sum += v;
  expect(sum, what).toBeCloseTo(summary.sum, 6);
  for (const [index, value] of summary.samples) expect(values[index], `${what}[${index}]`).toBe(value);
}

describe('Gemma 3 270M GGUF', () => {
  it('header matches gguf.GGUFReader', () => {
    expect(file.fileSize).toBe(expected.fileSize);
    expect(file.version).toBe(expected.version);
    expect(file.tensors.length).toBe(expected.tensorCount);
    expect(Object.keys(file.metadata).length).toBe(expected.keyValueCount);
    expect(file.alignment).toBe(expected.alignment);
    expect(file.dataOffset).toBe(expected.dataOffset);
  });

  it('every metadata key has gguf.GGUFReader type and value', () => {
    expect(Object.keys(file.metadata)).toEqual(Object.keys(expected.metadata));
    for (const [key, want] of Object.entries(expected.metadata)) {
      const value = file.metadata[key] as GgufValue;
      expect(file.metadataTypes[key], key).toBe(want.type);
      if (want.sha256 === undefined) {
        expect(ArrayBuffer.isView(value) ? Array.from(value as Float32Array) : value, key).toEqual(want.value);
        continue;
      }
      const list = value as ArrayLike<unknown> & ArrayBufferView;
      expect(list.length, key).toBe(want.length);
      const items = Array.from(list as ArrayLike<unknown>);
      expect(items.slice(0, 8), key).toEqual(want.head);
      expect(items.slice(-8), key).toEqual(want.tail);
      const digest =
        want.type === 'array<string>'
          ? createHash('sha256')
              .update((value as string[]).join('\0'), 'utf8')
              .digest('hex')
          : sha256(list);
      expect(digest, key).toBe(want.sha256);
    }
  });

  it('the tokenizer keys give what a Gemma 3 tokenizer needs', () => {
    const tokens = file.metadata['tokenizer.ggml.tokens'] as string[];
    expect(tokens[2]).toBe('<bos>');
    expect(tokens[106]).toBe('<end_of_turn>');
    expect(file.metadata['tokenizer.ggml.scores']).toBeInstanceOf(Float32Array);
    expect(file.metadata['tokenizer.ggml.token_type']).toBeInstanceOf(Int32Array);
  });

  it('the tensor table matches: names, types, dims, offsets, sizes; shapes are GGML dims reversed', () => {
    expect(file.tensors.length).toBe(expected.tensors.length);
    for (const [i, want] of expected.tensors.entries()) {
      const info = file.tensors[i]!;
      expect({ name: info.name, type: info.type, ggmlDims: info.ggmlDims, fileOffset: info.fileOffset, byteLength: info.byteLength }).toEqual(want);
      expect(info.shape).toEqual([...want.ggmlDims].reverse());
    }
    expect(file.tensor('blk.0.attn_q.weight')?.shape).toEqual([1024, 640]);
  });

  for (const [name, want] of Object.entries(expected.sampled)) {
    it(`${name} (${want.type}) dequantizes to gguf's values`, async () => {
      if (want.rows === undefined) {
        const tensor = await file.readTensor(name, { dequantize: true });
        expect(tensor.shape).toEqual(want.shape);
        expectSummary(toFloat32Values(tensor), want as Summary, name);
        return;
      }
      for (const part of want.rows) {
        const what = `${name} rows ${part.firstRow}+${part.rowCount}`;
        const dense = await file.readTensor(name, { dequantize: true, firstRow: part.firstRow, rowCount: part.rowCount });
        expect(dense.shape).toEqual([part.rowCount, file.tensor(name)!.shape[1]]);
        expectSummary(toFloat32Values(dense), part, what);
        // The default read keeps Q8_0 quantized (MLX affine); dequantized it gives the same values.
        const quantized = await file.readTensor(name, { firstRow: part.firstRow, rowCount: part.rowCount });
        if (quantized.kind !== 'affine-quantized') throw new Error(`${what}: expected affine`);
        const values = dequantizeAffine(quantized);
        for (const [index, value] of part.samples) expect(values[index], `${what}[${index}]`).toBe(value);
      }
    });
  }
});

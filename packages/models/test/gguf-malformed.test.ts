// Malformed and hostile GGUF files: every one must fail with a ModelLoadError that names the file
// and the problem — never a crash, a RangeError or a huge allocation.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ModelLoadError } from '../src/errors.js';
import { openGguf } from '../src/gguf/index.js';
import { buildGguf, concat, ggufString, keyValue, u32, u64, u8, V, validGguf } from './helpers/gguf-builder.js';

const folder = mkdtempSync(join(tmpdir(), 'gguf-malformed-'));
afterAll(() => rmSync(folder, { recursive: true, force: true }));
let counter = 0;

function writeTemp(bytes: Uint8Array): string {
  const path = join(folder, `case-${counter++}.gguf`);
  writeFileSync(path, bytes);
  return path;
}

/** Opens the bytes as a GGUF and returns the ModelLoadError it must throw. */
async function loadError(bytes: Uint8Array): Promise<ModelLoadError> {
  const path = writeTemp(bytes);
  const before = process.memoryUsage().arrayBuffers;
  try {
    const file = await openGguf(path);
    await file.close();
  } catch (error) {
    expect(ModelLoadError.isInstance(error), String(error)).toBe(true);
    const loadError = error as ModelLoadError;
    expect(loadError.file).toBe(path);
    expect(loadError.message).toContain(path);
    expect(loadError.fix.length).toBeGreaterThan(0);
    // A lying length or count must be refused before anything is allocated for it.
    expect(process.memoryUsage().arrayBuffers - before).toBeLessThan(64 * 1024 * 1024);
    return loadError;
  }
  throw new Error('expected a ModelLoadError, but the file opened');
}

const name = keyValue('general.architecture', V.string, ggufString('test'));

describe('a well-formed file', () => {
  it('opens and reads its tensors', async () => {
    const file = await openGguf(writeTemp(validGguf()));
    expect(file.version).toBe(3);
    expect(file.metadata['general.architecture']).toBe('test');
    expect(Array.from(file.metadata['test.ids'] as Int32Array)).toEqual([1, 2, 3]);
    expect(file.tensors.map((t) => [t.name, t.shape])).toEqual([
      ['a', [4]],
      ['b', [2, 3]],
    ]);
    const b = await file.readTensor('b');
    expect(b.kind === 'dense' && Array.from(b.data as Float32Array)).toEqual([5, 6, 7, 8, 9, 10]);
    const row = await file.readTensor('b', { firstRow: 1, rowCount: 1 });
    expect(row.shape).toEqual([1, 3]);
    expect(row.kind === 'dense' && Array.from(row.data as Float32Array)).toEqual([8, 9, 10]);
    await file.close();
  });
});

describe('malformed files fail with ModelLoadError', () => {
  it('a missing file', async () => {
    const error = await openGguf(join(folder, 'nope.gguf')).catch((e: unknown) => e);
    expect(ModelLoadError.isInstance(error)).toBe(true);
    expect((error as ModelLoadError).problem).toContain('does not exist');
  });

  it('every truncation of a valid file', async () => {
    const bytes = validGguf();
    for (let length = 0; length < bytes.length; length++) {
      // Cuts inside the data section leave a valid header, so the tensors must be caught as out of range.
      const error = await loadError(bytes.subarray(0, length));
      expect(error.problem).toMatch(/ends early|past the end|could hold/);
    }
  });

  it('bad magic', async () => {
    expect((await loadError(buildGguf({ magic: 0x4c4d4747 }))).problem).toContain('magic');
  });

  it('unsupported versions, and big-endian files', async () => {
    expect((await loadError(buildGguf({ version: 1 }))).problem).toContain('version 1');
    expect((await loadError(buildGguf({ version: 4 }))).problem).toContain('version 4');
    expect((await loadError(buildGguf({ version: 0x03000000 }))).problem).toContain('big-endian');
  });

  it('huge tensor and key counts', async () => {
    expect((await loadError(buildGguf({ tensorCount: 2n ** 63n }))).problem).toContain('tensor count');
    expect((await loadError(buildGguf({ keyValueCount: 2n ** 60n }))).problem).toContain('metadata key count');
    // The padding after the one real entry reads as an empty key: refused.
    expect((await loadError(buildGguf({ keyValues: [name], keyValueCount: 2n }))).problem).toMatch(/ends early|empty|could hold/);
  });

  it('lying string lengths', async () => {
    const lyingKey = concat(ggufString('general.name', 2n ** 60n));
    expect((await loadError(buildGguf({ keyValues: [lyingKey] }))).problem).toContain('length of metadata key');
    const lyingValue = keyValue('general.name', V.string, ggufString('x', 2n ** 62n));
    expect((await loadError(buildGguf({ keyValues: [lyingValue] }))).problem).toContain('length of metadata "general.name"');
    const lyingBy100 = keyValue('general.name', V.string, ggufString('abc', 103n));
    expect((await loadError(buildGguf({ keyValues: [lyingBy100] }))).problem).toMatch(/could hold/);
  });

  it('lying array lengths', async () => {
    const strings = keyValue('tokenizer.ggml.tokens', V.array, concat(u32(V.string), u64(2n ** 60n), ggufString('a')));
    expect((await loadError(buildGguf({ keyValues: [strings] }))).problem).toContain('element count');
    const floats = keyValue('tokenizer.ggml.scores', V.array, concat(u32(V.float32), u64(2n ** 62n)));
    expect((await loadError(buildGguf({ keyValues: [floats] }))).problem).toContain('element count');
    const nested = keyValue('x', V.array, concat(u32(V.array), u64(2n ** 40n)));
    expect((await loadError(buildGguf({ keyValues: [nested] }))).problem).toContain('element count');
    const justTooLong = keyValue('x', V.array, concat(u32(V.uint32), u64(1000n), u32(1)));
    expect((await loadError(buildGguf({ keyValues: [justTooLong] }))).problem).toMatch(/element count|ends early/);
  });

  it('arrays nested without end', async () => {
    let value = concat(u32(V.int32), u64(0));
    for (let i = 0; i < 20; i++) value = concat(u32(V.array), u64(1), value);
    expect((await loadError(buildGguf({ keyValues: [keyValue('deep', V.array, value)] }))).problem).toContain('nests arrays');
  });

  it('unknown value types, invalid bools, duplicate keys, bad alignment', async () => {
    expect((await loadError(buildGguf({ keyValues: [keyValue('x', 13, u32(0))] }))).problem).toContain('unknown value type 13');
    expect((await loadError(buildGguf({ keyValues: [keyValue('x', V.bool, u8(2))] }))).problem).toContain('bool');
    expect((await loadError(buildGguf({ keyValues: [name, name] }))).problem).toContain('appears twice');
    const alignment = keyValue('general.alignment', V.uint32, u32(48));
    expect((await loadError(buildGguf({ keyValues: [alignment] }))).problem).toContain('general.alignment');
  });

  it('unknown tensor types', async () => {
    const bytes = buildGguf({ tensors: [{ name: 'w', dims: [32], type: 99, offset: 0 }], data: new Uint8Array(32) });
    expect((await loadError(bytes)).problem).toContain('unknown GGML type 99');
  });

  it('bad dimension counts, and rows that are not whole blocks', async () => {
    const noDims = buildGguf({ tensors: [{ name: 'w', dims: [], type: 0, offset: 0 }], data: new Uint8Array(32) });
    expect((await loadError(noDims)).problem).toContain('0 dimensions');
    const fiveDims = buildGguf({ tensors: [{ name: 'w', dims: [1, 1, 1, 1, 1], type: 0, offset: 0 }], data: new Uint8Array(32) });
    expect((await loadError(fiveDims)).problem).toContain('5 dimensions');
    const partialBlock = buildGguf({ tensors: [{ name: 'w', dims: [48], type: 2, offset: 0 }], data: new Uint8Array(64) });
    expect((await loadError(partialBlock)).problem).toContain('block size 32');
    const huge = buildGguf({ tensors: [{ name: 'w', dims: [2n ** 40n, 2n ** 40n], type: 0, offset: 0 }], data: new Uint8Array(32) });
    expect((await loadError(huge)).problem).toContain('too many elements');
  });

  it('lying tensor offsets and sizes', async () => {
    const data = new Uint8Array(64);
    const pastEnd = buildGguf({ tensors: [{ name: 'w', dims: [4], type: 0, offset: 64 }], data });
    expect((await loadError(pastEnd)).problem).toContain('past the end');
    const hugeOffset = buildGguf({ tensors: [{ name: 'w', dims: [4], type: 0, offset: 2n ** 62n }], data });
    expect((await loadError(hugeOffset)).problem).toContain('offset of tensor "w"');
    const misaligned = buildGguf({ tensors: [{ name: 'w', dims: [4], type: 0, offset: 4 }], data });
    expect((await loadError(misaligned)).problem).toContain('alignment');
    const tooBig = buildGguf({ tensors: [{ name: 'w', dims: [1000], type: 0, offset: 0 }], data });
    expect((await loadError(tooBig)).problem).toContain('past the end');
    const overlapping = buildGguf({
      tensors: [
        { name: 'w', dims: [16], type: 0, offset: 0 },
        { name: 'v', dims: [4], type: 0, offset: 32 },
      ],
      data,
    });
    expect((await loadError(overlapping)).problem).toContain('overlap');
    const duplicate = buildGguf({
      tensors: [
        { name: 'w', dims: [4], type: 0, offset: 0 },
        { name: 'w', dims: [4], type: 0, offset: 32 },
      ],
      data,
    });
    expect((await loadError(duplicate)).problem).toContain('appears twice');
  });

  it('a type the parser knows but cannot decode fails when read, naming the tensor', async () => {
    // IQ2_XXS: 256 elements in 66 bytes.
    const path = writeTemp(buildGguf({ tensors: [{ name: 'iq', dims: [256], type: 16, offset: 0 }], data: new Uint8Array(96) }));
    const file = await openGguf(path);
    const error = await file.readTensor('iq').catch((e: unknown) => e);
    await file.close();
    expect(ModelLoadError.isInstance(error)).toBe(true);
    expect((error as ModelLoadError).problem).toContain('tensor "iq": tensors of type IQ2_XXS cannot be decoded');
  });

  it('asking for a tensor the file does not hold', async () => {
    const file = await openGguf(writeTemp(validGguf()));
    const error = await file.readTensor('missing').catch((e: unknown) => e);
    await file.close();
    expect(ModelLoadError.isInstance(error) && (error as ModelLoadError).problem).toContain('no tensor named "missing"');
  });
});

// Checks a safetensors file's header before MLX reads it, so a truncated or lying file is a
// ModelLoadError naming the problem instead of a failure deep inside evaluation.
import { type FileHandle, open } from 'node:fs/promises';
import { ModelLoadError } from '../errors.js';

const itemSizes: Record<string, number> = {
  BOOL: 1,
  U8: 1,
  I8: 1,
  F8_E4M3: 1,
  F8_E5M2: 1,
  F8_E8M0: 1,
  U16: 2,
  I16: 2,
  F16: 2,
  BF16: 2,
  U32: 4,
  I32: 4,
  F32: 4,
  U64: 8,
  I64: 8,
  F64: 8,
};
const MAX_HEADER = 100 * 1024 * 1024;

export interface SafetensorsTensorInfo {
  dtype: string;
  shape: number[];
}

export async function checkSafetensors(path: string): Promise<Map<string, SafetensorsTensorInfo>> {
  const fail = (problem: string): never => {
    throw new ModelLoadError({ file: path, problem, fix: 'The file is damaged or not a safetensors file: download or convert it again' });
  };
  let handle: FileHandle;
  try {
    handle = await open(path, 'r');
  } catch (cause) {
    throw new ModelLoadError({
      file: path,
      problem: `it cannot be opened (${(cause as NodeJS.ErrnoException).code ?? cause})`,
      fix: 'Check the path and its permissions',
      cause,
    });
  }
  try {
    const { size } = await handle.stat();
    if (size < 8) fail(`it is ${size} bytes long, too short for a safetensors header`);
    const prefix = Buffer.alloc(8);
    await handle.read(prefix, 0, 8, 0);
    const headerLength = prefix.readBigUInt64LE(0);
    if (headerLength > BigInt(Math.min(MAX_HEADER, size - 8)))
      fail(`its header claims ${headerLength} bytes but the file has ${size - 8} after the length field`);
    const headerBytes = Buffer.alloc(Number(headerLength));
    await handle.read(headerBytes, 0, headerBytes.length, 8);
    let header: Record<string, unknown>;
    try {
      header = JSON.parse(headerBytes.toString('utf8'));
    } catch {
      return fail('its header is not valid JSON');
    }
    if (typeof header !== 'object' || header === null || Array.isArray(header)) fail('its header is not a JSON object');
    const dataSize = size - 8 - Number(headerLength);
    const tensors = new Map<string, SafetensorsTensorInfo>();
    for (const [name, entry] of Object.entries(header)) {
      if (name === '__metadata__') continue;
      const e = entry as { dtype?: unknown; shape?: unknown; data_offsets?: unknown };
      if (typeof e?.dtype !== 'string' || !(e.dtype in itemSizes)) fail(`tensor "${name}" has unsupported dtype ${JSON.stringify(e?.dtype)}`);
      if (!Array.isArray(e.shape) || !e.shape.every((d) => Number.isSafeInteger(d) && d >= 0)) fail(`tensor "${name}" has an invalid shape`);
      if (!Array.isArray(e.data_offsets) || e.data_offsets.length !== 2 || !e.data_offsets.every((d) => Number.isSafeInteger(d) && d >= 0)) {
        fail(`tensor "${name}" has invalid data_offsets`);
      }
      const [begin, end] = e.data_offsets as [number, number];
      const shape = e.shape as number[];
      const expected = shape.reduce((a, b) => a * b, 1) * itemSizes[e.dtype as string];
      if (end < begin || end - begin !== expected) fail(`tensor "${name}" spans ${end - begin} bytes but its shape and dtype need ${expected}`);
      if (end > dataSize) fail(`tensor "${name}" ends at byte ${end} of the data section, past its end (${dataSize}); the file is truncated`);
      tensors.set(name, { dtype: e.dtype as string, shape });
    }
    return tensors;
  } finally {
    await handle.close();
  }
}

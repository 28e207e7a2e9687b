import type { FileHandle } from 'node:fs/promises';
import { BoundedFileReader } from './bounded-file-reader.js';
import { ggmlTypeById, type GgmlTypeName } from './ggml-types.js';
import { checkedCount, GgufFormatProblem, readString, readValue, valueTypeName, type GgufMetadata } from './gguf-metadata.js';

/** One tensor's entry in the GGUF tensor table. */
export interface GgufTensorInfo {
  name: string;
  /** GGML type name, e.g. 'Q4_K'. */
  type: GgmlTypeName;
  /** GGML type id as stored in the file. */
  typeId: number;
  /** Dimensions in GGML order: dims[0] is the contiguous (innermost) one. */
  ggmlDims: number[];
  /** Dimensions in row-major order (GGML's reversed), e.g. [out, in] for a weight matrix. */
  shape: number[];
  elementCount: number;
  /** Absolute position of the tensor's first byte in the file. */
  fileOffset: number;
  byteLength: number;
}

export interface GgufHeader {
  version: number;
  metadata: GgufMetadata;
  /** Value type of every metadata key, e.g. 'uint32', 'string', 'array<string>'. */
  metadataTypes: Record<string, string>;
  tensors: GgufTensorInfo[];
  alignment: number;
  /** Absolute position where tensor data starts. */
  dataOffset: number;
  fileSize: number;
}

const magic = 0x46554747; // 'GGUF' read as a little-endian uint32
const maxDims = 4; // GGML_MAX_DIMS
const defaultAlignment = 32;
/** name length (8) + dim count (4) + type (4) + offset (8): the least a tensor entry takes. */
const minTensorInfoBytes = 24;
/** key length (8) + value type (4) + the smallest value (1). */
const minKeyValueBytes = 13;

function byteSwap32(value: number): number {
  return (((value & 0xff) << 24) | ((value & 0xff00) << 8) | ((value >>> 8) & 0xff00) | ((value >>> 24) & 0xff)) >>> 0;
}

/**
 * Parses everything before the tensor data: header, metadata, tensor table. Every count, length
 * and offset is checked against the file size before it is used, so a corrupt or hostile file
 * fails with a GgufFormatProblem instead of allocating or reading out of range.
 */
export async function readGgufHeader(handle: FileHandle, fileSize: number): Promise<GgufHeader> {
  const reader = new BoundedFileReader(handle, fileSize, (needed, position) => {
    throw new GgufFormatProblem(`the file ends early: ${needed} more bytes needed at byte ${position} but the file has ${fileSize} bytes`);
  });

  await reader.need(8);
  const fileMagic = reader.u32();
  if (fileMagic !== magic) {
    throw new GgufFormatProblem(`it does not start with the GGUF magic (found 0x${fileMagic.toString(16).padStart(8, '0')})`);
  }
  const version = reader.u32();
  if (version !== 2 && version !== 3) {
    const swapped = byteSwap32(version);
    if (swapped === 2 || swapped === 3) throw new GgufFormatProblem(`it is a big-endian GGUF (version ${swapped}), only little-endian is supported`);
    throw new GgufFormatProblem(`GGUF version ${version} is not supported (versions 2 and 3 are)`);
  }

  await reader.need(16);
  const tensorCount = checkedCount(reader.u64(), Math.floor(reader.remaining / minTensorInfoBytes), 'tensor count');
  const keyValueCount = checkedCount(reader.u64(), Math.floor(reader.remaining / minKeyValueBytes), 'metadata key count');

  const metadata: GgufMetadata = Object.create(null);
  const metadataTypes: Record<string, string> = Object.create(null);
  for (let i = 0; i < keyValueCount; i++) {
    const key = await readString(reader, `metadata key #${i}`);
    if (key.length === 0) throw new GgufFormatProblem(`metadata key #${i} is empty`);
    if (key in metadata) throw new GgufFormatProblem(`metadata key "${key}" appears twice`);
    await reader.need(4);
    const type = valueTypeName(reader.u32(), `metadata key "${key}"`);
    const { value, typeName } = await readValue(reader, type, `metadata "${key}"`);
    metadata[key] = value;
    metadataTypes[key] = typeName;
  }

  let alignment = defaultAlignment;
  if ('general.alignment' in metadata) {
    const value = metadata['general.alignment'];
    if (metadataTypes['general.alignment'] !== 'uint32' || typeof value !== 'number' || value === 0 || (value & (value - 1)) !== 0) {
      throw new GgufFormatProblem(`general.alignment must be a uint32 power of two, found ${String(value)}`);
    }
    alignment = value;
  }

  const tensors: GgufTensorInfo[] = [];
  const seen = new Set<string>();
  for (let i = 0; i < tensorCount; i++) {
    const name = await readString(reader, `tensor name #${i}`);
    if (seen.has(name)) throw new GgufFormatProblem(`tensor "${name}" appears twice`);
    seen.add(name);
    await reader.need(4);
    const dimCount = reader.u32();
    if (dimCount < 1 || dimCount > maxDims) throw new GgufFormatProblem(`tensor "${name}" has ${dimCount} dimensions (1 to ${maxDims} allowed)`);
    await reader.need(8 * dimCount + 12);
    const ggmlDims: number[] = [];
    let elementCount = 1;
    for (let d = 0; d < dimCount; d++) {
      const dim = checkedCount(reader.u64(), Number.MAX_SAFE_INTEGER, `dimension ${d} of tensor "${name}"`);
      ggmlDims.push(dim);
      elementCount *= dim;
      if (!Number.isSafeInteger(elementCount)) throw new GgufFormatProblem(`tensor "${name}" has too many elements`);
    }
    const typeId = reader.u32();
    const type = ggmlTypeById(typeId);
    if (type === undefined) throw new GgufFormatProblem(`tensor "${name}" has unknown GGML type ${typeId}`);
    if (ggmlDims[0]! % type.blockSize !== 0) {
      throw new GgufFormatProblem(
        `tensor "${name}" of type ${type.name} has a row of ${ggmlDims[0]} elements, not a multiple of its block size ${type.blockSize}`,
      );
    }
    const byteLength = (elementCount / type.blockSize) * type.typeSize;
    const offset = checkedCount(reader.u64(), fileSize, `offset of tensor "${name}"`);
    if (offset % alignment !== 0) throw new GgufFormatProblem(`tensor "${name}" starts at data offset ${offset}, not a multiple of the alignment ${alignment}`);
    tensors.push({
      name,
      type: type.name,
      typeId,
      ggmlDims,
      shape: [...ggmlDims].reverse(),
      elementCount,
      fileOffset: offset,
      byteLength,
    });
  }

  const dataOffset = Math.ceil(reader.position / alignment) * alignment;
  const dataBytes = fileSize - dataOffset;
  for (const tensor of tensors) {
    if (tensor.fileOffset + tensor.byteLength > dataBytes) {
      throw new GgufFormatProblem(
        `tensor "${tensor.name}" (${tensor.byteLength} bytes at data offset ${tensor.fileOffset}) ends past the end of the file (${dataBytes} bytes of tensor data)`,
      );
    }
    tensor.fileOffset += dataOffset;
  }
  const byStart = [...tensors].sort((a, b) => a.fileOffset - b.fileOffset);
  for (let i = 1; i < byStart.length; i++) {
    const previous = byStart[i - 1]!;
    const current = byStart[i]!;
    if (previous.fileOffset + previous.byteLength > current.fileOffset) {
      throw new GgufFormatProblem(`tensors "${previous.name}" and "${current.name}" overlap`);
    }
  }

  return { version, metadata, metadataTypes, tensors, alignment, dataOffset, fileSize };
}

// Builds small GGUF files byte by byte, so tests can corrupt any single field.

export const u8 = (value: number): Uint8Array => new Uint8Array([value]);

export function u32(value: number): Uint8Array {
  const out = new Uint8Array(4);
  new DataView(out.buffer).setUint32(0, value, true);
  return out;
}

export function u64(value: bigint | number): Uint8Array {
  const out = new Uint8Array(8);
  new DataView(out.buffer).setBigUint64(0, BigInt(value), true);
  return out;
}

export function concat(...parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const part of parts) {
    out.set(part, at);
    at += part.length;
  }
  return out;
}

export function ggufString(text: string, lengthOverride?: bigint): Uint8Array {
  const bytes = new TextEncoder().encode(text);
  return concat(u64(lengthOverride ?? BigInt(bytes.length)), bytes);
}

/** Value type ids. */
export const V = {
  uint8: 0,
  int8: 1,
  uint16: 2,
  int16: 3,
  uint32: 4,
  int32: 5,
  float32: 6,
  bool: 7,
  string: 8,
  array: 9,
  uint64: 10,
  int64: 11,
  float64: 12,
} as const;

export function keyValue(key: string, type: number, value: Uint8Array): Uint8Array {
  return concat(ggufString(key), u32(type), value);
}

export interface TensorSpec {
  name: string;
  dims: (number | bigint)[];
  type: number;
  offset: number | bigint;
  dimCountOverride?: number;
}

export function tensorInfo(spec: TensorSpec): Uint8Array {
  return concat(ggufString(spec.name), u32(spec.dimCountOverride ?? spec.dims.length), ...spec.dims.map((d) => u64(d)), u32(spec.type), u64(spec.offset));
}

export interface GgufSpec {
  magic?: number;
  version?: number;
  tensorCount?: bigint;
  keyValueCount?: bigint;
  keyValues?: Uint8Array[];
  tensors?: TensorSpec[];
  alignment?: number;
  data?: Uint8Array;
}

/** A GGUF file; counts default to the number of entries given, data is padded to the alignment. */
export function buildGguf(spec: GgufSpec = {}): Uint8Array {
  const keyValues = spec.keyValues ?? [];
  const tensors = spec.tensors ?? [];
  const head = concat(
    u32(spec.magic ?? 0x46554747),
    u32(spec.version ?? 3),
    u64(spec.tensorCount ?? BigInt(tensors.length)),
    u64(spec.keyValueCount ?? BigInt(keyValues.length)),
    ...keyValues,
    ...tensors.map(tensorInfo),
  );
  const alignment = spec.alignment ?? 32;
  const padding = new Uint8Array((alignment - (head.length % alignment)) % alignment);
  return concat(head, padding, spec.data ?? new Uint8Array(0));
}

/** A valid file: two metadata keys and two F32 tensors of 4 and 2x3 values. */
export function validGguf(): Uint8Array {
  // The data ends with the last tensor, so every truncation cuts something.
  const data = new Uint8Array(56);
  new Float32Array(data.buffer, 0, 4).set([1, 2, 3, 4]);
  new Float32Array(data.buffer, 32, 6).set([5, 6, 7, 8, 9, 10]);
  return buildGguf({
    keyValues: [
      keyValue('general.architecture', V.string, ggufString('test')),
      keyValue('test.ids', V.array, concat(u32(V.int32), u64(3), u32(1), u32(2), u32(3))),
    ],
    tensors: [
      { name: 'a', dims: [4], type: 0, offset: 0 },
      { name: 'b', dims: [3, 2], type: 0, offset: 32 },
    ],
    data,
  });
}

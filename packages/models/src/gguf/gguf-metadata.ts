import { type BoundedFileReader, utf8 } from './bounded-file-reader.js';

/** GGUF metadata value types, numbered as in the file format. */
export const ggufValueTypes = [
  'uint8',
  'int8',
  'uint16',
  'int16',
  'uint32',
  'int32',
  'float32',
  'bool',
  'string',
  'array',
  'uint64',
  'int64',
  'float64',
] as const;

export type GgufValueTypeName = (typeof ggufValueTypes)[number];

/**
 * A metadata value. Integers up to 32 bits and floats are numbers; 64-bit integers are numbers
 * when they fit in a double exactly, else bigints. Numeric arrays are typed arrays of the stored
 * element type (e.g. `tokenizer.ggml.scores` is a Float32Array, `token_type` an Int32Array),
 * string arrays are `string[]`, bool arrays `boolean[]`, nested arrays plain arrays.
 */
export type GgufValue =
  | number
  | bigint
  | boolean
  | string
  | string[]
  | boolean[]
  | Uint8Array
  | Int8Array
  | Uint16Array
  | Int16Array
  | Uint32Array
  | Int32Array
  | Float32Array
  | Float64Array
  | BigUint64Array
  | BigInt64Array
  | GgufValue[];

export type GgufMetadata = Record<string, GgufValue>;

/** Thrown by the readers below; the caller adds the file name and turns it into a ModelLoadError. */
export class GgufFormatProblem extends Error {}

const fixedSizes: Partial<Record<GgufValueTypeName, number>> = {
  uint8: 1,
  int8: 1,
  uint16: 2,
  int16: 2,
  uint32: 4,
  int32: 4,
  float32: 4,
  bool: 1,
  uint64: 8,
  int64: 8,
  float64: 8,
};
/** The fewest bytes a value of each variable-size type occupies (a length, or a type + count). */
const minimumSizes = { ...fixedSizes, string: 8, array: 12 } as Record<GgufValueTypeName, number>;

const maxArrayNesting = 8;

export function valueTypeName(id: number, where: string): GgufValueTypeName {
  const name = ggufValueTypes[id];
  if (name === undefined) throw new GgufFormatProblem(`${where} has unknown value type ${id}`);
  return name;
}

/** A u64 count or length as a number, after checking it is at most `limit`. */
export function checkedCount(value: bigint, limit: number, what: string): number {
  if (value > BigInt(limit)) {
    throw new GgufFormatProblem(`${what} is ${value}, more than the ${limit} that the rest of the file could hold`);
  }
  return Number(value);
}

export async function readString(reader: BoundedFileReader, what: string): Promise<string> {
  if (!reader.has(8)) await reader.need(8);
  const length = reader.u64AsNumber();
  if (length > reader.remaining) {
    throw new GgufFormatProblem(
      `length of ${what} is ${length === Infinity ? 'beyond 2^53' : length}, more than the ${reader.remaining} that the rest of the file could hold`,
    );
  }
  if (!reader.has(length)) await reader.need(length);
  return reader.utf8(length);
}

/** Arrays of at least this many strings are decoded through one JSON text (see readStringArray). */
const jsonArrayThreshold = 1024;

/**
 * An array of `count` strings. Large ones (a vocabulary's 262k tokens, a BPE's merges) are copied,
 * JSON-escaped, into one buffer that is decoded once and handed to JSON.parse: a string and an
 * awaited promise per element made several hundred thousand short-lived objects that grew V8's
 * young generation, which stays committed (and resident) after the load. The text is the same:
 * the separators are ASCII, so every element's bytes decode (invalid sequences to U+FFFD) as they
 * would alone.
 */
async function readStringArray(reader: BoundedFileReader, count: number, what: string): Promise<string[]> {
  if (count < jsonArrayThreshold) {
    const values: string[] = [];
    for (let i = 0; i < count; i++) values.push(await readString(reader, `${what}[${i}]`));
    return values;
  }
  let json = new Uint8Array(Math.min(reader.remaining, 16 * count) + 2);
  let at = 0;
  json[at++] = 0x5b; // [
  for (let i = 0; i < count; i++) {
    if (!reader.has(8)) await reader.need(8);
    const length = reader.u64AsNumber();
    if (length > reader.remaining) {
      throw new GgufFormatProblem(
        `length of ${what}[${i}] is ${length === Infinity ? 'beyond 2^53' : length}, more than the ${reader.remaining} that the rest of the file could hold`,
      );
    }
    if (!reader.has(length)) await reader.need(length);
    const room = at + 6 * length + 3;
    if (room > json.length) {
      const grown = new Uint8Array(Math.max(room, 2 * json.length));
      grown.set(json.subarray(0, at));
      json = grown;
    }
    json[at++] = 0x22; // "
    at = reader.jsonEscaped(length, json, at);
    json[at++] = 0x22;
    json[at++] = 0x2c; // ,
  }
  json[at - 1] = 0x5d; // ] over the last comma
  return JSON.parse(utf8.decode(json.subarray(0, at))) as string[];
}

function int64ToValue(value: bigint): number | bigint {
  return value >= BigInt(Number.MIN_SAFE_INTEGER) && value <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(value) : value;
}

async function readScalar(reader: BoundedFileReader, type: GgufValueTypeName, what: string): Promise<GgufValue> {
  if (type === 'string') return readString(reader, what);
  await reader.need(fixedSizes[type]!);
  switch (type) {
    case 'uint8':
      return reader.u8();
    case 'int8':
      return reader.i8();
    case 'uint16':
      return reader.u16();
    case 'int16':
      return reader.i16();
    case 'uint32':
      return reader.u32();
    case 'int32':
      return reader.i32();
    case 'float32':
      return reader.f32();
    case 'float64':
      return reader.f64();
    case 'uint64':
      return int64ToValue(reader.u64());
    case 'int64':
      return int64ToValue(reader.i64());
    case 'bool': {
      const byte = reader.u8();
      if (byte > 1) throw new GgufFormatProblem(`${what} is a bool stored as ${byte} (must be 0 or 1)`);
      return byte === 1;
    }
    default:
      throw new GgufFormatProblem(`${what}: ${type} is not a scalar type`);
  }
}

function numericArray(type: GgufValueTypeName, buffer: ArrayBuffer): GgufValue {
  switch (type) {
    case 'uint8':
      return new Uint8Array(buffer);
    case 'int8':
      return new Int8Array(buffer);
    case 'uint16':
      return new Uint16Array(buffer);
    case 'int16':
      return new Int16Array(buffer);
    case 'uint32':
      return new Uint32Array(buffer);
    case 'int32':
      return new Int32Array(buffer);
    case 'float32':
      return new Float32Array(buffer);
    case 'float64':
      return new Float64Array(buffer);
    case 'uint64':
      return new BigUint64Array(buffer);
    case 'int64':
      return new BigInt64Array(buffer);
    default:
      throw new GgufFormatProblem(`${type} is not a numeric type`);
  }
}

/** Reads a value of `type`; returns the value and its type name (arrays as `array<element>`). */
export async function readValue(reader: BoundedFileReader, type: GgufValueTypeName, what: string, depth = 0): Promise<{ value: GgufValue; typeName: string }> {
  if (type !== 'array') return { value: await readScalar(reader, type, what), typeName: type };
  if (depth >= maxArrayNesting) throw new GgufFormatProblem(`${what} nests arrays more than ${maxArrayNesting} deep`);
  await reader.need(12);
  const elementType = valueTypeName(reader.u32(), `${what} (array element)`);
  const countLimit = Math.floor(reader.remaining / minimumSizes[elementType]);
  const count = checkedCount(reader.u64(), countLimit, `element count of ${what} (array of ${elementType})`);
  const elementSize = fixedSizes[elementType];
  if (elementType === 'bool') {
    await reader.need(count);
    const values: boolean[] = new Array(count);
    for (let i = 0; i < count; i++) {
      const byte = reader.u8();
      if (byte > 1) throw new GgufFormatProblem(`${what}[${i}] is a bool stored as ${byte} (must be 0 or 1)`);
      values[i] = byte === 1;
    }
    return { value: values, typeName: 'array<bool>' };
  }
  if (elementSize !== undefined) {
    await reader.need(count * elementSize);
    return { value: numericArray(elementType, reader.copy(count * elementSize)), typeName: `array<${elementType}>` };
  }
  if (elementType === 'string') return { value: await readStringArray(reader, count, what), typeName: 'array<string>' };
  const values: GgufValue[] = [];
  let typeName = 'array<array>';
  for (let i = 0; i < count; i++) {
    const element = await readValue(reader, 'array', `${what}[${i}]`, depth + 1);
    values.push(element.value);
    typeName = `array<${element.typeName}>`;
  }
  return { value: values, typeName };
}

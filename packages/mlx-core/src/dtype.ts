// Data types. Codes follow MLX's Dtype::Val order (native/support.cc keeps the same table).

export const dtypes = [
  'bool',
  'uint8',
  'uint16',
  'uint32',
  'uint64',
  'int8',
  'int16',
  'int32',
  'int64',
  'float16',
  'float32',
  'float64',
  'bfloat16',
  'complex64',
] as const;

export type Dtype = (typeof dtypes)[number];

const codes = new Map<string, number>(dtypes.map((name, code) => [name, code]));

export function dtypeCode(dtype: Dtype): number {
  const code = codes.get(dtype);
  if (code === undefined) throw new TypeError(`unknown dtype ${JSON.stringify(dtype)}; expected one of ${dtypes.join(', ')}`);
  return code;
}

export function dtypeFromCode(code: number): Dtype {
  return dtypes[code];
}

export const itemSize: Record<Dtype, number> = {
  bool: 1,
  uint8: 1,
  uint16: 2,
  uint32: 4,
  uint64: 8,
  int8: 1,
  int16: 2,
  int32: 4,
  int64: 8,
  float16: 2,
  float32: 4,
  float64: 8,
  bfloat16: 2,
  complex64: 8,
};

export function isFloating(dtype: Dtype): boolean {
  return dtype === 'float16' || dtype === 'float32' || dtype === 'float64' || dtype === 'bfloat16';
}

/** The typed array that holds each dtype's raw data (float16/bfloat16 as raw bits). */
export type TypedArrayOf<D extends Dtype> = D extends 'bool' | 'uint8'
  ? Uint8Array
  : D extends 'uint16' | 'float16' | 'bfloat16'
    ? Uint16Array
    : D extends 'uint32'
      ? Uint32Array
      : D extends 'uint64'
        ? BigUint64Array
        : D extends 'int8'
          ? Int8Array
          : D extends 'int16'
            ? Int16Array
            : D extends 'int32'
              ? Int32Array
              : D extends 'int64'
                ? BigInt64Array
                : D extends 'float64'
                  ? Float64Array
                  : Float32Array;

export type AnyTypedArray =
  | Uint8Array
  | Uint8ClampedArray
  | Int8Array
  | Uint16Array
  | Int16Array
  | Uint32Array
  | Int32Array
  | Float32Array
  | Float64Array
  | BigInt64Array
  | BigUint64Array;

export function viewBytes(dtype: Dtype, buffer: ArrayBuffer): AnyTypedArray {
  switch (dtype) {
    case 'bool':
    case 'uint8':
      return new Uint8Array(buffer);
    case 'uint16':
    case 'float16':
    case 'bfloat16':
      return new Uint16Array(buffer);
    case 'uint32':
      return new Uint32Array(buffer);
    case 'uint64':
      return new BigUint64Array(buffer);
    case 'int8':
      return new Int8Array(buffer);
    case 'int16':
      return new Int16Array(buffer);
    case 'int32':
      return new Int32Array(buffer);
    case 'int64':
      return new BigInt64Array(buffer);
    case 'float64':
      return new Float64Array(buffer);
    case 'float32':
    case 'complex64':
      return new Float32Array(buffer);
  }
}

/** The dtype a typed array holds when no dtype is given. */
export function dtypeOfTypedArray(data: ArrayBufferView): Dtype {
  if (data instanceof Float32Array) return 'float32';
  if (data instanceof Int32Array) return 'int32';
  if (data instanceof Uint8Array || data instanceof Uint8ClampedArray) return 'uint8';
  if (data instanceof Uint32Array) return 'uint32';
  if (data instanceof Int8Array) return 'int8';
  if (data instanceof Int16Array) return 'int16';
  if (data instanceof Uint16Array) return 'uint16';
  if (data instanceof BigInt64Array) return 'int64';
  if (data instanceof BigUint64Array) return 'uint64';
  if (data instanceof Float64Array) return 'float64';
  if (
    typeof (globalThis as { Float16Array?: unknown }).Float16Array === 'function' &&
    data instanceof (globalThis as unknown as { Float16Array: new () => object }).Float16Array
  )
    return 'float16';
  throw new TypeError(`unsupported typed array ${data.constructor.name}`);
}

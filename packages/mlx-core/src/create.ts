// mx.array(): arrays from JS numbers, nested lists and typed arrays.
import { Array, type NestedNumbers, wrap } from './array.js';
import { type Dtype, dtypeCode, dtypeOfTypedArray } from './dtype.js';
import { native } from './native.js';

type HostData = NestedNumbers | ArrayBufferView | Array;

function inferShape(data: NestedNumbers): number[] {
  const shape: number[] = [];
  let level: NestedNumbers = data;
  while (globalThis.Array.isArray(level)) {
    shape.push(level.length);
    if (level.length === 0) break;
    level = level[0];
  }
  return shape;
}

function flattenInto(data: NestedNumbers, shape: number[], dim: number, out: number[], path: string): boolean {
  let sawBoolean = false;
  if (dim === shape.length) {
    if (typeof data === 'number') out.push(data);
    else if (typeof data === 'boolean') {
      out.push(data ? 1 : 0);
      sawBoolean = true;
    } else
      throw new TypeError(
        `mx.array: element ${path} is ${globalThis.Array.isArray(data) ? 'a list, but sibling elements are scalars (ragged nesting)' : typeof data}; expected a number or boolean`,
      );
    return sawBoolean;
  }
  if (!globalThis.Array.isArray(data) || data.length !== shape[dim]) {
    throw new TypeError(`mx.array: ragged nested list at ${path || 'the top level'}: expected a list of length ${shape[dim]}`);
  }
  for (let i = 0; i < data.length; i++) sawBoolean = flattenInto(data[i], shape, dim + 1, out, `${path}[${i}]`) || sawBoolean;
  return sawBoolean;
}

function hostBuffer(values: number[], dtype: Dtype): ArrayBufferView {
  switch (dtype) {
    case 'bool':
    case 'uint8':
      return Uint8Array.from(values);
    case 'int8':
      return Int8Array.from(values);
    case 'int16':
      return Int16Array.from(values);
    case 'uint16':
      return Uint16Array.from(values);
    case 'int32':
      return Int32Array.from(values);
    case 'uint32':
      return Uint32Array.from(values);
    case 'int64':
      return BigInt64Array.from(values, (v) => BigInt(Math.trunc(v)));
    case 'uint64':
      return BigUint64Array.from(values, (v) => BigInt(Math.trunc(v)));
    case 'float64':
      return Float64Array.from(values);
    default:
      return Float32Array.from(values);
  }
}

/**
 * Creates an array. Numbers default to float32 (booleans to bool); typed arrays keep their own
 * dtype. For float16/bfloat16 data pass the raw bits as a Uint16Array with that dtype; for other
 * dtypes the data is converted. `shape` reshapes flat typed-array data.
 */
export function array(data: HostData, dtype?: Dtype, shape?: readonly number[]): Array {
  const n = native();
  if (data instanceof Array) {
    const shared = wrap(n.share(data.handle));
    if (!dtype || dtype === shared.dtype) return shared;
    try {
      return shared.astype(dtype);
    } finally {
      shared.dispose();
    }
  }
  if (typeof data === 'number' || typeof data === 'boolean') {
    return wrap(n.scalar(data, dtypeCode(dtype ?? (typeof data === 'boolean' ? 'bool' : 'float32'))));
  }
  if (ArrayBuffer.isView(data)) {
    const elements = (data as unknown as { length?: number }).length ?? data.byteLength;
    const dims = shape ? [...shape] : [elements];
    if (data instanceof Uint16Array && (dtype === 'bfloat16' || dtype === 'float16')) {
      return wrap(n.fromBytes(data, dims, dtypeCode(dtype)));
    }
    const natural = data instanceof DataView ? 'uint8' : dtypeOfTypedArray(data);
    const h = n.fromBytes(data, dims, dtypeCode(natural));
    if (!dtype || dtype === natural) return wrap(h);
    try {
      return wrap(n.astype(h, dtypeCode(dtype)));
    } finally {
      n.release(h);
    }
  }
  if (!globalThis.Array.isArray(data)) {
    throw new TypeError(`mx.array: expected a number, boolean, nested list, typed array or mx.Array, got ${data === null ? 'null' : typeof data}`);
  }
  const dims = inferShape(data);
  const values: number[] = [];
  const sawBoolean = flattenInto(data, dims, 0, values, '');
  const target: Dtype = dtype ?? (sawBoolean && values.length > 0 ? 'bool' : 'float32');
  // Half types go through float32: JS has no bf16 arithmetic, MLX rounds correctly.
  const hostDtype: Dtype = target === 'float16' || target === 'bfloat16' || target === 'complex64' ? 'float32' : target;
  const h = n.fromBytes(hostBuffer(values, hostDtype), shape ? [...shape] : dims, dtypeCode(hostDtype));
  if (hostDtype === target) return wrap(h);
  try {
    return wrap(n.astype(h, dtypeCode(target)));
  } finally {
    n.release(h);
  }
}

/** A scalar array; numbers default to float32. */
export function scalar(value: number | boolean, dtype?: Dtype): Array {
  return wrap(native().scalar(value, dtypeCode(dtype ?? (typeof value === 'boolean' ? 'bool' : 'float32'))));
}

// mx.Array: a JS object holding a handle into the addon's array table.
//
// Lifetime: `dispose()` (or `using`) frees at once; `tidy()` frees everything a callback created
// except what it returns; arrays that outlive every scope get a GC finalizer as a safety net.
// The finalizer is registered lazily (see scope.ts) so arrays disposed soon after creation never
// pay for one.
import { ArrayDisposedError } from './errors.js';
import { type AnyTypedArray, type Dtype, dtypeCode, dtypeFromCode, itemSize, viewBytes } from './dtype.js';
import { native } from './native.js';
import { adopt, forgetFinalizer } from './scope.js';
import type * as Ops from './ops.js';

let ops: typeof Ops;
/** @internal ops.ts registers itself here so that Array's methods can call it without a cycle at load time. */
export function registerOps(module: typeof Ops): void {
  ops = module;
}

export type NestedNumbers = number | boolean | NestedNumbers[];
export type Scalar = number | boolean;

export class Array implements Disposable {
  #handle: number;
  #meta: Int32Array | undefined;
  /** @internal set by scope.ts when a GC finalizer was registered for this array. */
  finalizerRegistered = false;
  /** @internal set by keep(): the array no longer belongs to the tidy scope that created it. */
  escaped = false;

  /** @internal use mx.array() and the ops to create arrays. */
  constructor(handle: number) {
    this.#handle = handle;
  }

  /** @internal the addon handle; throws when disposed. */
  get handle(): number {
    if (this.#handle < 0) throw new ArrayDisposedError();
    return this.#handle;
  }

  /** True once the array was disposed. */
  get disposed(): boolean {
    return this.#handle < 0;
  }

  private meta(): Int32Array {
    return (this.#meta ??= native().meta(this.handle));
  }

  get dtype(): Dtype {
    return dtypeFromCode(this.meta()[0]);
  }

  get shape(): number[] {
    // An indexed copy: Array.from over a subarray made a view and an iterator result per
    // dimension, the largest share of what a decode step allocated (shape is read on every op).
    const m = this.meta();
    const shape: number[] = [];
    for (let i = 1; i < m.length; i++) shape.push(m[i]);
    return shape;
  }

  get ndim(): number {
    return this.meta().length - 1;
  }

  get size(): number {
    const m = this.meta();
    let n = 1;
    for (let i = 1; i < m.length; i++) n *= m[i];
    return n;
  }

  /** Bytes of data (size × item size). */
  get nbytes(): number {
    return this.size * itemSize[this.dtype];
  }

  /** Evaluates the array and returns its single element. */
  item(): number | boolean {
    return native().item(this.handle);
  }

  /** Evaluates the array and returns its data (row-major) in the typed array of its dtype; float16 and bfloat16 as raw bits in a Uint16Array. */
  toTypedArray(): AnyTypedArray {
    return viewBytes(this.dtype, native().toBytes(this.handle));
  }

  /** Evaluates the array and returns nested JS arrays (numbers, or booleans for bool). */
  toList(): NestedNumbers {
    const n = native();
    const dtype = this.dtype;
    let flat: ArrayLike<number | bigint | boolean>;
    if (dtype === 'float16' || dtype === 'bfloat16') {
      const h = n.astype(this.handle, dtypeCode('float32'));
      try {
        flat = new Float32Array(n.toBytes(h));
      } finally {
        n.release(h);
      }
    } else if (dtype === 'complex64') {
      throw new TypeError('toList() of a complex64 array is not supported; use toTypedArray() (interleaved real and imaginary parts)');
    } else {
      flat = viewBytes(dtype, n.toBytes(this.handle));
    }
    const shape = this.shape;
    const convert =
      dtype === 'bool'
        ? (v: unknown) => v !== 0
        : typeof (flat as ArrayLike<unknown>)[0] === 'bigint'
          ? (v: unknown) => Number(v)
          : (v: unknown) => v as number;
    if (shape.length === 0) return convert(flat[0]) as number | boolean;
    let offset = 0;
    const build = (dim: number): NestedNumbers[] => {
      const out: NestedNumbers[] = new globalThis.Array(shape[dim]);
      for (let i = 0; i < shape[dim]; i++) {
        out[i] = dim === shape.length - 1 ? (convert(flat[offset++]) as number | boolean) : build(dim + 1);
      }
      return out;
    };
    return build(0);
  }

  astype(dtype: Dtype): Array {
    return ops.astype(this, dtype);
  }
  reshape(...shape: number[] | [number[]]): Array {
    return ops.reshape(this, (globalThis.Array.isArray(shape[0]) ? shape[0] : shape) as number[]);
  }
  transpose(axes?: number[]): Array {
    return ops.transpose(this, axes);
  }
  get T(): Array {
    return ops.transpose(this);
  }
  add(other: Array | number): Array {
    return ops.add(this, other);
  }
  subtract(other: Array | number): Array {
    return ops.subtract(this, other);
  }
  multiply(other: Array | number): Array {
    return ops.multiply(this, other);
  }
  divide(other: Array | number): Array {
    return ops.divide(this, other);
  }
  matmul(other: Array): Array {
    return ops.matmul(this, other);
  }
  sum(axis?: number | number[], keepdims = false): Array {
    return ops.sum(this, axis, keepdims);
  }
  mean(axis?: number | number[], keepdims = false): Array {
    return ops.mean(this, axis, keepdims);
  }
  max(axis?: number | number[], keepdims = false): Array {
    return ops.max(this, axis, keepdims);
  }
  min(axis?: number | number[], keepdims = false): Array {
    return ops.min(this, axis, keepdims);
  }
  argmax(axis?: number, keepdims = false): Array {
    return ops.argmax(this, axis, keepdims);
  }

  /** Frees the array now. Idempotent. */
  dispose(): void {
    const h = this.#handle;
    if (h < 0) return;
    this.#handle = -1;
    forgetFinalizer(this);
    native().release(h);
  }

  [Symbol.dispose](): void {
    this.dispose();
  }

  /** @internal hands the handle to the addon (a compiled function's output) without freeing it. */
  transferHandle(): number {
    const h = this.handle;
    this.#handle = -1;
    if (this.finalizerRegistered) forgetFinalizer(this);
    return h;
  }

  toString(): string {
    if (this.disposed) return 'array(<disposed>)';
    return `array(shape=[${this.shape.join(', ')}], dtype=${this.dtype})`;
  }

  [Symbol.for('nodejs.util.inspect.custom')](): string {
    return this.toString();
  }
}

/** @internal wraps a fresh handle from the addon and records it in the current scope. */
export function wrap(handle: number): Array {
  const a = new Array(handle);
  adopt(a);
  return a;
}

/** @internal wraps several fresh handles. */
export function wrapMany(handles: Uint32Array): Array[] {
  const out: Array[] = new globalThis.Array(handles.length);
  for (let i = 0; i < handles.length; i++) out[i] = wrap(handles[i]);
  return out;
}

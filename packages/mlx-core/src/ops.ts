// Array operations. Names are MLX's in camelCase; numbers mix with arrays as weakly typed
// scalars (float16 + 0.5 stays float16), as in MLX's Python API.
import { Array, registerOps, wrap, wrapMany } from './array.js';
import { type Dtype, dtypeCode, isFloating } from './dtype.js';
import { native } from './native.js';
import { type BinaryOpName, type ReduceOpName, type UnaryOpName, binaryCode, reduceCode, unaryCode } from './op-codes.js';

export type ArrayOrScalar = Array | number | boolean;

function describe(value: unknown): string {
  if (value === null) return 'null';
  if (globalThis.Array.isArray(value)) return 'a plain JS array (wrap it with mx.array())';
  return typeof value === 'object' ? (value.constructor?.name ?? 'object') : typeof value;
}

/** @internal the handle of an array argument, with a TypeError for anything else. */
export function handleOf(value: unknown, name = 'argument'): number {
  if (value instanceof Array) return value.handle;
  throw new TypeError(`${name}: expected an mx.Array, got ${describe(value)}`);
}

function scalarDtype(value: number | boolean, like?: Array): Dtype {
  if (typeof value === 'boolean') return like ? like.dtype : 'bool';
  if (!like) return 'float32';
  const dtype = like.dtype;
  if (isFloating(dtype)) return dtype;
  if (Number.isInteger(value)) return dtype === 'bool' ? 'int32' : dtype;
  return 'float32';
}

/**
 * @internal runs fn with the handle of value; a number becomes a temporary scalar (typed like
 * `like`) that is released right after, since the op's result keeps what it needs.
 */
export function withHandle<T>(value: ArrayOrScalar, like: Array | undefined, fn: (handle: number) => T, name = 'argument'): T {
  if (value instanceof Array) return fn(value.handle);
  if (typeof value !== 'number' && typeof value !== 'boolean') throw new TypeError(`${name}: expected an mx.Array or a number, got ${describe(value)}`);
  const n = native();
  const h = n.scalar(value, dtypeCode(scalarDtype(value, like)));
  try {
    return fn(h);
  } finally {
    n.release(h);
  }
}

function axesOf(axis: number | readonly number[] | undefined): number[] | undefined {
  if (axis === undefined) return undefined;
  return typeof axis === 'number' ? [axis] : [...axis];
}

// ---- elementwise ------------------------------------------------------------------------------

function unary(name: UnaryOpName) {
  const code = unaryCode[name];
  return (a: Array): Array => wrap(native().unary(code, handleOf(a, name)));
}

function binary(name: BinaryOpName) {
  const code = binaryCode[name];
  return (a: ArrayOrScalar, b: ArrayOrScalar): Array => {
    const n = native();
    if (a instanceof Array) {
      if (b instanceof Array) return wrap(n.binary(code, a.handle, b.handle));
      if (typeof b === 'number') return wrap(n.binaryScalar(code, a.handle, b, false));
      return withHandle(b, a, (hb) => wrap(n.binary(code, a.handle, hb)), name);
    }
    if (b instanceof Array) {
      if (typeof a === 'number') return wrap(n.binaryScalar(code, b.handle, a, true));
      return withHandle(a, b, (ha) => wrap(n.binary(code, ha, b.handle)), name);
    }
    return withHandle(a, undefined, (ha) => withHandle(b, undefined, (hb) => wrap(n.binary(code, ha, hb)), name), name);
  };
}

export const abs = unary('abs');
export const negative = unary('negative');
export const sign = unary('sign');
export const floor = unary('floor');
export const ceil = unary('ceil');
export const round = unary('round');
export const exp = unary('exp');
export const expm1 = unary('expm1');
export const log = unary('log');
export const log1p = unary('log1p');
export const log2 = unary('log2');
export const log10 = unary('log10');
export const sqrt = unary('sqrt');
export const rsqrt = unary('rsqrt');
export const square = unary('square');
export const reciprocal = unary('reciprocal');
export const sin = unary('sin');
export const cos = unary('cos');
export const tan = unary('tan');
export const tanh = unary('tanh');
export const sinh = unary('sinh');
export const cosh = unary('cosh');
export const arcsin = unary('arcsin');
export const arccos = unary('arccos');
export const arctan = unary('arctan');
export const sigmoid = unary('sigmoid');
export const erf = unary('erf');
export const erfinv = unary('erfinv');
export const logicalNot = unary('logicalNot');
export const isnan = unary('isnan');
export const isinf = unary('isinf');
export const isfinite = unary('isfinite');
export const stopGradient = unary('stopGradient');
export const copy = unary('copy');
export const contiguous = unary('contiguous');
export const zerosLike = unary('zerosLike');
export const onesLike = unary('onesLike');

export const add = binary('add');
export const subtract = binary('subtract');
export const multiply = binary('multiply');
export const divide = binary('divide');
export const power = binary('power');
export const maximum = binary('maximum');
export const minimum = binary('minimum');
export const equal = binary('equal');
export const notEqual = binary('notEqual');
export const less = binary('less');
export const lessEqual = binary('lessEqual');
export const greater = binary('greater');
export const greaterEqual = binary('greaterEqual');
export const logicalAnd = binary('logicalAnd');
export const logicalOr = binary('logicalOr');
export const floorDivide = binary('floorDivide');
export const remainder = binary('remainder');
export const arctan2 = binary('arctan2');
export const logaddexp = binary('logaddexp');
export const bitwiseAnd = binary('bitwiseAnd');
export const bitwiseOr = binary('bitwiseOr');
export const bitwiseXor = binary('bitwiseXor');
export const leftShift = binary('leftShift');
export const rightShift = binary('rightShift');

// ---- reductions ---------------------------------------------------------------------------------

function reduction(name: ReduceOpName) {
  const code = reduceCode[name];
  return (a: Array, axis?: number | readonly number[], keepdims = false): Array => wrap(native().reduce(code, handleOf(a, name), axesOf(axis), keepdims));
}

export const sum = reduction('sum');
export const mean = reduction('mean');
export const max = reduction('max');
export const min = reduction('min');
export const prod = reduction('prod');
export const all = reduction('all');
export const any = reduction('any');
export const logsumexp = reduction('logsumexp');
/** Variance (ddof 0). */
export const variance = reduction('var');
/** Standard deviation (ddof 0). */
export const std = reduction('std');

export function argmax(a: Array, axis?: number, keepdims = false): Array {
  return wrap(native().argReduce(false, handleOf(a, 'argmax'), axis, keepdims));
}

export function argmin(a: Array, axis?: number, keepdims = false): Array {
  return wrap(native().argReduce(true, handleOf(a, 'argmin'), axis, keepdims));
}

// ---- linear algebra -----------------------------------------------------------------------------

export function matmul(a: Array, b: Array): Array {
  return wrap(native().matmul(handleOf(a, 'matmul'), handleOf(b, 'matmul')));
}

/** alpha * (a @ b) + beta * c */
export function addmm(c: Array, a: Array, b: Array, alpha = 1, beta = 1): Array {
  return wrap(native().addmm(handleOf(c, 'addmm'), handleOf(a, 'addmm'), handleOf(b, 'addmm'), alpha, beta));
}

export function outer(a: Array, b: Array): Array {
  return wrap(native().outer(handleOf(a, 'outer'), handleOf(b, 'outer')));
}

// ---- dtype and shape ----------------------------------------------------------------------------

export function astype(a: Array, dtype: Dtype): Array {
  return wrap(native().astype(handleOf(a, 'astype'), dtypeCode(dtype)));
}

export function reshape(a: Array, shape: readonly number[]): Array {
  return wrap(native().reshape(handleOf(a, 'reshape'), shape));
}

export function flatten(a: Array, startAxis = 0, endAxis = -1): Array {
  return wrap(native().flatten(handleOf(a, 'flatten'), startAxis, endAxis));
}

export function transpose(a: Array, axes?: readonly number[]): Array {
  return wrap(native().transpose(handleOf(a, 'transpose'), axes));
}

export function swapaxes(a: Array, axis1: number, axis2: number): Array {
  return wrap(native().swapaxes(handleOf(a, 'swapaxes'), axis1, axis2));
}

export function moveaxis(a: Array, source: number, destination: number): Array {
  return wrap(native().moveaxis(handleOf(a, 'moveaxis'), source, destination));
}

export function expandDims(a: Array, axis: number | readonly number[]): Array {
  return wrap(native().expandDims(handleOf(a, 'expandDims'), axesOf(axis)!));
}

export function squeeze(a: Array, axis?: number | readonly number[]): Array {
  return wrap(native().squeeze(handleOf(a, 'squeeze'), axesOf(axis)));
}

export function broadcastTo(a: ArrayOrScalar, shape: readonly number[]): Array {
  return withHandle(a, undefined, (h) => wrap(native().broadcastTo(h, shape)), 'broadcastTo');
}

// ---- slicing and indexing ---------------------------------------------------------------------

/** a[start:stop:strides] over every axis (MLX semantics: start, stop and strides have one entry per axis). */
export function slice(a: Array, start: readonly number[], stop: readonly number[], strides?: readonly number[]): Array {
  return wrap(native().slice(handleOf(a, 'slice'), start, stop, strides ?? start.map(() => 1)));
}

/** A slice whose start is an int32 array (known only on the device), of a fixed size along `axes`. */
export function sliceDynamic(a: Array, start: Array, axes: readonly number[], sizes: readonly number[]): Array {
  return wrap(native().sliceDynamic(handleOf(a, 'sliceDynamic'), handleOf(start, 'sliceDynamic start'), axes, sizes));
}

/** A copy of a with a[start:stop:strides] replaced by update. */
export function sliceUpdate(a: Array, update: Array, start: readonly number[], stop: readonly number[], strides?: readonly number[]): Array {
  return wrap(native().sliceUpdate(handleOf(a, 'sliceUpdate'), handleOf(update, 'sliceUpdate update'), start, stop, strides ?? start.map(() => 1)));
}

/** sliceUpdate with the start given as an int32 array along `axes` (usable inside compiled functions). */
export function sliceUpdateDynamic(a: Array, update: Array, start: Array, axes: readonly number[]): Array {
  return wrap(
    native().sliceUpdateDynamic(
      handleOf(a, 'sliceUpdateDynamic'),
      handleOf(update, 'sliceUpdateDynamic update'),
      handleOf(start, 'sliceUpdateDynamic start'),
      axes,
    ),
  );
}

export function concatenate(arrays: readonly Array[], axis = 0): Array {
  return wrap(
    native().concatenate(
      arrays.map((a) => handleOf(a, 'concatenate')),
      axis,
    ),
  );
}

export function stack(arrays: readonly Array[], axis = 0): Array {
  return wrap(
    native().stack(
      arrays.map((a) => handleOf(a, 'stack')),
      axis,
    ),
  );
}

/** Splits into `sections` equal parts, or at the given indices, along axis. */
export function split(a: Array, sectionsOrIndices: number | readonly number[], axis = 0): Array[] {
  return wrapMany(native().split(handleOf(a, 'split'), sectionsOrIndices as number | number[], axis));
}

/** Elements at `indices` along axis (of the flattened array when axis is undefined). */
export function take(a: Array, indices: Array | number, axis?: number): Array {
  if (typeof indices === 'number') {
    // A JS number index is an integer scalar (withHandle would make it float32, which gather rejects).
    if (!Number.isInteger(indices)) throw new TypeError(`take: an index must be an integer, got ${indices}`);
    const n = native();
    const hi = n.scalar(indices, dtypeCode('int32'));
    try {
      return wrap(n.take(handleOf(a, 'take'), hi, axis));
    } finally {
      n.release(hi);
    }
  }
  return wrap(native().take(handleOf(a, 'take'), handleOf(indices, 'take indices'), axis));
}

export function takeAlongAxis(a: Array, indices: Array, axis?: number): Array {
  return wrap(native().takeAlongAxis(handleOf(a, 'takeAlongAxis'), handleOf(indices, 'takeAlongAxis indices'), axis));
}

export function putAlongAxis(a: Array, indices: Array, values: ArrayOrScalar, axis?: number): Array {
  return withHandle(
    values,
    a,
    (hv) => wrap(native().putAlongAxis(handleOf(a, 'putAlongAxis'), handleOf(indices, 'putAlongAxis indices'), hv, axis)),
    'putAlongAxis values',
  );
}

export function where(condition: ArrayOrScalar, x: ArrayOrScalar, y: ArrayOrScalar): Array {
  const like = x instanceof Array ? x : y instanceof Array ? y : undefined;
  return withHandle(
    condition,
    undefined,
    (hc) => withHandle(x, like, (hx) => withHandle(y, like, (hy) => wrap(native().where(hc, hx, hy)), 'where y'), 'where x'),
    'where condition',
  );
}

// ---- softmax, scans, sorting --------------------------------------------------------------------

export function softmax(a: Array, axis?: number | readonly number[], precise = false): Array {
  return wrap(native().softmax(handleOf(a, 'softmax'), axesOf(axis), precise));
}

export interface ScanOptions {
  reverse?: boolean;
  inclusive?: boolean;
}

function scan(kind: number, name: string) {
  return (a: Array, axis?: number, options: ScanOptions = {}): Array =>
    wrap(native().scan(kind, handleOf(a, name), axis, options.reverse ?? false, options.inclusive ?? true));
}

export const cumsum = scan(0, 'cumsum');
export const cumprod = scan(1, 'cumprod');
export const cummax = scan(2, 'cummax');
export const cummin = scan(3, 'cummin');

export function sort(a: Array, axis = -1): Array {
  return wrap(native().sort(handleOf(a, 'sort'), axis));
}

export function argsort(a: Array, axis = -1): Array {
  return wrap(native().argsort(handleOf(a, 'argsort'), axis));
}

export function argpartition(a: Array, kth: number, axis = -1): Array {
  return wrap(native().argpartition(handleOf(a, 'argpartition'), kth, axis));
}

export function partition(a: Array, kth: number, axis = -1): Array {
  return wrap(native().partition(handleOf(a, 'partition'), kth, axis));
}

/** The k largest values along axis (unordered). */
export function topk(a: Array, k: number, axis = -1): Array {
  return wrap(native().topk(handleOf(a, 'topk'), k, axis));
}

export function clip(a: Array, min?: ArrayOrScalar | null, max?: ArrayOrScalar | null): Array {
  const ha = handleOf(a, 'clip');
  const withOptional = (v: ArrayOrScalar | null | undefined, fn: (h: number | undefined) => Array) =>
    v === undefined || v === null ? fn(undefined) : withHandle(v, a, fn, 'clip bound');
  return withOptional(min, (hmin) => withOptional(max, (hmax) => wrap(native().clip(ha, hmin, hmax))));
}

// ---- constructors -------------------------------------------------------------------------------

export function zeros(shape: readonly number[], dtype: Dtype = 'float32'): Array {
  return wrap(native().zeros(shape, dtypeCode(dtype)));
}

export function ones(shape: readonly number[], dtype: Dtype = 'float32'): Array {
  return wrap(native().ones(shape, dtypeCode(dtype)));
}

export function full(shape: readonly number[], value: ArrayOrScalar, dtype?: Dtype): Array {
  return withHandle(value, undefined, (hv) => wrap(native().full(shape, hv, dtype === undefined ? undefined : dtypeCode(dtype))), 'full value');
}

/** arange(stop), arange(start, stop), arange(start, stop, step); int32 when every bound is an integer, else float32. */
export function arange(startOrStop: number, stop?: number, step = 1, dtype?: Dtype): Array {
  const [start, end] = stop === undefined ? [0, startOrStop] : [startOrStop, stop];
  const inferred: Dtype = Number.isInteger(start) && Number.isInteger(end) && Number.isInteger(step) ? 'int32' : 'float32';
  return wrap(native().arange(start, end, step, dtypeCode(dtype ?? inferred)));
}

export function linspace(start: number, stop: number, num = 50, dtype: Dtype = 'float32'): Array {
  return wrap(native().linspace(start, stop, num, dtypeCode(dtype)));
}

export function eye(n: number, m = n, k = 0, dtype: Dtype = 'float32'): Array {
  return wrap(native().eye(n, m, k, dtypeCode(dtype)));
}

/** An n×m matrix with ones at and below the k-th diagonal. */
export function tri(n: number, m = n, k = 0, dtype: Dtype = 'float32'): Array {
  return wrap(native().tri(n, m, k, dtypeCode(dtype)));
}

export function tril(a: Array, k = 0): Array {
  return wrap(native().tril(handleOf(a, 'tril'), k));
}

export function triu(a: Array, k = 0): Array {
  return wrap(native().triu(handleOf(a, 'triu'), k));
}

/** Pads each axis by [before, after] (one pair for every axis, or one pair for all). */
export function pad(a: Array, widths: readonly (readonly [number, number])[] | readonly [number, number], value: number = 0): Array {
  const ndim = a.ndim;
  const pairs =
    typeof widths[0] === 'number'
      ? globalThis.Array.from({ length: ndim }, () => widths as readonly [number, number])
      : (widths as readonly (readonly [number, number])[]);
  if (pairs.length !== ndim) throw new TypeError(`pad: expected ${ndim} [before, after] pairs, got ${pairs.length}`);
  const axes = pairs.map((_, i) => i);
  return withHandle(
    value,
    a,
    (hv) =>
      wrap(
        native().pad(
          a.handle,
          axes,
          pairs.map((p) => p[0]),
          pairs.map((p) => p[1]),
          hv,
        ),
      ),
    'pad value',
  );
}

export function repeat(a: Array, repeats: number, axis?: number): Array {
  return wrap(native().repeat(handleOf(a, 'repeat'), repeats, axis));
}

export function tile(a: Array, reps: readonly number[]): Array {
  return wrap(native().tile(handleOf(a, 'tile'), reps));
}

export interface CloseOptions {
  rtol?: number;
  atol?: number;
  equalNan?: boolean;
}

export function isclose(a: Array, b: Array, options: CloseOptions = {}): Array {
  return wrap(native().close(handleOf(a, 'isclose'), handleOf(b, 'isclose'), options.rtol ?? 1e-5, options.atol ?? 1e-8, options.equalNan ?? false, false));
}

export function allclose(a: Array, b: Array, options: CloseOptions = {}): Array {
  return wrap(native().close(handleOf(a, 'allclose'), handleOf(b, 'allclose'), options.rtol ?? 1e-5, options.atol ?? 1e-8, options.equalNan ?? false, true));
}

/** Identity on `inputs` that also waits for `dependencies` when evaluated. */
export function depends(inputs: readonly Array[], dependencies: readonly Array[]): Array[] {
  return wrapMany(
    native().depends(
      inputs.map((a) => handleOf(a, 'depends')),
      dependencies.map((a) => handleOf(a, 'depends')),
    ),
  );
}

registerOps({ astype, reshape, transpose, add, subtract, multiply, divide, matmul, sum, mean, max, min, argmax } as unknown as typeof import('./ops.js'));

// How each op of the ops fixture is called through the public API: inputs are the fixture's
// arrays in order, params its keyword arguments.
import * as mx from '../../src/index.js';

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Params = Record<string, any>;
export type OpCall = (inputs: mx.Array[], p: Params) => mx.Array | mx.Array[];

const unaryNames = [
  'abs', 'negative', 'sign', 'floor', 'ceil', 'round', 'exp', 'expm1', 'log', 'log1p', 'log2', 'log10', 'sqrt',
  'rsqrt', 'square', 'reciprocal', 'sin', 'cos', 'tan', 'tanh', 'sinh', 'cosh', 'arcsin', 'arccos', 'arctan',
  'sigmoid', 'erf', 'erfinv', 'logicalNot', 'isnan', 'isinf', 'isfinite', 'stopGradient', 'copy', 'zerosLike',
  'onesLike',
] as const;
const binaryNames = [
  'add', 'subtract', 'multiply', 'divide', 'power', 'maximum', 'minimum', 'equal', 'notEqual', 'less', 'lessEqual',
  'greater', 'greaterEqual', 'logicalAnd', 'logicalOr', 'floorDivide', 'remainder', 'arctan2', 'logaddexp',
  'bitwiseAnd', 'bitwiseOr', 'bitwiseXor', 'leftShift', 'rightShift',
] as const;
const reductionNames = ['sum', 'mean', 'max', 'min', 'prod', 'all', 'any', 'logsumexp', 'variance', 'std'] as const;

export const opTable: Record<string, OpCall> = {
  ...Object.fromEntries(unaryNames.map((n) => [n, ([a]: mx.Array[]) => (mx[n] as (a: mx.Array) => mx.Array)(a)])),
  ...Object.fromEntries(binaryNames.map((n) => [n, ([a, b]: mx.Array[]) => (mx[n] as (a: mx.Array, b: mx.Array) => mx.Array)(a, b)])),
  ...Object.fromEntries(
    reductionNames.map((n) => [n, ([a]: mx.Array[], p: Params) => (mx[n] as typeof mx.sum)(a, p.axis, p.keepdims ?? false)]),
  ),
  contiguousOfTranspose: ([a]) => mx.contiguous(mx.transpose(a)),
  argmax: ([a], p) => mx.argmax(a, p.axis, p.keepdims ?? false),
  argmin: ([a], p) => mx.argmin(a, p.axis, p.keepdims ?? false),
  matmul: ([a, b]) => mx.matmul(a, b),
  addmm: ([c, a, b], p) => mx.addmm(c, a, b, p.alpha, p.beta),
  outer: ([a, b]) => mx.outer(a, b),
  astype: ([a], p) => mx.astype(a, p.dtype),
  reshape: ([a], p) => mx.reshape(a, p.shape),
  flatten: ([a], p) => mx.flatten(a, p.start, p.end),
  transpose: ([a], p) => mx.transpose(a, p.axes),
  swapaxes: ([a], p) => mx.swapaxes(a, p.axis1, p.axis2),
  moveaxis: ([a], p) => mx.moveaxis(a, p.source, p.destination),
  expandDims: ([a], p) => mx.expandDims(a, p.axis),
  squeeze: ([a], p) => mx.squeeze(a, p.axis),
  broadcastTo: ([a], p) => mx.broadcastTo(a, p.shape),
  slice: ([a], p) => mx.slice(a, p.start, p.stop, p.strides),
  sliceDynamic: ([a, start], p) => mx.sliceDynamic(a, start, p.axes, p.sizes),
  sliceUpdate: ([a, u], p) => mx.sliceUpdate(a, u, p.start, p.stop, p.strides),
  sliceUpdateDynamic: ([a, u, start], p) => mx.sliceUpdateDynamic(a, u, start, p.axes),
  concatenate: (arrays, p) => mx.concatenate(arrays, p.axis),
  stack: (arrays, p) => mx.stack(arrays, p.axis),
  split: ([a], p) => mx.split(a, p.sections, p.axis),
  take: ([a, i], p) => mx.take(a, i, p.axis),
  takeScalar: ([a], p) => mx.take(a, p.index, p.axis),
  takeAlongAxis: ([a, i], p) => mx.takeAlongAxis(a, i, p.axis),
  putAlongAxis: ([a, i, v], p) => mx.putAlongAxis(a, i, v, p.axis),
  where: ([c, x, y]) => mx.where(c, x, y),
  whereScalars: ([c], p) => mx.where(c, p.x, p.y),
  softmax: ([a], p) => mx.softmax(a, p.axis, p.precise ?? false),
  cumsum: ([a], p) => mx.cumsum(a, p.axis, { reverse: p.reverse, inclusive: p.inclusive }),
  cumprod: ([a], p) => mx.cumprod(a, p.axis),
  cummax: ([a], p) => mx.cummax(a, p.axis),
  cummin: ([a], p) => mx.cummin(a, p.axis),
  sort: ([a], p) => mx.sort(a, p.axis),
  argsort: ([a], p) => mx.argsort(a, p.axis),
  clip: ([a], p) => mx.clip(a, p.min, p.max),
  clipArrays: ([a, lo, hi]) => mx.clip(a, lo, hi),
  zeros: (_, p) => mx.zeros(p.shape, p.dtype),
  ones: (_, p) => mx.ones(p.shape, p.dtype),
  full: (_, p) => mx.full(p.shape, p.value, p.dtype),
  fullArray: ([v], p) => mx.full(p.shape, v),
  arange: (_, p) => mx.arange(p.args[0], p.args[1], p.args[2]),
  linspace: (_, p) => mx.linspace(p.start, p.stop, p.num),
  eye: (_, p) => mx.eye(p.n, p.m, p.k),
  tri: (_, p) => mx.tri(p.n, p.m, p.k),
  tril: ([a], p) => mx.tril(a, p.k),
  triu: ([a], p) => mx.triu(a, p.k),
  pad: ([a], p) => mx.pad(a, p.widths, p.value),
  repeat: ([a], p) => mx.repeat(a, p.repeats, p.axis),
  tile: ([a], p) => mx.tile(a, p.reps),
  isclose: ([a, b], p) => mx.isclose(a, b, p),
  allclose: ([a, b], p) => mx.allclose(a, b, p),
  depends: ([a, dep]) => mx.depends([a], [dep]),
};

/** Ops whose outputs are checked by a property rather than element by element (their order is unspecified). */
export const propertyOps = new Set(['partition', 'argpartition', 'topk']);

// Op codes of the native dispatchers, in the native tables' order. The loader checks that the
// built addon exports the same lists, so a stale build fails loudly instead of running the
// wrong op.

export const unaryOpNames = [
  'abs',
  'negative',
  'sign',
  'floor',
  'ceil',
  'round',
  'exp',
  'expm1',
  'log',
  'log1p',
  'log2',
  'log10',
  'sqrt',
  'rsqrt',
  'square',
  'reciprocal',
  'sin',
  'cos',
  'tan',
  'tanh',
  'sinh',
  'cosh',
  'arcsin',
  'arccos',
  'arctan',
  'sigmoid',
  'erf',
  'erfinv',
  'logicalNot',
  'isnan',
  'isinf',
  'isfinite',
  'stopGradient',
  'copy',
  'contiguous',
  'zerosLike',
  'onesLike',
] as const;

export const binaryOpNames = [
  'add',
  'subtract',
  'multiply',
  'divide',
  'power',
  'maximum',
  'minimum',
  'equal',
  'notEqual',
  'less',
  'lessEqual',
  'greater',
  'greaterEqual',
  'logicalAnd',
  'logicalOr',
  'floorDivide',
  'remainder',
  'arctan2',
  'logaddexp',
  'bitwiseAnd',
  'bitwiseOr',
  'bitwiseXor',
  'leftShift',
  'rightShift',
] as const;

export const reduceOpNames = ['sum', 'mean', 'max', 'min', 'prod', 'all', 'any', 'logsumexp', 'var', 'std'] as const;

export type UnaryOpName = (typeof unaryOpNames)[number];
export type BinaryOpName = (typeof binaryOpNames)[number];
export type ReduceOpName = (typeof reduceOpNames)[number];

function codesOf<T extends string>(names: readonly T[]): Record<T, number> {
  return Object.fromEntries(names.map((n, i) => [n, i])) as Record<T, number>;
}

export const unaryCode = codesOf(unaryOpNames);
export const binaryCode = codesOf(binaryOpNames);
export const reduceCode = codesOf(reduceOpNames);

// mx.random: explicit keys for reproducible sampling, or the global seeded sequence.
import { type Array, wrap } from './array.js';
import { type Dtype, dtypeCode } from './dtype.js';
import { native } from './native.js';
import { handleOf, withHandle } from './ops.js';

function checkSeed(seed: number): number {
  if (!Number.isSafeInteger(seed) || seed < 0) throw new TypeError(`random seed must be a non-negative integer, got ${seed}`);
  return seed;
}

/** Seeds the global random sequence (of the calling thread). */
export function seed(value: number): void {
  native().randomSeed(checkSeed(value));
}

/** A PRNG key (uint32 [2]) from a seed. */
export function key(seedValue: number): Array {
  return wrap(native().randomKey(checkSeed(seedValue)));
}

/** Splits a key into `num` new keys ([num, 2]). */
export function split(keyArray: Array, num = 2): Array {
  return wrap(native().randomSplit(handleOf(keyArray, 'random.split'), num));
}

export interface DistributionOptions {
  shape?: readonly number[];
  dtype?: Dtype;
  key?: Array;
}

export function uniform(options: DistributionOptions & { low?: number | Array; high?: number | Array } = {}): Array {
  const { low = 0, high = 1, shape = [], dtype = 'float32', key: k } = options;
  return withHandle(low, undefined, (hl) =>
    withHandle(high, undefined, (hh) => wrap(native().randomUniform(hl, hh, shape, dtypeCode(dtype), k ? handleOf(k, 'key') : undefined))),
  );
}

export function normal(options: DistributionOptions & { loc?: number; scale?: number } = {}): Array {
  const { shape = [], dtype = 'float32', loc = 0, scale = 1, key: k } = options;
  return wrap(native().randomNormal(shape, dtypeCode(dtype), loc, scale, k ? handleOf(k, 'key') : undefined));
}

export function randint(low: number, high: number, options: DistributionOptions = {}): Array {
  const { shape = [], dtype = 'int32', key: k } = options;
  return wrap(native().randomRandint(low, high, shape, dtypeCode(dtype), k ? handleOf(k, 'key') : undefined));
}

export function gumbel(options: DistributionOptions = {}): Array {
  const { shape = [], dtype = 'float32', key: k } = options;
  return wrap(native().randomGumbel(shape, dtypeCode(dtype), k ? handleOf(k, 'key') : undefined));
}

export function bernoulli(p: number | Array = 0.5, options: Omit<DistributionOptions, 'dtype'> = {}): Array {
  return withHandle(p, undefined, (hp) => wrap(native().randomBernoulli(hp, options.shape, options.key ? handleOf(options.key, 'key') : undefined)));
}

export interface CategoricalOptions {
  axis?: number;
  numSamples?: number;
  key?: Array;
}

/** Samples indices from unnormalized log-probabilities along axis (Gumbel-max). */
export function categorical(logits: Array, options: CategoricalOptions = {}): Array {
  return wrap(
    native().randomCategorical(
      handleOf(logits, 'random.categorical'),
      options.axis ?? -1,
      options.numSamples,
      options.key ? handleOf(options.key, 'key') : undefined,
    ),
  );
}

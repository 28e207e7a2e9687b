// Commander argument parsers that reject bad numbers with a message naming the option.
import { InvalidArgumentError } from 'commander';
import type { Range } from '../server/sampling-ranges.js';

export function integer(min: number, max = Number.MAX_SAFE_INTEGER) {
  return (value: string): number => {
    const parsed = Number(value);
    if (!Number.isInteger(parsed) || parsed < min || parsed > max) throw new InvalidArgumentError(`expected an integer from ${min} to ${max}, got "${value}".`);
    return parsed;
  };
}

export function decimal(min: number, max: number) {
  return (value: string): number => {
    const parsed = Number(value);
    if (!Number.isFinite(parsed) || parsed < min || parsed > max) throw new InvalidArgumentError(`expected a number from ${min} to ${max}, got "${value}".`);
    return parsed;
  };
}

/** A parser for one of the HTTP API's ranges, so a flag accepts what the API accepts. */
export function inRange(range: Range) {
  return (value: string): number => {
    const parsed = Number(value);
    const ok =
      Number.isFinite(parsed) &&
      (range.exclusiveMin ? parsed > range.min : parsed >= range.min) &&
      parsed <= range.max &&
      (!range.integer || Number.isInteger(parsed));
    if (!ok) {
      const kind = range.integer ? 'an integer' : 'a number';
      const lower = range.exclusiveMin ? `greater than ${range.min}` : `from ${range.min}`;
      throw new InvalidArgumentError(`expected ${kind} ${lower} ${range.exclusiveMin ? 'and at most' : 'to'} ${range.max}, got "${value}".`);
    }
    return parsed;
  };
}

/** A commander parser for an integer that must be one of `allowed`. */
export function oneOf(allowed: readonly number[]) {
  return (value: string): number => {
    const n = Number(value);
    if (!allowed.includes(n)) throw new InvalidArgumentError(`expected one of ${allowed.join(', ')}, got "${value}".`);
    return n;
  };
}

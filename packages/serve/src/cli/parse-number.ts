// Commander argument parsers that reject bad numbers with a message naming the option.
import { InvalidArgumentError } from 'commander';

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

// Typed errors. Each carries a Symbol.for marker so `isInstance` works across duplicate copies
// of this package in one process.

const optionsMarker = Symbol.for('mlx-ts.SampleOptionsError');
const inputMarker = Symbol.for('mlx-ts.SampleInputError');

/** A sampler or logits-processor option is out of range. The message names the valid range. */
export class SampleOptionsError extends Error {
  readonly [optionsMarker] = true;
  /** The option at fault, as spelled in the options object. */
  readonly option: string;
  constructor(option: string, message: string) {
    super(`${option}: ${message}`);
    this.name = 'SampleOptionsError';
    this.option = option;
  }
  static isInstance(error: unknown): error is SampleOptionsError {
    return typeof error === 'object' && error !== null && optionsMarker in error;
  }
}

/** An array given to a sampler or processor has the wrong shape or refers to tokens outside the vocabulary. */
export class SampleInputError extends Error {
  readonly [inputMarker] = true;
  constructor(message: string) {
    super(message);
    this.name = 'SampleInputError';
  }
  static isInstance(error: unknown): error is SampleInputError {
    return typeof error === 'object' && error !== null && inputMarker in error;
  }
}

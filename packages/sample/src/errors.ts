// Typed errors of @mlx-ts/sample, in the MlxTsError family: each carries a Symbol.for marker so
// `isInstance` works across duplicate copies of this package and across worker threads.
import { MlxTsError, errorMarker, hasMarker } from '@mlx-ts/spec';

const optionsMarker = errorMarker('SampleOptionsError');
const inputMarker = errorMarker('SampleInputError');

/** A sampler or logits-processor option is out of range. The message names the valid range. */
export class SampleOptionsError extends MlxTsError {
  readonly [optionsMarker] = true;
  /** The option at fault, as spelled in the options object. */
  readonly option: string;
  constructor(option: string, message: string) {
    super(`${option}: ${message}`, { code: 'sample_options_error' });
    this.name = 'SampleOptionsError';
    this.option = option;
  }
  static override isInstance(error: unknown): error is SampleOptionsError {
    return hasMarker(error, optionsMarker);
  }
}

/** An array given to a sampler or processor has the wrong shape or refers to tokens outside the vocabulary. */
export class SampleInputError extends MlxTsError {
  readonly [inputMarker] = true;
  constructor(message: string) {
    super(message, { code: 'sample_input_error' });
    this.name = 'SampleInputError';
  }
  static override isInstance(error: unknown): error is SampleInputError {
    return hasMarker(error, inputMarker);
  }
}

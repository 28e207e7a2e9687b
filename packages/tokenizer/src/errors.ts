import { MlxTsError, errorMarker, hasMarker } from '@mlx-ts/spec';

const marker = errorMarker('TokenizerError');

/**
 * Raised for every tokenizer problem we can name: an unsupported component type in tokenizer.json,
 * malformed GGUF metadata, a missing file, a chat template that fails or runs away.
 * `isInstance` works across duplicate copies of this package (and worker threads), where `instanceof` does not.
 */
export class TokenizerError extends MlxTsError {
  readonly [marker] = true;

  constructor(message: string, options?: { cause?: unknown }) {
    super(message, { code: 'tokenizer_error', cause: options?.cause });
    this.name = 'TokenizerError';
  }

  static override isInstance(error: unknown): error is TokenizerError {
    return hasMarker(error, marker);
  }
}

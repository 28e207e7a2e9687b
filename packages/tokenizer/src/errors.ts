const marker = Symbol.for('mlx-ts.tokenizer.error');

/**
 * Raised for every tokenizer problem we can name: an unsupported component type in tokenizer.json,
 * malformed GGUF metadata, a missing file, a chat template that fails or runs away.
 * `isInstance` works across duplicate copies of this package, where `instanceof` does not.
 */
export class TokenizerError extends Error {
  private readonly [marker] = true;

  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'TokenizerError';
  }

  static isInstance(error: unknown): error is TokenizerError {
    return typeof error === 'object' && error !== null && (error as Record<symbol, unknown>)[marker] === true;
  }
}

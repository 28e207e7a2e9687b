const marker = Symbol.for('mlx-ts.ModelDownloadError');

/** Fetching or assembling the default model failed; the message says what to do instead. */
export class ModelDownloadError extends Error {
  readonly [marker] = true;
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'ModelDownloadError';
  }
  static isInstance(error: unknown): error is ModelDownloadError {
    return typeof error === 'object' && error !== null && marker in error;
  }
}

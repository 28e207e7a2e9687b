import { MlxTsError, errorMarker, hasMarker } from '@mlx-ts/spec';

const marker = errorMarker('ModelDownloadError');

/** Fetching or assembling the default model failed; the message says what to do instead. */
export class ModelDownloadError extends MlxTsError {
  readonly [marker] = true;
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, { code: 'model_download_error', cause: options?.cause });
    this.name = 'ModelDownloadError';
  }
  static override isInstance(error: unknown): error is ModelDownloadError {
    return hasMarker(error, marker);
  }
}

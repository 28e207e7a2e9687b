import { MlxTsError, errorMarker, hasMarker } from '@mlx-ts/spec';

const marker = errorMarker('ModelLoadError');

export interface ModelLoadErrorOptions {
  /** The file (or folder) that could not be loaded. */
  file: string;
  /** What is wrong with it, e.g. "tensor blk.0.attn_q.weight ends past the end of the file". */
  problem: string;
  /** What the user can do about it. */
  fix: string;
  cause?: unknown;
}

/**
 * A model file or folder cannot be loaded: missing, truncated, malformed, of an unsupported kind,
 * or holding weights its architecture does not have (or lacking some it needs). Identified across
 * duplicate package copies by a `Symbol.for` marker, so use `ModelLoadError.isInstance(e)`
 * rather than `instanceof`.
 */
export class ModelLoadError extends MlxTsError {
  readonly [marker] = true;
  readonly file: string;
  readonly problem: string;
  readonly fix: string;

  constructor(options: ModelLoadErrorOptions) {
    super(`Cannot load ${options.file}: ${options.problem}. ${options.fix}`, { code: 'model_load_error', cause: options.cause });
    this.name = 'ModelLoadError';
    this.file = options.file;
    this.problem = options.problem;
    this.fix = options.fix;
  }

  static override isInstance(error: unknown): error is ModelLoadError {
    return hasMarker(error, marker);
  }
}

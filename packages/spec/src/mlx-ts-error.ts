// The one error base class of mlx-ts. Every package's errors extend it, so an application can
// catch "anything of ours" with one check and switch on `code`. Identity uses a Symbol.for marker
// instead of `instanceof`, so it survives duplicate copies of a package (two versions in one
// node_modules, or an error rebuilt on the other side of a worker thread).

const baseMarker = Symbol.for('mlx-ts.error');

/** What every mlx-ts error carries besides its message. */
export interface MlxTsErrorOptions {
  /** A stable, machine-readable identifier, e.g. 'model_load_error'. */
  code: string;
  cause?: unknown;
}

export class MlxTsError extends Error {
  readonly [baseMarker] = true;
  readonly code: string;

  constructor(message: string, options: MlxTsErrorOptions) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'MlxTsError';
    this.code = options.code;
  }

  /** True for any mlx-ts error, from any copy of any package. */
  static isInstance(error: unknown): error is MlxTsError {
    return hasMarker(error, baseMarker);
  }
}

/** True when `error` is an object that carries `marker` (set by a subclass's field). */
export function hasMarker(error: unknown, marker: symbol): boolean {
  return typeof error === 'object' && error !== null && (error as Record<symbol, unknown>)[marker] === true;
}

/**
 * The marker a subclass sets and checks, named after the class: `Symbol.for('mlx-ts.<name>')`.
 * Subclasses declare `readonly [marker] = true` and `static isInstance(e) { return hasMarker(e, marker) }`.
 */
export function errorMarker(className: string): symbol {
  return Symbol.for(`mlx-ts.${className}`);
}

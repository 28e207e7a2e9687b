// Typed errors. Each carries a Symbol.for marker so `isInstance` works across duplicate copies
// of this package in one process.

const mlxErrorMarker = Symbol.for('mlx-ts.MlxError');
const loadErrorMarker = Symbol.for('mlx-ts.NativeBindingLoadError');
const disposedMarker = Symbol.for('mlx-ts.ArrayDisposedError');

/** An error raised by MLX itself (shape mismatch, unsupported dtype, bad file, ...). */
export class MlxError extends Error {
  readonly [mlxErrorMarker] = true;
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'MlxError';
  }
  static isInstance(error: unknown): error is MlxError {
    return typeof error === 'object' && error !== null && mlxErrorMarker in error;
  }
}

/** The native addon (or MLX under it) could not be loaded. The message names the fix. */
export class NativeBindingLoadError extends Error {
  readonly [loadErrorMarker] = true;
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'NativeBindingLoadError';
  }
  static isInstance(error: unknown): error is NativeBindingLoadError {
    return typeof error === 'object' && error !== null && loadErrorMarker in error;
  }
}

/** An array was used after `dispose()` (or after the `tidy` scope that owned it ended). */
export class ArrayDisposedError extends Error {
  readonly [disposedMarker] = true;
  constructor() {
    super('This mx.Array was disposed. Keep it alive with mx.keep(array) or return it from the mx.tidy() callback that created it.');
    this.name = 'ArrayDisposedError';
  }
  static isInstance(error: unknown): error is ArrayDisposedError {
    return typeof error === 'object' && error !== null && disposedMarker in error;
  }
}

// Typed errors of @mlx-ts/core, in the MlxTsError family: each carries a Symbol.for marker so
// `isInstance` works across duplicate copies of this package and across worker threads.
import { MlxTsError, errorMarker, hasMarker } from '@mlx-ts/spec';

const mlxErrorMarker = errorMarker('MlxError');
const loadErrorMarker = errorMarker('NativeBindingLoadError');
const disposedMarker = errorMarker('ArrayDisposedError');
const distributedMarker = errorMarker('DistributedError');

/** An error raised by MLX itself (shape mismatch, unsupported dtype, bad file, ...). */
export class MlxError extends MlxTsError {
  readonly [mlxErrorMarker] = true;
  constructor(message: string, options?: ErrorOptions & { code?: string }) {
    super(message, { code: options?.code ?? 'mlx_error', cause: options?.cause });
    this.name = 'MlxError';
  }
  static override isInstance(error: unknown): error is MlxError {
    return hasMarker(error, mlxErrorMarker);
  }
}

/** The native addon (or MLX under it) could not be loaded. The message names the fix. */
export class NativeBindingLoadError extends MlxTsError {
  readonly [loadErrorMarker] = true;
  constructor(message: string, options?: ErrorOptions) {
    super(message, { code: 'native_binding_load_error', cause: options?.cause });
    this.name = 'NativeBindingLoadError';
  }
  static override isInstance(error: unknown): error is NativeBindingLoadError {
    return hasMarker(error, loadErrorMarker);
  }
}

/** An array was used after `dispose()` (or after the `tidy` scope that owned it ended). */
export class ArrayDisposedError extends MlxTsError {
  readonly [disposedMarker] = true;
  constructor() {
    super('This mx.Array was disposed. Keep it alive with mx.keep(array) or return it from the mx.tidy() callback that created it.', {
      code: 'array_disposed',
    });
    this.name = 'ArrayDisposedError';
  }
  static override isInstance(error: unknown): error is ArrayDisposedError {
    return hasMarker(error, disposedMarker);
  }
}

/**
 * A failure of MLX's communication layer (mx.distributed): a backend that cannot start, a peer
 * that cannot be reached or was lost, an op the backend does not support. It is an MlxError too.
 */
export class DistributedError extends MlxError {
  readonly [distributedMarker] = true;
  constructor(message: string, options?: ErrorOptions) {
    super(message, { code: 'distributed_error', cause: options?.cause });
    this.name = 'DistributedError';
  }
  static override isInstance(error: unknown): error is DistributedError {
    return hasMarker(error, distributedMarker);
  }
}

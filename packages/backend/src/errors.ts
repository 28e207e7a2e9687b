// Typed errors of the backend, each identifiable across package copies.

const invalidMarker = Symbol.for('mlx-ts.InvalidRequestError');
const busyMarker = Symbol.for('mlx-ts.BackendBusyError');
const closedMarker = Symbol.for('mlx-ts.BackendClosedError');

/** A request option is invalid; `param` names it (e.g. "temperature"). */
export class InvalidRequestError extends Error {
  readonly [invalidMarker] = true;
  constructor(
    message: string,
    readonly param?: string,
  ) {
    super(message);
    this.name = 'InvalidRequestError';
  }
  static isInstance(error: unknown): error is InvalidRequestError {
    return typeof error === 'object' && error !== null && invalidMarker in error;
  }
}

/** The request queue is full; retry after `retryAfterSeconds`. */
export class BackendBusyError extends Error {
  readonly [busyMarker] = true;
  constructor(
    readonly queued: number,
    readonly retryAfterSeconds = 1,
  ) {
    super(`The model is busy: ${queued} requests are waiting. Retry in ${retryAfterSeconds} s, or raise maxQueue.`);
    this.name = 'BackendBusyError';
  }
  static isInstance(error: unknown): error is BackendBusyError {
    return typeof error === 'object' && error !== null && busyMarker in error;
  }
}

/** The backend was disposed (or is shutting down) and takes no more requests. */
export class BackendClosedError extends Error {
  readonly [closedMarker] = true;
  constructor() {
    super('The backend was disposed; load it again to generate.');
    this.name = 'BackendClosedError';
  }
  static isInstance(error: unknown): error is BackendClosedError {
    return typeof error === 'object' && error !== null && closedMarker in error;
  }
}

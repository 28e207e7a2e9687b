// The errors that cross the Backend boundary: a caller (the server, the AI SDK provider) maps them
// to its own protocol without knowing which Backend threw them.
import { MlxTsError, errorMarker, hasMarker } from '../mlx-ts-error.js';

const invalidMarker = errorMarker('InvalidRequestError');
const busyMarker = errorMarker('BackendBusyError');
const closedMarker = errorMarker('BackendClosedError');
const crashedMarker = errorMarker('BackendCrashedError');

/** A request option is invalid; `param` names it (e.g. "temperature"). */
export class InvalidRequestError extends MlxTsError {
  readonly [invalidMarker] = true;
  constructor(
    message: string,
    readonly param?: string,
  ) {
    super(message, { code: 'invalid_request' });
    this.name = 'InvalidRequestError';
  }
  static override isInstance(error: unknown): error is InvalidRequestError {
    return hasMarker(error, invalidMarker);
  }
}

/** The request queue is full; retry after `retryAfterSeconds`. */
export class BackendBusyError extends MlxTsError {
  readonly [busyMarker] = true;
  constructor(
    readonly queued: number,
    readonly retryAfterSeconds = 1,
  ) {
    super(`The model is busy: ${queued} requests are waiting. Retry in ${retryAfterSeconds} s, or raise maxQueue.`, { code: 'backend_busy' });
    this.name = 'BackendBusyError';
  }
  static override isInstance(error: unknown): error is BackendBusyError {
    return hasMarker(error, busyMarker);
  }
}

/** The backend was disposed (or is shutting down) and takes no more requests. */
export class BackendClosedError extends MlxTsError {
  readonly [closedMarker] = true;
  constructor() {
    super('The backend was disposed; load it again to generate.', { code: 'backend_closed' });
    this.name = 'BackendClosedError';
  }
  static override isInstance(error: unknown): error is BackendClosedError {
    return hasMarker(error, closedMarker);
  }
}

/**
 * The backend's engine stopped while the request ran (its worker thread exited, or a fatal error
 * ended it); `reason` says why. `restarting` is true while the backend starts a new engine and
 * reloads the model: a retry in a few seconds can succeed.
 */
export class BackendCrashedError extends MlxTsError {
  readonly [crashedMarker] = true;
  constructor(
    readonly reason: string,
    readonly restarting: boolean,
  ) {
    super(
      restarting
        ? `The model worker stopped (${reason}); it is being restarted.`
        : `The model worker stopped (${reason}) and is not restarted; restart the server.`,
      { code: 'backend_crashed' },
    );
    this.name = 'BackendCrashedError';
  }
  static override isInstance(error: unknown): error is BackendCrashedError {
    return hasMarker(error, crashedMarker);
  }
}

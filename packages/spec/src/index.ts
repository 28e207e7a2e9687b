// @mlx-ts/spec: the error family and the versioned Backend specification. No runtime dependencies.
export { MlxTsError, type MlxTsErrorOptions, errorMarker, hasMarker } from './mlx-ts-error.js';
export * from './backend/types.js';
export { InvalidRequestError, BackendBusyError, BackendClosedError, BackendCrashedError } from './backend/errors.js';

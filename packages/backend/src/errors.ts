// The errors that cross the Backend boundary are defined by @mlx-ts/spec.
export { InvalidRequestError, BackendBusyError, BackendClosedError, BackendCrashedError } from '@mlx-ts/spec';

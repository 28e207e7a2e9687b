// Errors that cross the worker thread. A structured clone keeps an Error's message but drops its
// class, its Symbol.for markers and its fields, so a ModelLoadError would arrive as a plain Error.
// The worker sends name, code, markers and fields instead, and this side rebuilds the same class.
import { CacheError } from '@mlx-ts/cache';
import { ArrayDisposedError, MlxError, NativeBindingLoadError } from '@mlx-ts/core';
import { ModelLoadError } from '@mlx-ts/models';
import { SampleInputError, SampleOptionsError } from '@mlx-ts/sample';
import { BackendBusyError, BackendClosedError, BackendCrashedError, InvalidRequestError, MlxTsError } from '@mlx-ts/spec';
import { TokenizerError } from '@mlx-ts/tokenizer';

export interface SerializedError {
  name: string;
  message: string;
  stack?: string;
  /** `Symbol.keyFor` of each mlx-ts marker the error carries: its identity for `isInstance`. */
  markers: string[];
  /** Own fields (`code`, `file`, `param`, `queued`, …) that survive a structured clone. */
  fields: Record<string, unknown>;
  cause?: SerializedError;
}

/** The error classes of the packages under the engine, by their `name`: rebuilt errors get their prototype. */
const knownClasses: Record<string, { prototype: Error }> = {
  MlxTsError,
  MlxError,
  NativeBindingLoadError,
  ArrayDisposedError,
  TokenizerError,
  CacheError,
  SampleOptionsError,
  SampleInputError,
  ModelLoadError,
  InvalidRequestError,
  BackendBusyError,
  BackendClosedError,
  BackendCrashedError,
};

function cloneable(value: unknown): boolean {
  try {
    structuredClone(value);
    return true;
  } catch {
    return false;
  }
}

export function serializeError(error: unknown): SerializedError {
  if (!(error instanceof Error) && !MlxTsError.isInstance(error)) return { name: 'Error', message: String(error), markers: [], fields: {} };
  const source = error as Error & Record<string | symbol, unknown>;
  const markers = Object.getOwnPropertySymbols(source)
    .filter((symbol) => source[symbol] === true && Symbol.keyFor(symbol)?.startsWith('mlx-ts.'))
    .map((symbol) => Symbol.keyFor(symbol)!);
  const fields: Record<string, unknown> = {};
  for (const key of Object.keys(source)) {
    if (key !== 'cause' && cloneable(source[key])) fields[key] = source[key];
  }
  return {
    name: source.name,
    message: source.message,
    stack: source.stack,
    markers,
    fields,
    ...(source.cause === undefined ? {} : { cause: serializeError(source.cause) }),
  };
}

/** The error again, as an instance of its class when it is one of ours (instanceof and isInstance hold). */
export function deserializeError(serialized: SerializedError): Error {
  const type =
    (Object.hasOwn(knownClasses, serialized.name) ? knownClasses[serialized.name] : undefined) ?? (serialized.markers.length > 0 ? MlxTsError : Error);
  const error = Object.create(type.prototype) as Error & Record<string | symbol, unknown>;
  Object.defineProperty(error, 'message', { value: serialized.message, writable: true, configurable: true });
  if (serialized.stack !== undefined) Object.defineProperty(error, 'stack', { value: serialized.stack, writable: true, configurable: true });
  if (serialized.cause !== undefined) Object.defineProperty(error, 'cause', { value: deserializeError(serialized.cause), writable: true, configurable: true });
  for (const key of serialized.markers) error[Symbol.for(key)] = true;
  Object.assign(error, serialized.fields);
  return error;
}

// Typed errors of constrained decoding. A schema or grammar the engine cannot use is bad input
// (the server answers 400 with the message), never a crash.
import { MlxTsError, errorMarker, hasMarker } from '@mlx-ts/spec';

const schemaMarker = errorMarker('StructuredOutputError');

export type StructuredOutputErrorKind =
  /** The schema is not valid JSON Schema (or the grammar does not parse). */
  | 'invalid'
  /** Valid, but uses a feature the engine cannot enforce. */
  | 'unsupported';

/** A JSON Schema, grammar or tool definition that cannot be turned into a token mask. */
export class StructuredOutputError extends MlxTsError {
  readonly [schemaMarker] = true;

  constructor(
    message: string,
    readonly kind: StructuredOutputErrorKind,
    /** The feature at fault (a JSON Schema keyword), when there is one. */
    readonly feature?: string,
    options: { cause?: unknown } = {},
  ) {
    super(message, { code: kind === 'invalid' ? 'invalid_schema' : 'unsupported_schema', cause: options.cause });
    this.name = 'StructuredOutputError';
  }

  static override isInstance(error: unknown): error is StructuredOutputError {
    return hasMarker(error, schemaMarker);
  }
}

const unavailableMarker = errorMarker('GrammarEngineUnavailableError');

/** The grammar engine's native addon is not built or does not load. The message names the fix. */
export class GrammarEngineUnavailableError extends MlxTsError {
  readonly [unavailableMarker] = true;

  constructor(message: string, options: { cause?: unknown } = {}) {
    super(message, { code: 'grammar_engine_unavailable', cause: options.cause });
    this.name = 'GrammarEngineUnavailableError';
  }

  static override isInstance(error: unknown): error is GrammarEngineUnavailableError {
    return hasMarker(error, unavailableMarker);
  }
}

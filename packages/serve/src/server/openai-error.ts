// The error every route answers with: OpenAI's `{ error: { message, type, param, code } }` body
// plus the HTTP status that makes the official clients raise the matching error class.
import { MlxTsError, errorMarker, hasMarker } from '@mlx-ts/spec';

const marker = errorMarker('OpenAIError');

export type OpenAIErrorType =
  | 'invalid_request_error'
  | 'authentication_error'
  | 'not_found_error'
  | 'rate_limit_error'
  | 'server_error'
  | 'service_unavailable';

export interface OpenAIErrorBody {
  error: { message: string; type: OpenAIErrorType; param: string | null; code: string | null };
}

export class OpenAIError extends MlxTsError {
  readonly [marker] = true;
  readonly status: number;
  readonly type: OpenAIErrorType;
  readonly param: string | null;
  /** The body's `code` (null where OpenAI sends none); `code` falls back to the type. */
  readonly bodyCode: string | null;
  /** Extra response headers (Retry-After for 429 / 503). */
  readonly headers: Record<string, string>;

  constructor(
    status: number,
    message: string,
    options: { type?: OpenAIErrorType; param?: string | null; code?: string | null; headers?: Record<string, string> } = {},
  ) {
    const type = options.type ?? defaultType(status);
    super(message, { code: options.code ?? type });
    this.name = 'OpenAIError';
    this.status = status;
    this.type = type;
    this.param = options.param ?? null;
    this.bodyCode = options.code ?? null;
    this.headers = options.headers ?? {};
  }

  toJSON(): OpenAIErrorBody {
    return { error: { message: this.message, type: this.type, param: this.param, code: this.bodyCode } };
  }

  static override isInstance(error: unknown): error is OpenAIError {
    return hasMarker(error, marker);
  }

  static invalidRequest(message: string, param: string | null = null, code: string | null = null): OpenAIError {
    return new OpenAIError(400, message, { param, code });
  }
}

function defaultType(status: number): OpenAIErrorType {
  if (status === 401) return 'authentication_error';
  if (status === 404) return 'not_found_error';
  if (status === 429) return 'rate_limit_error';
  if (status === 503) return 'service_unavailable';
  if (status >= 500) return 'server_error';
  return 'invalid_request_error';
}

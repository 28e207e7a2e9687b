// Turns anything a route throws into an OpenAIError: typed backend errors keep their meaning
// (a bad option is a 400 naming the HTTP parameter, a full queue a 429 with Retry-After), and
// only what nobody anticipated becomes a 500 — clients retry 5xx, so a wrong 500 triples the load.
import { BackendBusyError, BackendClosedError, BackendCrashedError, InvalidRequestError, errorMarker, hasMarker } from '@mlx-ts/spec';
import { OpenAIError } from './openai-error.js';

// The tokenizer's errors (a chat template refusing the messages) come from a lower layer that
// serve may use for types only; the marker of its error class identifies them.
const tokenizerErrorMarker = errorMarker('TokenizerError');
// A constraint that fails while it runs (it admits no next token) is the request's schema at fault.
const structuredOutputErrorMarker = errorMarker('StructuredOutputError');

/** `maxTokens` → `max_tokens`: backend option names are camelCase, the HTTP edge speaks snake_case. */
export function httpParamName(param: string, renames: Record<string, string> = {}): string {
  return renames[param] ?? param.replace(/[A-Z]/g, (letter) => `_${letter.toLowerCase()}`);
}

interface FrameworkError {
  statusCode?: number;
  code?: string;
  message?: string;
}

export function toOpenAIError(error: unknown, renames: Record<string, string> = {}): OpenAIError {
  if (OpenAIError.isInstance(error)) return error;
  if (InvalidRequestError.isInstance(error)) {
    const param = error.param === undefined ? null : httpParamName(error.param, renames);
    return OpenAIError.invalidRequest(param ? error.message.replace(error.param!, param) : error.message, param);
  }
  if (BackendBusyError.isInstance(error)) {
    const seconds = Math.max(1, Math.ceil(error.retryAfterSeconds));
    return new OpenAIError(429, `The server is busy: ${error.queued} requests are already waiting for the model. Retry in ${seconds} s.`, {
      code: 'rate_limit_exceeded',
      headers: { 'retry-after': String(seconds) },
    });
  }
  if (BackendClosedError.isInstance(error)) {
    return new OpenAIError(503, 'The server is shutting down and takes no new requests; retry against another instance or after it restarts.', {
      code: 'server_shutting_down',
      headers: { 'retry-after': '5' },
    });
  }
  if (BackendCrashedError.isInstance(error)) {
    // The engine stopped under this request; a restarting one serves a retry once it has reloaded.
    return new OpenAIError(503, error.restarting ? `${error.message} Retry in a few seconds.` : error.message, {
      code: error.restarting ? 'model_reloading' : 'backend_failed',
      headers: error.restarting ? { 'retry-after': '5' } : {},
    });
  }
  if (hasMarker(error, tokenizerErrorMarker)) {
    // A template's own raise_exception comes wrapped in the renderer's prefix; say it once.
    const message = (error as Error).message.replace(/^The chat template failed: (?=The chat template )/, '');
    return OpenAIError.invalidRequest(message, 'messages');
  }
  if (hasMarker(error, structuredOutputErrorMarker)) return OpenAIError.invalidRequest((error as Error).message, null, 'invalid_schema');
  const framework = (typeof error === 'object' && error !== null ? error : {}) as FrameworkError;
  const status = framework.statusCode;
  if (typeof status === 'number' && status >= 400 && status < 500) return fromFrameworkError(status, framework);
  return new OpenAIError(500, 'The server had an internal error while processing the request; it has been logged.', { code: 'internal_error' });
}

function fromFrameworkError(status: number, error: FrameworkError): OpenAIError {
  switch (error.code) {
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      return new OpenAIError(413, 'The request body is larger than this server accepts; shorten the prompt or start the server with a larger body limit.', {
        code: 'request_too_large',
      });
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
      return new OpenAIError(415, 'The request body must be JSON: send it with Content-Type: application/json.', { code: 'unsupported_media_type' });
    case 'FST_ERR_CTP_EMPTY_JSON_BODY':
      return OpenAIError.invalidRequest('The request body is empty; send a JSON object.', null, 'invalid_json');
    case 'FST_ERR_CTP_INVALID_JSON_BODY':
    case 'FST_ERR_CTP_INVALID_CONTENT_LENGTH':
      return OpenAIError.invalidRequest(`The request body is not valid JSON (${error.message ?? 'parse error'}).`, null, 'invalid_json');
  }
  if (status === 400 && /JSON|Unexpected|token/i.test(error.message ?? '')) {
    return OpenAIError.invalidRequest(`The request body is not valid JSON (${error.message}).`, null, 'invalid_json');
  }
  return new OpenAIError(status, error.message ?? 'Bad request');
}

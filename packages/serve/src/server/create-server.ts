// createServer(backend, options): the OpenAI-compatible HTTP server over any Backend.
import { randomBytes } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import cors from '@fastify/cors';
import type { Backend, GenerateOptions } from '@mlx-ts/spec';
import Fastify, { type FastifyInstance, type FastifyServerOptions } from 'fastify';
import { version } from '../version.js';
import { apiKeyHook } from './auth.js';
import { toOpenAIError } from './error-mapping.js';
import { ServerMetrics } from './metrics.js';
import { OpenAIError } from './openai-error.js';
import { RequestParser } from './parse-request.js';
import { type RequestLogEntry, registerRequestLog } from './request-log.js';
import { registerGenerationRoutes } from './routes/generation.js';
import { registerHealthRoute } from './routes/health.js';
import { registerMetricsRoute } from './routes/metrics.js';
import { registerModelRoutes } from './routes/models.js';
import { registerResponsesRoute } from './routes/responses.js';
import type { RequestLimits } from './schemas.js';
import { ServerState } from './server-state.js';

export interface ServerOptions {
  /** The model id(s) requests may name; the first is listed first. Default: the backend's name. */
  modelId?: string | readonly string[];
  /** When set, /v1/* requires `Authorization: Bearer <apiKey>` (or `X-Api-Key`). */
  apiKey?: string;
  /** Largest accepted request body in bytes (default 1 MiB); larger ones get 413. */
  maxRequestBytes?: number;
  /** Origins allowed to call from a browser (`['*']` for any). Default: none (no CORS headers). */
  cors?: readonly string[];
  /**
   * Generation options applied when a request leaves them out (read per request, so they may be
   * filled in after the server started) (a model's generation_config.json
   * values, say). Unset temperature is OpenAI's default, 1; unset maxTokens is 512 on
   * /v1/chat/completions and /v1/responses (/v1/completions: 16, as OpenAI's).
   */
  defaults?: GenerateOptions;
  /** Bounds on max_tokens, n and the number of prompts. */
  limits?: Partial<RequestLimits>;
  /** Fastify's logger option (default: off). */
  logger?: FastifyServerOptions['logger'];
  /** How long close() lets in-flight generations finish before aborting them (default 30 s). */
  drainTimeoutMs?: number;
  /** Called once per answered request, after its response ended (the CLI's request log). */
  requestLog?: (entry: RequestLogEntry) => void;
  /** Called when a Promise backend rejects (default: logged through `logger`). */
  onLoadError?: (error: Error) => void;
  /** How many /v1/responses results are kept in memory for previous_response_id (default 256). */
  storedResponses?: number;
  /**
   * A stream that wrote nothing for this long (a request waiting for room in the batch) sends an
   * SSE comment, `: keep-alive`, which clients ignore (default 10 000 ms; 0: never).
   */
  sseKeepAliveMs?: number;
}

/** The max_tokens a chat request gets when it names none. */
export const defaultMaxTokens = 512;

export interface OpenAIServer extends AsyncDisposable {
  /** The underlying Fastify instance (for inject() in tests, or extra routes). */
  readonly app: FastifyInstance;
  listen(port: number, host?: string): Promise<{ url: string }>;
  /** Drains: refuses new requests with 503, lets in-flight ones finish, then closes the sockets. */
  close(): Promise<void>;
}

const defaultMaxRequestBytes = 1024 * 1024;

export function createServer(backend: Backend | Promise<Backend>, options: ServerOptions = {}): OpenAIServer {
  const modelIds = resolveModelIds(backend, options.modelId);
  const app = Fastify({
    logger: options.logger ?? false,
    bodyLimit: options.maxRequestBytes ?? defaultMaxRequestBytes,
    genReqId: () => `req_${randomBytes(12).toString('hex')}`,
    // Draining is ours to answer (an OpenAI error body, not Fastify's).
    return503OnClosing: false,
    forceCloseConnections: 'idle',
  });
  // Every generation goes through the metered backend, so /metrics sees its latencies.
  let loaded: Backend | undefined;
  const metrics = new ServerMetrics(() => loaded);
  const metered = isPromise(backend) ? backend.then((b) => (loaded = b) && metrics.meter(b)) : metrics.meter((loaded = backend));
  // Read per request: the CLI fills options.defaults in once it knows the model's generation_config.json.
  const defaults = (): GenerateOptions => ({ temperature: 1, maxTokens: defaultMaxTokens, ...options.defaults });
  const state = new ServerState(
    metered,
    defaults,
    `fp_mlx_ts_${version}`,
    options.onLoadError ?? ((error) => app.log.error({ err: error }, 'model failed to load')),
  );
  if (options.sseKeepAliveMs !== undefined) state.sseKeepAliveMs = options.sseKeepAliveMs;
  const parser = new RequestParser(options.limits);
  const bodyLimit = options.maxRequestBytes ?? defaultMaxRequestBytes;
  if (options.requestLog) registerRequestLog(app, options.requestLog);

  app.addHook('onRequest', async (request, reply) => {
    // openai-node reads x-request-id into error.requestID and response._request_id.
    reply.header('x-request-id', request.id);
    if (state.phase === 'draining' && request.url !== '/health') {
      reply.header('connection', 'close');
      throw new OpenAIError(503, 'The server is shutting down and takes no new requests.', { code: 'server_shutting_down', headers: { 'retry-after': '5' } });
    }
  });
  if (options.cors && options.cors.length > 0) {
    const anyOrigin = options.cors.includes('*');
    app.register(cors, {
      origin: anyOrigin ? '*' : [...options.cors],
      methods: ['GET', 'POST', 'OPTIONS'],
      exposedHeaders: ['x-request-id', 'retry-after'],
      maxAge: 600,
    });
  }
  if (options.apiKey) app.addHook('onRequest', apiKeyHook(options.apiKey));

  app.setErrorHandler((error, request, reply) => {
    const mapped =
      (error as { code?: string }).code === 'FST_ERR_CTP_BODY_TOO_LARGE'
        ? new OpenAIError(
            413,
            `The request body is larger than this server's limit of ${bodyLimit} bytes (set by mlx-ts serve --max-request-bytes); shorten the request or raise the limit.`,
            { code: 'request_too_large' },
          )
        : toOpenAIError(error);
    if (mapped.status >= 500 && mapped.status !== 503) request.log.error({ err: error }, 'request failed');
    if (reply.sent || reply.raw.headersSent) return;
    reply.status(mapped.status).headers(mapped.headers).send(mapped.toJSON());
  });
  app.setNotFoundHandler((request, reply) => {
    const route = `${request.method} ${request.url.split('?')[0].slice(0, 200)}`;
    const error = new OpenAIError(
      404,
      `Unknown route ${route}. This server serves GET /v1/models, POST /v1/chat/completions, POST /v1/completions, POST /v1/responses and GET /health.`,
      {
        type: 'invalid_request_error',
        code: 'unknown_url',
      },
    );
    reply.status(404).send(error.toJSON());
  });

  registerHealthRoute(app, state);
  registerMetricsRoute(app, metrics);
  registerModelRoutes(app, modelIds, Math.floor(Date.now() / 1000), () => ({
    max_model_len: state.loadedBackend?.contextLength ?? null,
    default_max_tokens: defaults().maxTokens,
    limits: { max_tokens: parser.limits.maxTokens, n: parser.limits.maxChoices, max_request_bytes: bodyLimit },
  }));
  registerGenerationRoutes(app, state, parser, modelIds);
  registerResponsesRoute(app, state, parser, modelIds, options.storedResponses ?? 256);

  let closing: Promise<void> | undefined;
  const close = () => {
    closing ??= (async () => {
      await state.drain(options.drainTimeoutMs ?? 30_000);
      await app.close();
    })();
    return closing;
  };
  return {
    app,
    async listen(port: number, host = '127.0.0.1') {
      await app.listen({ port, host });
      const address = app.server.address() as AddressInfo;
      const shownHost = address.family === 'IPv6' ? `[${address.address}]` : address.address;
      return { url: `http://${shownHost}:${address.port}` };
    },
    close,
    [Symbol.asyncDispose]: close,
  };
}

function isPromise<T>(value: T | Promise<T>): value is Promise<T> {
  return typeof (value as Promise<T>)?.then === 'function';
}

function resolveModelIds(backend: Backend | Promise<Backend>, modelId: ServerOptions['modelId']): readonly string[] {
  if (typeof modelId === 'string') return [modelId];
  if (modelId && modelId.length > 0) return modelId;
  if (typeof (backend as Promise<Backend>).then !== 'function') return [(backend as Backend).name];
  throw new TypeError('createServer: pass options.modelId when the backend is still loading (a Promise).');
}

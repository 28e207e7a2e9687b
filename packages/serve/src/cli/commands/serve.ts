// mlx-ts serve: bind the port first (a taken port fails at once, before gigabytes load), then
// load the model while /health answers 503, then serve.
import { type Backend, type BackendCrashedError, exitAfterGroupFailure, type GenerateOptions, groupFailureLine } from '@mlx-ts/backend';
import { Command, Option } from 'commander';
import { createServer, defaultMaxTokens } from '../../server/create-server.js';
import { formatRequestLogLine, type RequestLogEntry } from '../../server/request-log.js';
import { defaultLimits } from '../../server/schemas.js';
import { referenceBlasWarning, usesReferenceBlas } from '../blas-check.js';
import { distributedRank, runFollower } from '../distributed-rank.js';
import { loadWorkerBackend, modelIdFor, resolveModelPath } from '../load-backend.js';
import { generationConfigDefaults } from '../model-defaults.js';
import { decimal, integer, oneOf } from '../parse-number.js';
import { addSamplingOptions, generateOptionsFrom, type SamplingFlags } from './sampling-options.js';

interface ServeFlags extends SamplingFlags {
  model?: string;
  modelId?: string;
  host: string;
  port: number;
  apiKey?: string;
  cors?: string[];
  maxQueue?: number;
  maxBatch?: number;
  maxKvTokens?: number;
  kvBits?: number;
  kvGroupSize?: number;
  maxRequestBytes?: number;
  maxChoices: number;
  maxTokensLimit: number;
  drainSeconds: number;
  sseKeepalive: number;
  logLevel: string;
  logFormat?: 'text' | 'json' | 'off';
  parallelism: 'tensor' | 'pipeline';
}

/** One line a person reads in a terminal; JSON lines for a log collector. */
function requestLogger(format: 'text' | 'json' | 'off'): ((entry: RequestLogEntry) => void) | undefined {
  if (format === 'off') return undefined;
  if (format === 'json') return (entry) => process.stderr.write(`${JSON.stringify(entry)}\n`);
  return (entry) => process.stderr.write(`${formatRequestLogLine(entry)}\n`);
}

function deferred<T>() {
  let resolve!: (value: T) => void;
  let reject!: (error: Error) => void;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  // The server observes the rejection; this keeps Node from calling it unhandled meanwhile.
  promise.catch(() => undefined);
  return { promise, resolve, reject };
}

export function serveCommand(): Command {
  const command = new Command('serve')
    .description('Serve a model over an OpenAI-compatible HTTP API (/v1/chat/completions, /v1/completions, /v1/responses, /v1/models, /health, /metrics).')
    .option(
      '-m, --model <path|id>',
      'a model folder, a .gguf file, or a Hugging Face id org/name[@revision][:QUANT] (from the HF cache, else downloaded into it; default: Gemma 3 270M, downloaded on first use)',
    )
    .option('--model-id <id>', 'the model id clients send (default: the file or folder name)')
    .option('--host <host>', 'address to listen on', '127.0.0.1')
    .option('-p, --port <port>', 'port to listen on', integer(0, 65535), 8080)
    .option('--api-key <key>', 'require "Authorization: Bearer <key>" on /v1/* (default: $MLX_TS_API_KEY)')
    .option('--cors <origins...>', 'origins allowed to call from browsers ("*" for any)')
    .option('--max-batch <n>', 'sequences decoded together in one batch (default 16)', integer(1, 1024))
    .option('--max-kv-tokens <n>', 'KV-cache tokens running sequences may hold; past it requests wait (default: from free memory)', integer(1))
    .option(
      '--kv-bits <bits>',
      'keep the KV caches quantized to 2, 3, 4, 5, 6 or 8 bits: less memory per token, more sequences fit (default: not quantized)',
      oneOf([2, 3, 4, 5, 6, 8]),
    )
    .option('--kv-group-size <n>', 'elements per KV quantization group: 32, 64 or 128', oneOf([32, 64, 128]), 64)
    .option('--max-queue <n>', 'requests that may wait for the model; more get 429', integer(0, 100_000))
    .option('--max-request-bytes <n>', 'largest request body; larger ones get 413 (default 1048576)', integer(1024))
    .option('--max-choices <n>', 'largest n a request may ask for', integer(1, 128), defaultLimits.maxChoices)
    .option('--max-tokens-limit <n>', 'largest max_tokens a request may ask for', integer(1, 100_000_000), defaultLimits.maxTokens)
    .option('--drain-seconds <s>', 'on SIGINT/SIGTERM, how long running requests may finish', integer(0), 30)
    .option(
      '--sse-keepalive <seconds>',
      'a stream that sent nothing for this long (waiting for room in the batch) sends an SSE comment ": keep-alive", which clients ignore; 0: never',
      decimal(0, 86_400),
      10,
    )
    .addOption(
      new Option(
        '--log-format <format>',
        'request log: one line per request (text), JSON lines (json) or none (off); default: text in a terminal, json otherwise',
      ).choices(['text', 'json', 'off']),
    )
    .option('--log-level <level>', "the HTTP framework's own log: fatal, error, warn, info, debug or trace", 'warn')
    .addOption(
      new Option(
        '--parallelism <kind>',
        'under `mlx-ts launch` (MLX_RANK set): split the model over the ranks by attention heads and MLP columns (tensor) or by layers (pipeline)',
      )
        .choices(['tensor', 'pipeline'])
        .default('tensor'),
    );
  return addSamplingOptions(
    command,
    `max_tokens for chat and responses requests that give none (default ${defaultMaxTokens}; /v1/completions: 16)`,
    "temperature for requests that give none, overriding the model's generation_config.json (default: that file's, else 1 as OpenAI's)",
  ).action(async (flags: ServeFlags) => {
    const rank = distributedRank();
    if (rank !== undefined && rank > 0) await runFollower(rank, flags);
    const modelId = flags.modelId ?? modelIdFor(flags.model);
    const backend = deferred<Backend>();
    const defaults: GenerateOptions = generateOptionsFrom(flags);
    const server = createServer(backend.promise, {
      modelId,
      apiKey: flags.apiKey ?? process.env.MLX_TS_API_KEY,
      cors: flags.cors,
      maxRequestBytes: flags.maxRequestBytes,
      // Filled in below, once the model path (and its generation_config.json) is known.
      defaults,
      limits: { maxChoices: flags.maxChoices, maxTokens: flags.maxTokensLimit },
      drainTimeoutMs: flags.drainSeconds * 1000,
      sseKeepAliveMs: Math.round(flags.sseKeepalive * 1000),
      logger: { level: flags.logLevel },
      requestLog: requestLogger(flags.logFormat ?? (process.stderr.isTTY ? 'text' : 'json')),
      // The CLI reports a failed load itself, in one line.
      onLoadError: () => undefined,
    });
    let url: string;
    try {
      ({ url } = await server.listen(flags.port, flags.host));
    } catch (error) {
      const code = (error as { code?: string }).code;
      const reason =
        code === 'EADDRINUSE' ? 'is already in use' : code === 'EACCES' ? 'needs privileges this user lacks' : `cannot be used (${(error as Error).message})`;
      process.stderr.write(`mlx-ts: port ${flags.port} on ${flags.host} ${reason}; choose another with --port <n>.\n`);
      process.exit(1);
    }
    process.stderr.write(`mlx-ts: listening on ${url} (GET /health is 503 until the model has loaded)\n`);
    let stopping = false;
    let stoppedAt = 0;
    let loaded: Backend | undefined;
    const stop = async (signal: string) => {
      // One Ctrl-C under `pnpm start` arrives twice (from the terminal and forwarded by pnpm).
      if (stopping && Date.now() - stoppedAt < 1000) return;
      if (stopping) {
        process.stderr.write('mlx-ts: second signal, exiting now\n');
        process.exit(1);
      }
      stopping = true;
      stoppedAt = Date.now();
      process.stderr.write(`mlx-ts: ${signal}: finishing running requests (up to ${flags.drainSeconds} s), then exiting\n`);
      await server.close();
      await loaded?.[Symbol.asyncDispose]();
      process.exit(0);
    };
    process.on('SIGINT', () => void stop('SIGINT'));
    process.on('SIGTERM', () => void stop('SIGTERM'));
    try {
      const path = await resolveModelPath(flags.model);
      Object.assign(defaults, { ...(await generationConfigDefaults(path)), ...generateOptionsFrom(flags) });
      loaded = await loadWorkerBackend({
        model: path,
        modelId,
        maxQueue: flags.maxQueue,
        maxBatch: flags.maxBatch,
        maxKvTokens: flags.maxKvTokens,
        kvBits: flags.kvBits,
        kvGroupSize: flags.kvGroupSize,
        ...(rank === undefined
          ? {
              // A worker that stopped unexpectedly fails its requests with 503 and is started again
              // (at most 3 times a minute); past that /health stays 503, naming why.
              onRestart: (error: BackendCrashedError) =>
                process.stderr.write(`mlx-ts: the model worker stopped (${error.reason}); starting a new one and loading the model again\n`),
              onCrash: (error: Error) => process.stderr.write(`mlx-ts: ${error.message} /health answers 503 until then.\n`),
            }
          : {
              distributed: { exitOnFailure: true },
              parallelism: flags.parallelism,
              // A rank that died or lost its connection: the group cannot go on, so neither can this server.
              onCrash: (error: Error) => exitAfterGroupFailure(groupFailureLine(0, error.message)),
            }),
      });
      backend.resolve(loaded);
    } catch (error) {
      backend.reject(error as Error);
      process.stderr.write(`mlx-ts: could not load the model: ${(error as Error).message}\n`);
      await server.close();
      process.exit(1);
    }
    if (usesReferenceBlas()) process.stderr.write(`${referenceBlasWarning()}\n`);
    const effective = { temperature: 1, maxTokens: defaultMaxTokens, ...defaults };
    const sampling = Object.entries(effective)
      .map(([key, value]) => `${key} ${value}`)
      .join(', ');
    process.stderr.write(`mlx-ts: serving model "${modelId}" at ${url}/v1 (for omitted parameters: ${sampling})\n`);
    if (rank !== undefined) process.stderr.write(`mlx-ts: rank 0 (pid ${process.pid}) serves; the other ranks run the same forward passes\n`);
  });
}

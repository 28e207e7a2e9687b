// mlx-ts serve: listen at once (/health answers 503 while the model loads), then serve.
import { Command } from 'commander';
import { createServer } from '../../server/create-server.js';
import { loadWorkerBackend, modelIdFor } from '../load-backend.js';
import { integer } from '../parse-number.js';
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
  maxRequestBytes?: number;
  drainSeconds: number;
  logLevel: string;
}

export function serveCommand(): Command {
  const command = new Command('serve')
    .description('Serve a model over an OpenAI-compatible HTTP API (/v1/chat/completions, /v1/completions, /v1/models, /health, /metrics).')
    .option('-m, --model <path|id>', 'a model folder, a .gguf file, or a Hugging Face id org/name[@revision][:QUANT] (from the HF cache, else downloaded into it; default: Gemma 3 270M, downloaded on first use)')
    .option('--model-id <id>', 'the model id clients send (default: the file or folder name)')
    .option('--host <host>', 'address to listen on', '127.0.0.1')
    .option('-p, --port <port>', 'port to listen on', integer(0, 65535), 8080)
    .option('--api-key <key>', 'require "Authorization: Bearer <key>" on /v1/* (default: $MLX_TS_API_KEY)')
    .option('--cors <origins...>', 'origins allowed to call from browsers ("*" for any)')
    .option('--max-batch <n>', 'sequences decoded together in one batch (default 16)', integer(1, 1024))
    .option('--max-kv-tokens <n>', 'KV-cache tokens running sequences may hold; past it requests wait (default: from free memory)', integer(1))
    .option('--max-queue <n>', 'requests that may wait for room in the batch; more get 429 (default 64)', integer(0, 100_000))
    .option('--max-request-bytes <n>', 'largest request body; larger ones get 413', integer(1024))
    .option('--drain-seconds <s>', 'on SIGINT/SIGTERM, how long running requests may finish', integer(0), 30)
    .option('--log-level <level>', 'fatal, error, warn, info, debug or trace', 'warn');
  return addSamplingOptions(command, 'default max_tokens for requests that give none').action(async (flags: ServeFlags) => {
    const modelId = flags.modelId ?? modelIdFor(flags.model);
    const backend = loadWorkerBackend({ model: flags.model, maxQueue: flags.maxQueue, maxBatch: flags.maxBatch, maxKvTokens: flags.maxKvTokens });
    const server = createServer(backend, {
      modelId,
      apiKey: flags.apiKey ?? process.env.MLX_TS_API_KEY,
      cors: flags.cors,
      maxRequestBytes: flags.maxRequestBytes,
      defaults: generateOptionsFrom(flags),
      drainTimeoutMs: flags.drainSeconds * 1000,
      logger: { level: flags.logLevel },
    });
    const { url } = await server.listen(flags.port, flags.host);
    process.stderr.write(`mlx-ts: listening on ${url} (GET /health is 503 until the model has loaded)\n`);
    let stopping = false;
    const stop = async (signal: string) => {
      if (stopping) {
        process.stderr.write('mlx-ts: second signal, exiting now\n');
        process.exit(1);
      }
      stopping = true;
      process.stderr.write(`mlx-ts: ${signal}: finishing running requests (up to ${flags.drainSeconds} s), then exiting\n`);
      await server.close();
      const loaded = await backend.catch(() => undefined);
      await loaded?.dispose();
      process.exit(0);
    };
    process.on('SIGINT', () => void stop('SIGINT'));
    process.on('SIGTERM', () => void stop('SIGTERM'));
    try {
      await backend;
      process.stderr.write(`mlx-ts: serving model "${modelId}" at ${url}/v1\n`);
    } catch (error) {
      process.stderr.write(`mlx-ts: could not load the model: ${(error as Error).message}\n`);
      await server.close();
      process.exit(1);
    }
  });
}

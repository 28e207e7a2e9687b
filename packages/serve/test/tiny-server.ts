// A real server on the tiny random Gemma 3 (with the small test tokenizer) over real HTTP, for the
// load, disconnect and fuzz tests: fast enough for CI, the same engine as production.
import { MlxBackend, type MlxBackendOptions } from '@mlx-ts/backend';
import { createServer, type ServerOptions } from '../src/index.js';
import { tinyModel } from './cli-helpers.js';

export const tinyModelId = 'tiny-gemma3';

export interface TinyServer {
  url: string;
  backend: MlxBackend;
  close(): Promise<void>;
}

export async function startTinyServer(backendOptions: MlxBackendOptions = {}, serverOptions: ServerOptions = {}): Promise<TinyServer> {
  const backend = await MlxBackend.load(tinyModel(), backendOptions);
  const server = createServer(backend, { modelId: tinyModelId, ...serverOptions });
  const { url } = await server.listen(0);
  return {
    url,
    backend,
    async close() {
      await server.close();
      await backend.dispose();
    },
  };
}

export interface OpenAIErrorBody {
  error: { message: string; type: string; param: string | null; code: string | null };
}

/** Reads an error response and checks it has OpenAI's shape: `{ error: { message, type, param, code } }`. */
export async function errorBody(response: Response): Promise<OpenAIErrorBody['error']> {
  const text = await response.text();
  if (!/^application\/json/.test(response.headers.get('content-type') ?? '')) throw new Error(`error ${response.status} is not JSON: ${text.slice(0, 200)}`);
  const body = JSON.parse(text) as OpenAIErrorBody;
  const keys = Object.keys(body.error ?? {})
    .sort()
    .join(',');
  if (Object.keys(body).join(',') !== 'error' || keys !== 'code,message,param,type' || typeof body.error.message !== 'string') {
    throw new Error(`error ${response.status} is not in OpenAI's shape: ${text.slice(0, 200)}`);
  }
  return body.error;
}

/** The numeric samples of one metric in a Prometheus text body. */
export function metricValue(text: string, name: string): number {
  const line = text.split('\n').find((l) => l.startsWith(`${name} `));
  if (!line) throw new Error(`metric ${name} is missing from /metrics`);
  return Number(line.slice(name.length + 1));
}

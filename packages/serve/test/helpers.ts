// Shared by the server tests: the real test model (made by tools/setup-test-data.sh), loaded
// once per test file, and small HTTP helpers.
import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { MlxBackend, type MlxBackendOptions } from '@mlx-ts/backend';

const repoRoot = resolve(import.meta.dirname, '../../..');
export const dataRoot = process.env.MLX_TS_DATA ?? join(repoRoot, '.cache');

/** A model under <data>/models; fails (never skips) when the setup script has not run. */
export function testModelPath(name: string): string {
  const path = join(dataRoot, 'models', name);
  if (!existsSync(path)) {
    throw new Error(`Test model ${path} is missing: run \`bash tools/setup-test-data.sh\` from the repository root (or set MLX_TS_DATA).`);
  }
  return path;
}

/** The model the fixtures were made with (test/fixtures/serve-reference.json). */
export const referenceModel = 'gemma-3-270m-bf16';
export const modelId = 'gemma-3-270m';

export function loadReferenceBackend(options: MlxBackendOptions = {}): Promise<MlxBackend> {
  return MlxBackend.load(testModelPath(referenceModel), options);
}

export interface Reference {
  maxTokens: number;
  chat: ReferenceGeneration & { messages: { role: 'user'; content: string }[] };
  completion: ReferenceGeneration & { prompt: string };
}

interface ReferenceGeneration {
  promptTokens: number;
  completionIds: number[];
  text: string;
  tokens: string[];
  logprobs: number[];
  top: { id: number; token: string; logprob: number }[][];
}

export const reference: Reference = JSON.parse(readFileSync(join(import.meta.dirname, 'fixtures/serve-reference.json'), 'utf8'));

export async function postJson(url: string, body: unknown, headers: Record<string, string> = {}): Promise<Response> {
  return fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
}

/** The JSON payloads of an SSE body (`[DONE]` kept as a string). */
export function sseEvents(body: string): unknown[] {
  return body
    .split('\n\n')
    .filter((event) => event.length > 0)
    .map((event) => {
      if (!event.startsWith('data: ')) throw new Error(`not an SSE data event: ${JSON.stringify(event)}`);
      const data = event.slice('data: '.length);
      return data === '[DONE]' ? data : JSON.parse(data);
    });
}

// GET /metrics over real HTTP while concurrent streaming clients run on the tiny random Gemma 3:
// the exposition parses as Prometheus text, the token counter equals the completion tokens the
// clients were told about, and the histograms counted every stream.
import { copyFileSync, mkdtempSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { MlxBackend } from '@mlx-ts/backend';
import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createServer } from '../src/index.js';
import { testModelPath } from './helpers.js';

function tinyFolder(): string {
  const source = testModelPath('tiny-gemma3');
  const folder = mkdtempSync(join(tmpdir(), 'mlx-ts-serve-tiny-'));
  for (const file of ['model.safetensors', 'config.json']) symlinkSync(join(source, file), join(folder, file));
  const tokenizer = resolve(import.meta.dirname, '../../backend/test/fixtures/tiny-tokenizer');
  for (const file of ['tokenizer.json', 'tokenizer_config.json']) copyFileSync(join(tokenizer, file), join(folder, file));
  return folder;
}

/** Prometheus text format: `name{labels} value` lines (HELP/TYPE comments skipped). */
function parse(text: string): Map<string, number> {
  const samples = new Map<string, number>();
  for (const line of text.split('\n')) {
    if (line === '' || line.startsWith('#')) continue;
    const match = /^([a-zA-Z_:][a-zA-Z0-9_:]*(?:\{[^}]*\})?) (\S+)$/.exec(line);
    expect(match, `a valid sample line: ${line}`).not.toBeNull();
    samples.set(match![1], Number(match![2]));
  }
  return samples;
}

let backend: MlxBackend;
beforeAll(async () => {
  backend = await MlxBackend.load(tinyFolder(), { dtype: 'float32', maxBatch: 8 });
});
afterAll(async () => {
  await backend?.dispose();
});

describe('GET /metrics', () => {
  it('reports engine gauges, token counters and latency histograms of concurrent streams', async () => {
    const server = createServer(backend, { modelId: 'tiny' });
    const { url } = await server.listen(0);
    try {
      const client = new OpenAI({ baseURL: `${url}/v1`, apiKey: 'unused', maxRetries: 0 });
      const before = parse(await (await fetch(`${url}/metrics`)).text());
      expect(before.get('mlx_ts_active_sequences')).toBe(0);
      const streams = 6;
      const completionTokens = await Promise.all(
        Array.from({ length: streams }, async (_, i) => {
          const stream = await client.completions.create({
            model: 'tiny',
            prompt: `prompt number ${i}`,
            max_tokens: 5 + i,
            stream: true,
            stream_options: { include_usage: true },
          });
          let usage = 0;
          for await (const chunk of stream) if (chunk.usage) usage = chunk.usage.completion_tokens;
          return usage;
        }),
      );
      const response = await fetch(`${url}/metrics`);
      expect(response.status).toBe(200);
      expect(response.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/);
      const after = parse(await response.text());
      const generated = completionTokens.reduce((a, b) => a + b, 0);
      expect(generated).toBeGreaterThan(0);
      expect(after.get('mlx_ts_generation_tokens_total')! - (before.get('mlx_ts_generation_tokens_total') ?? 0)).toBeGreaterThanOrEqual(generated);
      expect(after.get('mlx_ts_prompt_tokens_total')).toBeGreaterThan(0);
      expect(after.get('mlx_ts_time_to_first_token_seconds_count')).toBe(streams);
      expect(after.get('mlx_ts_inter_token_latency_seconds_count')).toBeGreaterThan(0);
      expect(after.get('mlx_ts_active_sequences')).toBe(0);
      expect(after.get('mlx_ts_queue_depth')).toBe(0);
      expect(after.has('mlx_ts_kv_tokens_in_use')).toBe(true);
      expect(after.has('mlx_ts_generation_tokens_per_second')).toBe(true);
      expect(after.get('mlx_ts_requests_total{finish_reason="length"}')! + (after.get('mlx_ts_requests_total{finish_reason="stop"}') ?? 0)).toBe(streams);
    } finally {
      await server.close();
    }
  });
});

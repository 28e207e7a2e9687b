// Load bench: 8 concurrent streaming chat clients for 60 s against `mlx-ts serve` (a child
// process on loopback), while /health is probed every 200 ms and the server's RSS sampled every
// second. Prints one JSON object. Not a test: nothing here gates CI.
//   node bench/load.mjs [--model PATH] [--clients 8] [--seconds 60] [--max-tokens 32] [--max-batch N]
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

const here = dirname(fileURLToPath(import.meta.url));
const { values: args } = parseArgs({
  options: {
    model: { type: 'string' },
    clients: { type: 'string', default: '8' },
    seconds: { type: 'string', default: '60' },
    'max-tokens': { type: 'string', default: '32' },
    'warmup-seconds': { type: 'string', default: '10' },
    port: { type: 'string', default: '18431' },
    'max-batch': { type: 'string' },
  },
});
const clients = Number(args.clients);
const seconds = Number(args.seconds);
const maxTokens = Number(args['max-tokens']);
const warmupSeconds = Number(args['warmup-seconds']);
const base = `http://127.0.0.1:${args.port}`;
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

const server = spawn(
  process.execPath,
  [
    join(here, '../bin/mlx-ts.mjs'),
    'serve',
    '--port',
    args.port,
    '--model-id',
    'bench',
    ...(args.model ? ['--model', args.model] : []),
    ...(args['max-batch'] ? ['--max-batch', args['max-batch'], '--max-queue', String(Math.max(64, clients))] : []),
  ],
  {
    stdio: ['ignore', 'ignore', 'inherit'],
  },
);
const stopServer = () => server.exitCode === null && server.kill('SIGTERM');
process.on('exit', stopServer);

function rssBytes(pid) {
  try {
    const line = readFileSync(`/proc/${pid}/status`, 'utf8')
      .split('\n')
      .find((l) => l.startsWith('VmRSS:'));
    return Number(line.split(/\s+/)[1]) * 1024;
  } catch {
    return undefined;
  }
}

async function waitHealthy() {
  const start = Date.now();
  while (Date.now() - start < 300_000) {
    if (server.exitCode !== null) throw new Error(`the server exited with code ${server.exitCode}`);
    try {
      if ((await fetch(`${base}/health`)).status === 200) return (Date.now() - start) / 1000;
    } catch {}
    await sleep(200);
  }
  throw new Error('the server did not become healthy within 300 s');
}

const topics = ['the sea', 'mountains', 'a city at night', 'autumn', 'a library', 'trains', 'the moon', 'bread'];

async function client(id, deadline, stats) {
  let turn = 0;
  while (performance.now() < deadline) {
    const started = performance.now();
    try {
      const response = await fetch(`${base}/v1/chat/completions`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({
          model: 'bench',
          messages: [{ role: 'user', content: `Write a short poem about ${topics[(id + turn++) % topics.length]}.` }],
          max_tokens: maxTokens,
          temperature: 0.8,
          seed: id * 1000 + turn,
          stream: true,
          stream_options: { include_usage: true },
        }),
      });
      if (response.status !== 200) {
        stats.errors.push(`HTTP ${response.status}: ${(await response.text()).slice(0, 200)}`);
        continue;
      }
      const body = await response.text();
      if (!body.endsWith('data: [DONE]\n\n')) stats.errors.push('stream did not end with [DONE]');
      if (body.includes('"error"')) stats.errors.push(`error event: ${body.slice(body.indexOf('"error"'), body.indexOf('"error"') + 200)}`);
      const usage = body
        .split('\n\n')
        .map((e) => e.slice(6))
        .filter((d) => d.startsWith('{') && d.includes('"usage":{'))
        .map((d) => JSON.parse(d).usage)[0];
      stats.completionTokens += usage?.completion_tokens ?? 0;
      stats.requests++;
      stats.latencies.push(performance.now() - started);
    } catch (error) {
      stats.errors.push(String(error));
    }
  }
}

async function probeHealth(deadline, latencies) {
  while (performance.now() < deadline) {
    const started = performance.now();
    const response = await fetch(`${base}/health`);
    await response.text();
    latencies.push({ ms: performance.now() - started, status: response.status });
    await sleep(200);
  }
}

const percentile = (values, p) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
};
const round = (x, digits = 1) => Math.round(x * 10 ** digits) / 10 ** digits;

try {
  const loadSeconds = await waitHealthy();
  const start = performance.now();
  const deadline = start + seconds * 1000;
  const stats = { requests: 0, completionTokens: 0, errors: [], latencies: [] };
  const health = [];
  const rss = [];
  const sampler = setInterval(() => rss.push({ t: (performance.now() - start) / 1000, bytes: rssBytes(server.pid) }), 1000);
  await Promise.all([...Array.from({ length: clients }, (_, id) => client(id, deadline, stats)), probeHealth(deadline, health)]);
  clearInterval(sampler);
  const elapsed = (performance.now() - start) / 1000;
  const afterWarmup = rss.filter((s) => s.t >= warmupSeconds && s.bytes !== undefined).map((s) => s.bytes);
  const mb = (bytes) => round(bytes / 1e6);
  console.log(
    JSON.stringify(
      {
        model: args.model ?? 'default (Gemma 3 270M Q4_K_M GGUF)',
        clients,
        maxBatch: args['max-batch'] ?? 'default',
        seconds: round(elapsed),
        maxTokensPerRequest: maxTokens,
        serverLoadSeconds: round(loadSeconds),
        requests: stats.requests,
        errors: stats.errors.length,
        errorSamples: stats.errors.slice(0, 5),
        completionTokens: stats.completionTokens,
        aggregateTokensPerSecond: round(stats.completionTokens / elapsed, 2),
        requestLatencyMs: { p50: round(percentile(stats.latencies, 50)), p99: round(percentile(stats.latencies, 99)) },
        health: {
          probes: health.length,
          non200: health.filter((h) => h.status !== 200).length,
          p50Ms: round(
            percentile(
              health.map((h) => h.ms),
              50,
            ),
          ),
          p99Ms: round(
            percentile(
              health.map((h) => h.ms),
              99,
            ),
          ),
          maxMs: round(Math.max(...health.map((h) => h.ms))),
          over100Ms: health.filter((h) => h.ms >= 100).length,
        },
        rssAfterWarmupMB: afterWarmup.length
          ? {
              first: mb(afterWarmup[0]),
              last: mb(afterWarmup.at(-1)),
              min: mb(Math.min(...afterWarmup)),
              max: mb(Math.max(...afterWarmup)),
              samples: afterWarmup.length,
            }
          : null,
      },
      null,
      1,
    ),
  );
} finally {
  stopServer();
}

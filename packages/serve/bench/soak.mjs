// Soak: N concurrent streaming clients against `mlx-ts serve` (a child process on loopback) for a
// fixed time, with random prompt lengths, max tokens, stops and sampling settings, while /health
// is probed and the server's RSS and MLX active memory are sampled. Prints one JSON report:
// requests, errors, hangs (no byte for --hang-seconds), /health p50/p99 and the memory slopes per
// minute after warm-up (also outside the prefix cache, which fills by design). Not a test: nothing here gates CI.
//   pnpm --filter @mlx-ts/serve soak [--model PATH] [--clients 32] [--minutes 10] [--warmup-minutes 1]
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

const here = dirname(fileURLToPath(import.meta.url));
const repoRoot = resolve(here, '../../..');
const { values: args } = parseArgs({
  options: {
    model: { type: 'string', default: join(process.env.MLX_TS_DATA ?? join(repoRoot, '.cache'), 'models/gemma-3-270m-bf16') },
    clients: { type: 'string', default: '32' },
    minutes: { type: 'string', default: '10' },
    'warmup-minutes': { type: 'string' },
    'hang-seconds': { type: 'string', default: '60' },
    port: { type: 'string', default: '18432' },
    seed: { type: 'string', default: '1' },
  },
});
const clients = Number(args.clients);
const durationMs = Number(args.minutes) * 60_000;
// Warm-up: the allocator and the prefix cache fill during the first minute (a fifth of short runs).
const warmupMs = args['warmup-minutes'] === undefined ? Math.min(60_000, durationMs / 5) : Number(args['warmup-minutes']) * 60_000;
const hangMs = Number(args['hang-seconds']) * 1000;
const base = `http://127.0.0.1:${args.port}`;
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

// Every client has its own seeded stream of choices, so a run can be replayed.
function random(seed) {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const server = spawn(
  process.execPath,
  [
    join(here, '../bin/mlx-ts.mjs'),
    'serve',
    '--model',
    args.model,
    '--port',
    args.port,
    '--model-id',
    'soak',
    '--log-format',
    'off',
    '--max-queue',
    String(Math.max(64, clients * 2)),
  ],
  { stdio: ['ignore', 'ignore', 'inherit'] },
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

const words = ['river', 'stone', 'lamp', 'garden', 'engine', 'letter', 'winter', 'market', 'bridge', 'violin', 'salt', 'harbor'];

function randomRequest(next) {
  const pick = (list) => list[Math.floor(next() * list.length)];
  const promptWords = 1 + Math.floor(next() ** 2 * 400);
  const text = `Write about ${Array.from({ length: promptWords }, () => pick(words)).join(' ')}.`;
  const body = { model: 'soak', max_tokens: 1 + Math.floor(next() * 128), stream: true, stream_options: { include_usage: true } };
  if (next() < 0.3) body.stop = Array.from({ length: 1 + Math.floor(next() * 3) }, () => pick(['.', '\n', ' the', 'and', '!']));
  if (next() < 0.8) body.temperature = Math.round(next() * 150) / 100;
  if (next() < 0.4) body.top_p = 0.5 + Math.round(next() * 50) / 100;
  if (next() < 0.3) body.top_k = 1 + Math.floor(next() * 50);
  if (next() < 0.2) body.presence_penalty = Math.round(next() * 100) / 100;
  if (next() < 0.5) body.seed = Math.floor(next() * 1e6);
  if (next() < 0.5) return { path: '/v1/chat/completions', body: { ...body, messages: [{ role: 'user', content: text }] } };
  return { path: '/v1/completions', body: { ...body, prompt: text } };
}

/**
 * One streaming request, watched for hangs: a gap of hangMs without a byte aborts it as a hang.
 * Every byte counts as liveness: the headers, data events and the server's `: keep-alive`
 * comments while the request waits for room in the batch.
 */
async function streamOne({ path, body }, stats) {
  const controller = new AbortController();
  let watchdog;
  let hung = false;
  const arm = () => {
    clearTimeout(watchdog);
    watchdog = setTimeout(() => {
      hung = true;
      controller.abort();
    }, hangMs);
  };
  arm();
  try {
    const response = await fetch(`${base}${path}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body),
      signal: controller.signal,
    });
    arm();
    if (response.status !== 200) {
      stats.errors.push(`HTTP ${response.status}: ${(await response.text()).slice(0, 200)}`);
      return;
    }
    const reader = response.body.getReader();
    const decoder = new TextDecoder();
    let text = '';
    for (;;) {
      const { value, done } = await reader.read();
      if (done) break;
      arm();
      text += decoder.decode(value, { stream: true });
    }
    if (!text.endsWith('data: [DONE]\n\n')) stats.errors.push('stream did not end with [DONE]');
    else if (text.includes('"error":')) stats.errors.push(`error event: ${text.slice(text.indexOf('"error":'), text.indexOf('"error":') + 200)}`);
    else {
      const usage = text.match(/"usage":\{"prompt_tokens":(\d+),"completion_tokens":(\d+)/);
      stats.promptTokens += Number(usage?.[1] ?? 0);
      stats.completionTokens += Number(usage?.[2] ?? 0);
      stats.requests++;
    }
  } catch (error) {
    if (hung) stats.hangs++;
    else stats.errors.push(String(error));
  } finally {
    clearTimeout(watchdog);
  }
}

async function client(id, deadline, stats) {
  const next = random(Number(args.seed) * 100_003 + id);
  while (performance.now() < deadline) await streamOne(randomRequest(next), stats);
}

async function probeHealth(deadline, probes, start) {
  while (performance.now() < deadline) {
    const started = performance.now();
    try {
      const response = await fetch(`${base}/health`);
      await response.text();
      probes.push({ t: started - start, ms: performance.now() - started, status: response.status });
    } catch (error) {
      probes.push({ t: started - start, ms: performance.now() - started, status: 0, error: String(error) });
    }
    await sleep(200);
  }
}

async function sampleMemory(deadline, samples, start) {
  while (performance.now() < deadline) {
    const metrics = await fetch(`${base}/metrics`)
      .then((r) => r.text())
      .catch(() => '');
    const read = (name) => Number(metrics.match(new RegExp(`^${name} (\\S+)$`, 'm'))?.[1] ?? Number.NaN);
    const active = read('mlx_ts_active_memory_bytes');
    const prefixCache = read('mlx_ts_prefix_cache_bytes');
    // The prefix cache grows by design up to its byte budget; what grows outside it would be a leak.
    samples.push({
      t: performance.now() - start,
      rss: rssBytes(server.pid),
      active,
      prefixCache,
      outsidePrefixCache: active - prefixCache,
      liveArrays: read('mlx_ts_live_arrays'),
    });
    await sleep(5000);
  }
}

const percentile = (values, p) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
};
const round = (x, digits = 2) => Math.round(x * 10 ** digits) / 10 ** digits;

/** Least-squares slope of `key` over time, in MB per minute. */
function slopePerMinute(samples, key) {
  const points = samples.filter((s) => Number.isFinite(s[key])).map((s) => [s.t / 60_000, s[key] / 1e6]);
  if (points.length < 2) return null;
  const mean = (i) => points.reduce((sum, p) => sum + p[i], 0) / points.length;
  const [mx, my] = [mean(0), mean(1)];
  const num = points.reduce((sum, [x, y]) => sum + (x - mx) * (y - my), 0);
  const den = points.reduce((sum, [x]) => sum + (x - mx) ** 2, 0);
  return den === 0 ? 0 : round(num / den, 3);
}

try {
  const loadSeconds = await waitHealthy();
  const start = performance.now();
  const deadline = start + durationMs;
  const stats = { requests: 0, promptTokens: 0, completionTokens: 0, hangs: 0, errors: [] };
  const probes = [];
  const samples = [];
  await Promise.all([
    ...Array.from({ length: clients }, (_, id) => client(id, deadline, stats)),
    probeHealth(deadline, probes, start),
    sampleMemory(deadline, samples, start),
  ]);
  const elapsed = (performance.now() - start) / 1000;
  const warm = samples.filter((s) => s.t >= warmupMs);
  const healthMs = probes.map((p) => p.ms);
  const mb = (bytes) => round(bytes / 1e6, 1);
  console.log(
    JSON.stringify(
      {
        model: args.model,
        clients,
        seconds: round(elapsed, 1),
        warmupSeconds: round(warmupMs / 1000, 1),
        serverLoadSeconds: round(loadSeconds, 1),
        requests: stats.requests,
        errors: stats.errors.length,
        errorSamples: stats.errors.slice(0, 5),
        hangs: stats.hangs,
        promptTokens: stats.promptTokens,
        completionTokens: stats.completionTokens,
        completionTokensPerSecond: round(stats.completionTokens / elapsed, 1),
        health: {
          probes: probes.length,
          non200: probes.filter((p) => p.status !== 200).length,
          p50Ms: round(percentile(healthMs, 50)),
          p99Ms: round(percentile(healthMs, 99)),
          maxMs: round(Math.max(...healthMs)),
        },
        memoryAfterWarmup: {
          samples: warm.length,
          rssMB: warm.length ? { first: mb(warm[0].rss), last: mb(warm.at(-1).rss), max: mb(Math.max(...warm.map((s) => s.rss))) } : null,
          rssSlopeMBPerMinute: slopePerMinute(warm, 'rss'),
          activeMB: warm.length ? { first: mb(warm[0].active), last: mb(warm.at(-1).active), max: mb(Math.max(...warm.map((s) => s.active))) } : null,
          activeSlopeMBPerMinute: slopePerMinute(warm, 'active'),
          prefixCacheMB: warm.length ? { first: mb(warm[0].prefixCache), last: mb(warm.at(-1).prefixCache) } : null,
          activeOutsidePrefixCacheSlopeMBPerMinute: slopePerMinute(warm, 'outsidePrefixCache'),
          liveArrays: warm.length ? { first: warm[0].liveArrays, last: warm.at(-1).liveArrays, max: Math.max(...warm.map((s) => s.liveArrays)) } : null,
        },
        serverExitCode: server.exitCode,
      },
      null,
      1,
    ),
  );
} finally {
  stopServer();
}

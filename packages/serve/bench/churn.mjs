// Churn: N requests (default 2000) against the server — createServer in this process over a
// WorkerBackend, the model on a worker thread as `mlx-ts serve` runs it — arriving at random
// (exponential gaps, at most --concurrency at once), with random prompt lengths and max_tokens,
// streaming or not, chat or completions, and about --disconnect-share of the clients leaving at a
// random point (before the first byte, mid-stream, right before the usage chunk). Live MLX arrays
// and active memory are sampled from /metrics during the run; the report (JSON) gives their slopes
// after warm-up, their levels before and after the run (once it drained), the errors (any failure
// that is not a departed client's) and the counts. The prefix cache is off by default
// (--prefix-cache turns it on): it keeps arrays by design, and any array left then is a leak.
//   pnpm --filter @mlx-ts/serve churn [--model PATH] [--requests 2000] [--concurrency 32] [--rate 40] [--seed 1]
// test/churn.test.ts runs a short one in CI through runChurn().
import { copyFileSync, existsSync, mkdtempSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

const here = fileURLToPath(new URL('.', import.meta.url));
const repoRoot = resolve(here, '../../..');
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/** The tiny random Gemma 3 of the test data with the small test tokenizer, as one model folder. */
function tinyModelFolder() {
  const source = join(process.env.MLX_TS_DATA ?? join(repoRoot, '.cache'), 'models/tiny-gemma3');
  if (!existsSync(source)) throw new Error(`${source} is missing: run \`bash tools/setup-test-data.sh\` from the repository root, or pass --model PATH.`);
  const folder = mkdtempSync(join(tmpdir(), 'mlx-ts-churn-'));
  symlinkSync(join(source, 'model.safetensors'), join(folder, 'model.safetensors'));
  copyFileSync(join(source, 'config.json'), join(folder, 'config.json'));
  for (const file of ['tokenizer.json', 'tokenizer_config.json'])
    copyFileSync(join(repoRoot, 'packages/backend/test/fixtures/tiny-tokenizer', file), join(folder, file));
  return folder;
}

/** A small seeded generator, so a run can be replayed. */
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

const words = ['river', 'stone', 'lamp', 'garden', 'engine', 'letter', 'winter', 'market', 'bridge', 'violin', 'salt', 'harbor'];
const leaveModes = ['before-first-byte', 'mid-stream', 'before-usage'];

/** One request's plan: what it asks and whether (and where) its client leaves. */
function plan(next, modelId, disconnectShare, maxPromptWords) {
  const pick = (list) => list[Math.floor(next() * list.length)];
  const promptWords = 1 + Math.floor(next() ** 2 * maxPromptWords);
  const text = `Write about ${Array.from({ length: promptWords }, () => pick(words)).join(' ')}.`;
  const stream = next() < 0.5;
  const chat = next() < 0.5;
  const body = { model: modelId, max_tokens: 1 + Math.floor(next() * 64) };
  if (next() < 0.5) body.temperature = Math.round(next() * 150) / 100;
  if (next() < 0.2) body.top_p = 0.5 + Math.round(next() * 50) / 100;
  if (next() < 0.2) body.seed = Math.floor(next() * 1e6);
  if (stream && next() < 0.7) body.stream_options = { include_usage: true };
  if (stream) body.stream = true;
  let leave;
  if (next() < disconnectShare) {
    // Non-streaming clients can only leave before their (one) answer.
    leave = stream ? pick(leaveModes) : 'before-first-byte';
    if (leave === 'before-usage' && !body.stream_options) body.stream_options = { include_usage: true };
  }
  return {
    path: chat ? '/v1/chat/completions' : '/v1/completions',
    body: chat ? { ...body, messages: [{ role: 'user', content: text }] } : { ...body, prompt: text },
    stream,
    chat,
    leave,
    // Before the first byte: after 0–30 ms (the request may not even have reached the engine).
    leaveAfterMs: Math.floor(next() * 30),
    leaveAfterChunks: 1 + Math.floor(next() * 8),
  };
}

/** Runs one request; resolves to 'completed', 'left' (its client went away as planned) or throws what went wrong. */
async function runOne(base, request) {
  const controller = new AbortController();
  let timer;
  if (request.leave === 'before-first-byte') timer = setTimeout(() => controller.abort(), request.leaveAfterMs);
  try {
    let response;
    try {
      response = await fetch(`${base}${request.path}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(request.body),
        signal: controller.signal,
      });
    } catch (error) {
      if (controller.signal.aborted) return 'left';
      throw error;
    }
    if (response.status !== 200) throw new Error(`HTTP ${response.status}: ${(await response.text()).slice(0, 300)}`);
    if (!request.stream) {
      let body;
      try {
        body = await response.json();
      } catch (error) {
        if (controller.signal.aborted) return 'left';
        throw error;
      }
      const choice = body.choices?.[0];
      const text = request.chat ? choice?.message?.content : choice?.text;
      if (typeof text !== 'string' || typeof body.usage?.completion_tokens !== 'number')
        throw new Error(`malformed answer: ${JSON.stringify(body).slice(0, 300)}`);
      return { completed: true, completionTokens: body.usage.completion_tokens };
    }
    const reader = response.body.getReader();
    const decoder = new TextDecoder();
    let text = '';
    let chunks = 0;
    for (;;) {
      let read;
      try {
        read = await reader.read();
      } catch (error) {
        if (controller.signal.aborted) return 'left';
        throw error;
      }
      if (read.done) break;
      text += decoder.decode(read.value, { stream: true });
      chunks = (text.match(/\ndata: \{|^data: \{/g) ?? []).length;
      const finished = text.includes('"finish_reason":"');
      // Before the usage chunk: gone once the finish chunk is read (the usage chunk, written right
      // after it, may already be on its way; the client never reads it nor [DONE]).
      if ((request.leave === 'mid-stream' && chunks >= request.leaveAfterChunks) || (request.leave === 'before-usage' && finished)) {
        controller.abort();
        await reader.cancel().catch(() => undefined);
        return 'left';
      }
    }
    if (!text.endsWith('data: [DONE]\n\n')) throw new Error(`stream did not end with [DONE]: …${text.slice(-200)}`);
    if (text.includes('"error":')) throw new Error(`error event: ${text.slice(text.indexOf('"error":'), text.indexOf('"error":') + 300)}`);
    const usage = text.match(/"usage":\{"prompt_tokens":\d+,"completion_tokens":(\d+)/);
    if (request.body.stream_options && !usage) throw new Error('stream without its usage chunk');
    return { completed: true, completionTokens: Number(usage?.[1] ?? 0) };
  } finally {
    clearTimeout(timer);
  }
}

async function readMetrics(base) {
  const text = await (await fetch(`${base}/metrics`)).text();
  const read = (name) => Number(text.match(new RegExp(`^${name} (\\S+)$`, 'm'))?.[1] ?? Number.NaN);
  return {
    liveArrays: read('mlx_ts_live_arrays'),
    activeMemory: read('mlx_ts_active_memory_bytes'),
    activeSequences: read('mlx_ts_active_sequences'),
    queueDepth: read('mlx_ts_queue_depth'),
  };
}

/** The engine once every request (departed clients' included) has left it, with stats newer than that. */
async function settled(base) {
  for (let poll = 0; poll < 2000; poll++) {
    const health = await (await fetch(`${base}/health`)).json();
    const metrics = await readMetrics(base);
    if (health.active === 0 && metrics.activeSequences === 0 && metrics.queueDepth === 0) {
      // The worker reports its gauges twice a second: wait for a report made after the engine went idle.
      await sleep(1200);
      return readMetrics(base);
    }
    await sleep(25);
  }
  throw new Error('the server did not drain');
}

/** Least-squares slope of `key` over `samples` (t in ms), per minute. */
function slopePerMinute(samples, key, scale = 1) {
  const points = samples.filter((s) => Number.isFinite(s[key])).map((s) => [s.t / 60_000, s[key] / scale]);
  if (points.length < 2) return null;
  const mean = (i) => points.reduce((sum, p) => sum + p[i], 0) / points.length;
  const [mx, my] = [mean(0), mean(1)];
  const num = points.reduce((sum, [x, y]) => sum + (x - mx) * (y - my), 0);
  const den = points.reduce((sum, [x]) => sum + (x - mx) ** 2, 0);
  return den === 0 ? 0 : Math.round((num / den) * 1000) / 1000;
}

/**
 * Starts a server on `model`, runs the churn and returns the report. Options: requests,
 * concurrency, rate (mean arrivals per second), disconnectShare, seed, maxBatch, prefixCache,
 * sampleMs, warmupShare (of the run's samples left out of the slopes).
 */
export async function runChurn(options) {
  const { createServer, WorkerBackend } = await import('../dist/index.js');
  const requests = options.requests ?? 2000;
  const concurrency = options.concurrency ?? 32;
  const rate = options.rate ?? 40;
  const disconnectShare = options.disconnectShare ?? 0.3;
  const next = random(options.seed ?? 1);
  const modelId = 'churn';
  const backend = await WorkerBackend.load(options.model, {
    maxQueue: concurrency * 4,
    ...(options.maxBatch === undefined ? {} : { maxBatch: options.maxBatch }),
    ...(options.prefixCache ? {} : { reusePromptPrefix: false }),
  });
  const server = createServer(backend, { modelId });
  // Prompts up to about an eighth of the context (a word is a few tokens with a small vocabulary), at most 300 words.
  const maxPromptWords = Math.min(300, Math.floor((backend.contextLength ?? 2400) / 8));
  try {
    const { url: base } = await server.listen(0);
    // Warm-up: the first requests allocate what the engine keeps for good (buffers, compiled steps).
    const warmNext = random(1_000_003 + (options.seed ?? 1));
    const warmupErrors = [];
    await Promise.all(
      Array.from({ length: Math.min(24, concurrency) }, async () => {
        const request = plan(warmNext, modelId, 0, maxPromptWords);
        await runOne(base, request).catch((error) => warmupErrors.push(String(error?.message ?? error)));
      }),
    );
    const before = await settled(base);

    const start = performance.now();
    const samples = [];
    let sampling = true;
    const sampler = (async () => {
      while (sampling) {
        const metrics = await readMetrics(base).catch(() => undefined);
        if (metrics) samples.push({ t: performance.now() - start, ...metrics });
        await sleep(options.sampleMs ?? 1000);
      }
    })();

    const counts = { completed: 0, left: 0, errors: 0, stream: 0, nonStream: 0, chat: 0, completions: 0, leftBy: {}, plannedLeaves: {}, completionTokens: 0 };
    const errorSamples = [];
    let running = 0;
    const slots = [];
    const acquire = async () => {
      while (running >= concurrency) await new Promise((resolve) => slots.push(resolve));
      running++;
    };
    const release = () => {
      running--;
      slots.shift()?.();
    };
    const all = [];
    let arrival = 0;
    for (let i = 0; i < requests; i++) {
      // Exponential gaps: a Poisson arrival process of `rate` per second.
      arrival += (-Math.log(1 - next()) / rate) * 1000;
      const request = plan(next, modelId, disconnectShare, maxPromptWords);
      const wait = start + arrival - performance.now();
      if (wait > 0) await sleep(wait);
      await acquire();
      counts[request.stream ? 'stream' : 'nonStream']++;
      counts[request.chat ? 'chat' : 'completions']++;
      if (request.leave) counts.plannedLeaves[request.leave] = (counts.plannedLeaves[request.leave] ?? 0) + 1;
      all.push(
        runOne(base, request)
          .then((outcome) => {
            if (outcome === 'left') {
              counts.left++;
              counts.leftBy[request.leave] = (counts.leftBy[request.leave] ?? 0) + 1;
            } else {
              counts.completed++;
              counts.completionTokens += outcome.completionTokens;
            }
          })
          .catch((error) => {
            counts.errors++;
            if (errorSamples.length < 10) errorSamples.push(`${request.path}${request.stream ? ' (stream)' : ''}: ${String(error?.message ?? error)}`);
          })
          .finally(release),
      );
    }
    // The slopes are taken while requests still arrive: the drain at the end lowers every gauge.
    const lastArrival = performance.now() - start;
    await Promise.all(all);
    const seconds = (performance.now() - start) / 1000;
    sampling = false;
    await sampler;
    const after = await settled(base);
    const arriving = samples.filter((sample) => sample.t <= lastArrival);
    const warm = arriving.slice(Math.floor(arriving.length * (options.warmupShare ?? 0.2)));
    const health = await (await fetch(`${base}/health`)).json();
    return {
      model: options.model,
      requests,
      concurrency,
      arrivalsPerSecond: rate,
      seconds: Math.round(seconds * 10) / 10,
      completed: counts.completed,
      disconnected: counts.left,
      disconnectedBy: counts.leftBy,
      // Planned leaves that finished first (a short answer) are counted as completed.
      plannedDisconnects: counts.plannedLeaves,
      errors: counts.errors + warmupErrors.length,
      errorSamples: [...warmupErrors, ...errorSamples].slice(0, 10),
      mix: { stream: counts.stream, nonStream: counts.nonStream, chat: counts.chat, completions: counts.completions },
      completionTokens: counts.completionTokens,
      prefixCache: Boolean(options.prefixCache),
      liveArrays: {
        before: before.liveArrays,
        after: after.liveArrays,
        maxDuring: Math.max(...samples.map((s) => s.liveArrays)),
        slopePerMinuteAfterWarmup: slopePerMinute(warm, 'liveArrays'),
      },
      activeMemoryMB: {
        before: Math.round((before.activeMemory / 1e6) * 100) / 100,
        after: Math.round((after.activeMemory / 1e6) * 100) / 100,
        maxDuring: Math.round((Math.max(...samples.map((s) => s.activeMemory)) / 1e6) * 100) / 100,
        slopePerMinuteAfterWarmup: slopePerMinute(warm, 'activeMemory', 1e6),
      },
      samples: samples.length,
      slopeWindowSeconds: warm.length ? [Math.round(warm[0].t / 100) / 10, Math.round(warm.at(-1).t / 100) / 10] : null,
      healthAfter: health.status,
    };
  } finally {
    await server.close();
    await backend.dispose();
  }
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const { values: args } = parseArgs({
    options: {
      // Default: the tiny random Gemma 3 of the test data.
      model: { type: 'string' },
      requests: { type: 'string', default: '2000' },
      concurrency: { type: 'string', default: '32' },
      rate: { type: 'string', default: '40' },
      'disconnect-share': { type: 'string', default: '0.3' },
      'max-batch': { type: 'string' },
      'prefix-cache': { type: 'boolean', default: false },
      seed: { type: 'string', default: '1' },
    },
  });
  const report = await runChurn({
    model: args.model ?? tinyModelFolder(),
    requests: Number(args.requests),
    concurrency: Number(args.concurrency),
    rate: Number(args.rate),
    disconnectShare: Number(args['disconnect-share']),
    maxBatch: args['max-batch'] === undefined ? undefined : Number(args['max-batch']),
    prefixCache: args['prefix-cache'],
    seed: Number(args.seed),
  });
  console.log(JSON.stringify(report, null, 2));
  process.exit(report.errors === 0 ? 0 : 1);
}

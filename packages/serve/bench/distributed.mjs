// Decode speed and per-rank memory of `mlx-ts serve` alone and under `mlx-ts launch -n 2`, on
// the same machine, printed as JSON. Two ranks on one box do not run faster (they share its
// cores and add a collective per layer); the point is that each holds about half the weights and
// answers the same. Usage: node bench/distributed.mjs [--tokens 64] [--runs 3] [--models tiny,gemma3-270m]
import { spawn } from 'node:child_process';
import { copyFileSync, existsSync, mkdtempSync, readFileSync, symlinkSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';

const repoRoot = resolve(import.meta.dirname, '../../..');
const cli = join(repoRoot, 'packages/serve/bin/mlx-ts.mjs');
const data = join(process.env.MLX_TS_DATA ?? join(repoRoot, '.cache'), 'models');
const { values } = parseArgs({
  options: { tokens: { type: 'string', default: '64' }, runs: { type: 'string', default: '3' }, models: { type: 'string', default: 'tiny,gemma3-270m' } },
});
const tokens = Number(values.tokens);
const runs = Number(values.runs);

/** Tiny random Gemma 3 with the small test tokenizer (as the serve tests build it). */
function tinyModel() {
  const folder = mkdtempSync(join(tmpdir(), 'mlx-ts-bench-tiny-'));
  symlinkSync(join(data, 'tiny-gemma3/model.safetensors'), join(folder, 'model.safetensors'));
  copyFileSync(join(data, 'tiny-gemma3/config.json'), join(folder, 'config.json'));
  for (const file of ['tokenizer.json', 'tokenizer_config.json'])
    copyFileSync(join(repoRoot, 'packages/backend/test/fixtures/tiny-tokenizer', file), join(folder, file));
  return folder;
}

const models = {
  tiny: { name: 'tiny-gemma3 (random, float32)', path: () => tinyModel() },
  'gemma3-270m': { name: 'gemma-3-270m (bf16 weights computed in float32)', path: () => join(data, 'gemma-3-270m-bf16') },
};

async function freePort() {
  const server = createServer();
  await new Promise((done) => server.listen(0, '127.0.0.1', done));
  const { port } = server.address();
  await new Promise((done) => server.close(done));
  return port;
}

function residentBytes(pid) {
  const match = readFileSync(`/proc/${pid}/status`, 'utf8').match(/VmRSS:\s+(\d+) kB/);
  return match ? Number(match[1]) * 1024 : undefined;
}

async function start(path, ranks) {
  const port = await freePort();
  const prefix = ranks > 1 ? ['launch', '-n', String(ranks), '--'] : [];
  const child = spawn(process.execPath, [cli, ...prefix, 'serve', '--model', path, '--model-id', 'm', '--port', String(port), '--log-format', 'off'], {
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  child.stderr.on('data', (chunk) => (stderr += chunk));
  await new Promise((done, fail) => {
    const check = () => (/serving model/.test(stderr) ? done() : undefined);
    child.stderr.on('data', check);
    child.on('exit', (code) => fail(new Error(`the server exited (${code}):\n${stderr}`)));
  });
  // Rank 1's line comes from its own process; wait for it, not only for rank 0's.
  while (ranks > 1 && !/rank 1 of \d+: loaded/.test(stderr)) await new Promise((done) => setTimeout(done, 100));
  return { child, url: `http://127.0.0.1:${port}`, stderr: () => stderr };
}

/** One streamed greedy completion: decode tokens per second from the first token to the last. */
async function decode(url) {
  const response = await fetch(`${url}/v1/completions`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({
      model: 'm',
      prompt: 'The history of the city begins',
      max_tokens: tokens,
      temperature: 0,
      stream: true,
      stream_options: { include_usage: true },
    }),
  });
  const reader = response.body.getReader();
  const decoder = new TextDecoder();
  let buffer = '';
  let first;
  let last;
  let completion = 0;
  let text = '';
  for (;;) {
    const { value, done } = await reader.read();
    if (done) break;
    buffer += decoder.decode(value, { stream: true });
    const events = buffer.split('\n\n');
    buffer = events.pop();
    for (const event of events) {
      const payload = event.replace(/^data: /, '');
      if (payload === '[DONE]') continue;
      const chunk = JSON.parse(payload);
      if (chunk.usage) completion = chunk.usage.completion_tokens;
      if (chunk.choices?.[0]?.text) {
        text += chunk.choices[0].text;
        last = performance.now();
        first ??= last;
      }
    }
  }
  return { completionTokens: completion, decodeTokensPerSecond: (completion - 1) / ((last - first) / 1000), text };
}

async function metric(url, name) {
  const body = await (await fetch(`${url}/metrics`)).text();
  const match = body.match(new RegExp(`^mlx_ts_${name} (\\S+)$`, 'm'));
  return match ? Number(match[1]) : undefined;
}

async function measure(model, ranks) {
  const server = await start(model.path(), ranks);
  try {
    await decode(server.url); // warm-up
    const samples = [];
    for (let i = 0; i < runs; i++) samples.push(await decode(server.url));
    const speeds = samples.map((s) => s.decodeTokensPerSecond).sort((a, b) => a - b);
    const pids = [...server.stderr().matchAll(/rank (\d+) \(pid (\d+)\)/g)].map((m) => ({ rank: Number(m[1]), pid: Number(m[2]) }));
    if (ranks === 1) pids.push({ rank: 0, pid: server.child.pid });
    const followerActive = Object.fromEntries(
      [...server.stderr().matchAll(/rank (\d+) of \d+: loaded its part of the model \(MLX holds (\d+) bytes\)/g)].map((m) => [m[1], Number(m[2])]),
    );
    const rank0Active = await metric(server.url, 'active_memory_bytes');
    return {
      ranks,
      completionTokens: samples[0].completionTokens,
      decodeTokensPerSecond: Number(speeds[Math.floor(speeds.length / 2)].toFixed(1)),
      decodeTokensPerSecondRuns: samples.map((s) => Number(s.decodeTokensPerSecond.toFixed(1))),
      sameTextEveryRun: samples.every((s) => s.text === samples[0].text),
      text: samples[0].text,
      perRank: pids
        .sort((a, b) => a.rank - b.rank)
        .map(({ rank, pid }) => ({ rank, mlxActiveBytes: rank === 0 ? rank0Active : followerActive[rank], residentBytes: residentBytes(pid) })),
    };
  } finally {
    server.child.kill('SIGTERM');
    await new Promise((done) => server.child.on('close', done));
  }
}

const results = [];
for (const key of values.models.split(',')) {
  const model = models[key];
  if (!model) throw new Error(`unknown model ${key}; choose from ${Object.keys(models).join(', ')}`);
  if (key !== 'tiny' && !existsSync(model.path())) throw new Error(`${model.path()} is missing: run bash tools/setup-test-data.sh`);
  const single = await measure(model, 1);
  const two = await measure(model, 2);
  results.push({ model: model.name, tokensRequested: tokens, runs, single, twoRanks: two, sameGreedyText: single.text === two.text });
}
console.log(JSON.stringify({ machine: { cpus: (await import('node:os')).cpus().length, platform: process.platform }, results }, null, 2));

// `mlx-ts launch -n 2 -- serve`: two real ranks of a ring group on 127.0.0.1, the model split over
// them by tensor parallelism, rank 0 serving HTTP. Its greedy answers (alone, streamed, and in
// one batch with others, which exercises the cache row operations the other rank mirrors) must
// be a single-process server's, and killing either rank must end the group with an error.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import OpenAI from 'openai';
import { afterEach, describe, expect, it } from 'vitest';
import { freePort, type Running, runCli, tinyContextLength, tinyModel } from './cli-helpers.js';
import { testModelPath } from './helpers.js';

const started: Running[] = [];

afterEach(async () => {
  // SIGTERM: a launcher passes it on to its ranks (SIGKILL would leave them running). A rank
  // that still runs after that holds the launcher's output open, so it is killed by its pid.
  for (const run of started.splice(0)) {
    if (run.child.exitCode === null && run.child.signalCode === null) run.child.kill('SIGTERM');
    const timer = setTimeout(() => {
      run.child.kill('SIGKILL');
      for (const [, pid] of run.output().matchAll(/rank \d+ \(pid (\d+)\)/g)) if (alive(Number(pid))) process.kill(Number(pid), 'SIGKILL');
    }, 30_000);
    await run.exited;
    clearTimeout(timer);
  }
});

async function serve(prefix: string[], model: string, extra: string[] = []): Promise<{ run: Running; client: OpenAI }> {
  const port = await freePort();
  const run = runCli([...prefix, 'serve', '--model', model, '--model-id', 'm', '--port', String(port), '--log-format', 'off', ...extra]);
  started.push(run);
  await run.waitFor(/serving model/, 120_000);
  return { run, client: new OpenAI({ baseURL: `http://127.0.0.1:${port}/v1`, apiKey: 'unused', maxRetries: 0, timeout: 60_000 }) };
}

const launched = (model: string, extra: string[] = []) => serve(['launch', '-n', '2', '--'], model, extra);

async function pidOf(run: Running, rank: number): Promise<number> {
  return Number((await run.waitFor(new RegExp(`rank ${rank} \\(pid (\\d+)\\)`)))[1]);
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

const prompts = ['Tell me about the sea.', 'What is the capital of France?', 'Count to five.'];

async function greedy(client: OpenAI, content: string): Promise<string> {
  const reply = await client.chat.completions.create({ model: 'm', messages: [{ role: 'user', content }], max_tokens: 24, temperature: 0 });
  expect(reply.usage?.completion_tokens).toBe(24);
  return reply.choices[0].message.content ?? '';
}

// Tiny Gemma 3 has sliding-window layers (window 16, shorter than these prompts with their
// answers); tiny Llama has full attention only. Pipeline parallelism gives each rank layers.
describe.each([
  ['tiny-gemma3', 'tensor', () => tinyModel()],
  ['tiny-llama', 'tensor', () => testModelPath('tiny-llama')],
  ['tiny-gemma3', 'pipeline', () => tinyModel()],
])('launch -n 2 -- serve on %s (%s parallelism)', (_name, parallelism, model) => {
  it('answers the openai client with the single-process greedy text, streamed or not, alone or batched', async () => {
    const path = model();
    const single = await serve([], path);
    const expected: string[] = [];
    for (const prompt of prompts) expected.push(await greedy(single.client, prompt));
    single.run.child.kill('SIGTERM');
    await single.run.exited;

    const group = await launched(path, ['--parallelism', parallelism]);
    expect(await greedy(group.client, prompts[0])).toBe(expected[0]);
    expect(expected[0].length).toBeGreaterThan(0);
    // Concurrent requests share decode steps: rows join and leave the batch on both ranks.
    expect(await Promise.all(prompts.map((p) => greedy(group.client, p)))).toEqual(expected);
    const stream = await group.client.chat.completions.create({
      model: 'm',
      messages: [{ role: 'user', content: prompts[1] }],
      max_tokens: 24,
      temperature: 0,
      stream: true,
    });
    let text = '';
    let chunks = 0;
    for await (const chunk of stream) {
      text += chunk.choices[0]?.delta.content ?? '';
      chunks++;
    }
    expect(chunks).toBeGreaterThan(2);
    expect(text).toBe(expected[1]);
    // A request stopped early (a max_tokens of 3 beside a long one) leaves the batch on both ranks.
    const [short, long] = await Promise.all([
      group.client.chat.completions.create({ model: 'm', messages: [{ role: 'user', content: prompts[2] }], max_tokens: 3, temperature: 0 }),
      greedy(group.client, prompts[0]),
    ]);
    expect(short.usage?.completion_tokens).toBe(3);
    expect(long).toBe(expected[0]);
  }, 300_000);
});

describe('a group of one', () => {
  it('launch -n 1 -- serve serves as a single process', async () => {
    const run = await serve(['launch', '-n', '1', '--'], tinyModel());
    expect(await greedy(run.client, prompts[0])).not.toBe('');
    expect(run.run.stderr()).not.toContain('rank 0 (pid');
  }, 120_000);
});

describe('stopping the group', () => {
  it('SIGTERM to the launcher: rank 0 finishes, stops the other rank, and every process exits 0', async () => {
    const group = await launched(tinyModel());
    expect(await greedy(group.client, prompts[2])).not.toBe('');
    const follower = await pidOf(group.run, 1);
    group.run.child.kill('SIGTERM');
    const { code } = await group.run.exited;
    expect(code, group.run.stderr()).toBe(0);
    expect(group.run.stderr()).toContain('mlx-ts: rank 1: rank 0 stopped the group; exiting');
    expect(alive(follower)).toBe(false);
  }, 180_000);
});

/**
 * A long request that is still generating: killing a rank now catches the others inside a forward
 * pass, between its collectives (a rank whose peer died there must not wait forever in the next
 * one). Resolves once some of its tokens have streamed; `ended` settles when the request does.
 */
async function busy(client: OpenAI): Promise<{ ended: Promise<unknown> }> {
  const stream = await client.chat.completions.create({
    model: 'm',
    messages: [{ role: 'user', content: prompts[0] }],
    max_tokens: tinyContextLength() - 32,
    temperature: 0,
    stream: true,
  });
  const chunks = stream[Symbol.asyncIterator]();
  for (let seen = 0; seen < 4; seen++) await chunks.next();
  const ended = (async () => {
    for (;;) if ((await chunks.next()).done) return;
  })().catch((error: unknown) => error);
  return { ended };
}

describe('a rank that dies ends the group', () => {
  it.each([
    [1, 'idle'],
    [0, 'idle'],
    [1, 'generating'],
    [0, 'generating'],
  ] as const)(
    'kill -9 of rank %i under launch (%s): the other rank exits with an error naming the failed group, the launcher non-zero',
    async (victim, state) => {
      const group = await launched(tinyModel());
      expect(await greedy(group.client, prompts[0])).not.toBe('');
      const pids = [await pidOf(group.run, 0), await pidOf(group.run, 1)];
      const request = state === 'generating' ? await busy(group.client) : undefined;
      process.kill(pids[victim], 'SIGKILL');
      const { code } = await group.run.exited;
      expect(code).not.toBe(0);
      const survivor = 1 - victim;
      expect(group.run.stderr()).toContain(`mlx-ts launch: rank ${victim} was killed by SIGKILL`);
      expect(alive(pids[survivor])).toBe(false);
      // Rank 1 always reports the lost peer itself. Rank 0 usually does too (in a collective, or in
      // its stop), but the launcher's SIGTERM can reach it first, and then the launcher's line
      // above is the error the user sees; the one-rank-per-launcher case below checks rank 0's own.
      if (survivor === 1)
        expect(group.run.stderr()).toMatch(new RegExp(`mlx-ts: rank ${survivor}: the distributed group failed \\(.+\\): .*died or lost its connection`));
      // The request in flight ends (cut off or failed), never hangs.
      if (request) await request.ended;
    },
    180_000,
  );

  it.each(['idle', 'generating'] as const)(
    'one rank per launcher (as on two machines), %s: killing rank 1 ends rank 0 on its own, with exit code 1',
    async (state) => {
      const hosts = join(mkdtempSync(join(tmpdir(), 'mlx-ts-dist-hosts-')), 'hosts.json');
      writeFileSync(hosts, JSON.stringify([[`127.0.0.1:${await freePort()}`], [`127.0.0.1:${await freePort()}`]]));
      const path = tinyModel();
      const follower = runCli(['launch', '--hosts', hosts, '--rank', '1', '--', 'serve', '--model', path]);
      started.push(follower);
      const leader = await serve(['launch', '--hosts', hosts, '--rank', '0', '--'], path);
      expect(await greedy(leader.client, prompts[1])).not.toBe('');
      const request = state === 'generating' ? await busy(leader.client) : undefined;
      process.kill(await pidOf(follower, 1), 'SIGKILL');
      expect((await follower.exited).code).not.toBe(0);
      // No launcher stops rank 0 here: it notices the lost rank itself (its idle ping, or the
      // failed collective of the pass it is running) and exits.
      const { code } = await leader.run.exited;
      expect(code).toBe(1);
      expect(leader.run.stderr()).toMatch(/mlx-ts: rank 0: the distributed group failed \(.+\): another rank died or lost its connection\. Exiting\./);
      if (request) await request.ended;
    },
    180_000,
  );

  it.each([0, 1])(
    'rank %i whose peer never starts exits 75 after the connect timeout, naming its rank and hostfile',
    async (rank) => {
      const hosts = join(mkdtempSync(join(tmpdir(), 'mlx-ts-dist-hosts-')), 'hosts.json');
      writeFileSync(hosts, JSON.stringify([[`127.0.0.1:${await freePort()}`], [`127.0.0.1:${await freePort()}`]]));
      const alone = runCli(['launch', '--hosts', hosts, '--rank', String(rank), '--', 'serve', '--model', tinyModel(), '--port', String(await freePort())], {
        env: { MLX_TS_DISTRIBUTED_TIMEOUT_MS: '3000' },
      });
      started.push(alone);
      expect((await alone.exited).code).toBe(75);
      expect(alone.stderr()).toContain(`did not connect to its peers within 3000 ms (MLX_RANK=${rank}, MLX_HOSTFILE=${hosts})`);
    },
    120_000,
  );
});

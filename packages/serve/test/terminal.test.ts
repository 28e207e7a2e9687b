// The CLI in a pseudo-terminal (util-linux `script`), where Ctrl-C comes from the terminal:
// serve's request log is one readable line per request there and JSON when piped; Ctrl-C ends
// serve (also under `pnpm start`) cleanly; chat asks before quitting at an idle prompt.
import OpenAI from 'openai';
import { describe, expect, it } from 'vitest';
import { cli, freePort, inTerminal, repoRoot, runCli, tinyModel } from './cli-helpers.js';

describe('mlx-ts serve in a terminal', () => {
  it('logs one line per request; Ctrl-C drains and exits 0', async () => {
    const port = await freePort();
    const serve = inTerminal([process.execPath, cli, 'serve', '--model', tinyModel(), '--port', String(port)]);
    try {
      await serve.waitFor(/serving model "([^"]+)"/);
      const client = new OpenAI({ baseURL: `http://127.0.0.1:${port}/v1`, apiKey: 'unused' });
      const completion = await client.chat.completions
        .create({ model: 'mlx-ts-serve-tiny', messages: [{ role: 'user', content: 'hi' }], max_tokens: 4 })
        .catch((e: Error) => e);
      // The id is the folder's name; ask /v1/models for it rather than guessing.
      const id = (await client.models.list()).data[0].id;
      const ok = await client.chat.completions.create({ model: id, messages: [{ role: 'user', content: 'hi' }], max_tokens: 4 });
      expect(completion).toBeInstanceOf(OpenAI.NotFoundError);
      const usage = ok.usage!;
      const line = await serve.waitFor(/POST \/v1\/chat\/completions 200 {2}(\d+)\+(\d+) tok {2}ttft \d+ ms {2}[\d.]+ tok\/s {2}[\d.]+ s/);
      expect([Number(line[1]), Number(line[2])]).toEqual([usage.prompt_tokens, usage.completion_tokens]);
      expect(serve.output()).toMatch(/POST \/v1\/chat\/completions 404 {2}[\d.]+ s/);
      expect(serve.output()).not.toMatch(/"route":/);
      serve.child.stdin!.write('\x03');
      const { code } = await serve.exited;
      expect(code).toBe(0);
      expect(serve.output()).toContain('SIGINT: finishing running requests');
    } finally {
      serve.child.kill('SIGKILL');
    }
  });

  it('`pnpm start` ends on Ctrl-C without a pnpm ELIFECYCLE error', async () => {
    const port = await freePort();
    const pnpm = process.env.npm_execpath?.includes('pnpm') ? process.env.npm_execpath : 'pnpm';
    const start = inTerminal([pnpm, 'start', '--model', tinyModel(), '--port', String(port)], { cwd: repoRoot });
    try {
      await start.waitFor(/serving model "/, 240_000);
      start.child.stdin!.write('\x03');
      await start.exited;
      expect(start.output()).toContain('SIGINT: finishing running requests');
      expect(start.output()).not.toMatch(/ELIFECYCLE|Command failed/);
    } finally {
      start.child.kill('SIGKILL');
    }
  }, 300_000);
});

describe('mlx-ts serve without a terminal', () => {
  it('logs JSON lines, one per request', async () => {
    const port = await freePort();
    const serve = runCli(['serve', '--model', tinyModel(), '--port', String(port)]);
    try {
      await serve.waitFor(/serving model "([^"]+)"/);
      const response = await fetch(`http://127.0.0.1:${port}/v1/models`);
      expect(response.status).toBe(200);
      await serve.waitFor(/"route":"\/v1\/models"/);
      const entries = serve
        .stderr()
        .split('\n')
        .filter((line) => line.startsWith('{'))
        .map((line) => JSON.parse(line) as Record<string, unknown>);
      expect(entries).toHaveLength(1);
      expect(entries[0]).toMatchObject({ method: 'GET', route: '/v1/models', status: 200, requestId: response.headers.get('x-request-id') });
    } finally {
      serve.child.kill('SIGTERM');
      await serve.exited;
    }
  });
});

describe('mlx-ts chat in a terminal', () => {
  it('Ctrl-C at an idle prompt asks first; a second one quits', async () => {
    const chat = inTerminal([process.execPath, cli, 'chat', '--model', tinyModel()]);
    try {
      await chat.waitFor(/Commands: [^\n]*\n[\s\S]*> /);
      chat.child.stdin!.write('\x03');
      await chat.waitFor(/press Ctrl-C again, or type \/exit, to quit/);
      // Still running: it answers /help.
      chat.child.stdin!.write('/help\r');
      await chat.waitFor(/\/help[\r\n]+Commands: /);
      chat.child.stdin!.write('\x03');
      // Typing in between reset it: this Ctrl-C asks again.
      await chat.waitFor(/press Ctrl-C again[\s\S]*press Ctrl-C again/);
      chat.child.stdin!.write('\x03');
      const { code } = await chat.exited;
      expect(code).toBe(0);
    } finally {
      chat.child.kill('SIGKILL');
    }
  });
});

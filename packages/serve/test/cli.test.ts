// The mlx-ts command line as a person meets it, on the tiny random Gemma 3: the version, pipes
// that close early, stdin prompts, a taken port, a bad model path, bench's progress, the flag
// ranges, and chat's commands and multi-line input.
import { execFileSync, spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { samplingRanges } from '../src/server/sampling-ranges.js';
import { cli, freePort, repoRoot, runCli, tinyModel } from './cli-helpers.js';

let model: string;

beforeAll(() => {
  model = tinyModel();
});

const packageVersion = (JSON.parse(readFileSync(join(repoRoot, 'packages/serve/package.json'), 'utf8')) as { version: string }).version;

describe('mlx-ts --version', () => {
  it("prints @mlx-ts/serve's package.json version", () => {
    expect(execFileSync(process.execPath, [cli, '--version'], { encoding: 'utf8' }).trim()).toBe(packageVersion);
  });
});

describe('mlx-ts generate', () => {
  it('`| head` ends it quietly: exit 0, no EPIPE, no stack', () => {
    const result = spawnSync(
      'bash',
      ['-o', 'pipefail', '-c', `"${process.execPath}" "${cli}" generate --model "${model}" --prompt hi --max-tokens 900 --temp 0 | head -c 8`],
      { encoding: 'utf8' },
    );
    expect(result.stderr).not.toMatch(/EPIPE|Error|at /);
    expect(result.status).toBe(0);
    expect(result.stdout.length).toBeGreaterThan(0);
  });

  it('--prompt - reads the prompt from stdin, as --prompt TEXT gives it', () => {
    const prompt = 'Tell me about the sea.';
    const fromArg = spawnSync(process.execPath, [cli, 'generate', '--model', model, '--prompt', prompt, '--max-tokens', '8', '--temp', '0'], {
      encoding: 'utf8',
    });
    const fromStdin = spawnSync(process.execPath, [cli, 'generate', '--model', model, '--prompt', '-', '--max-tokens', '8', '--temp', '0'], {
      input: `${prompt}\n`,
      encoding: 'utf8',
    });
    expect(fromStdin.status).toBe(0);
    expect(fromStdin.stderr).toMatch(/^prompt: (\d+) tokens/m);
    // Same prompt token count and text: the stdin path read the same prompt.
    expect(fromStdin.stderr.match(/^prompt: (\d+) tokens/m)![1]).toBe(fromArg.stderr.match(/^prompt: (\d+) tokens/m)![1]);
    expect(fromStdin.stdout).toBe(fromArg.stdout);
  });

  it('accepts the sampling ranges the HTTP API accepts, and refuses past them', () => {
    const max = samplingRanges.temperature.max;
    const ok = spawnSync(process.execPath, [cli, 'generate', '--model', model, '--prompt', 'hi', '--max-tokens', '2', '--temp', String(max)], {
      encoding: 'utf8',
    });
    expect(ok.status).toBe(0);
    const refused = spawnSync(process.execPath, [cli, 'generate', '--model', model, '--prompt', 'hi', '--temp', String(max + 0.5)], { encoding: 'utf8' });
    expect(refused.status).not.toBe(0);
    expect(refused.stderr).toContain(`expected a number from 0 to ${max}`);
  });
});

describe('mlx-ts serve', () => {
  let blocker: Server;
  let port: number;

  beforeAll(async () => {
    blocker = createServer();
    await new Promise<void>((done) => blocker.listen(0, '127.0.0.1', done));
    port = (blocker.address() as { port: number }).port;
  });

  afterAll(() => new Promise((done) => blocker.close(done)));

  it('a taken port: exits non-zero at once with one line naming the port and --port, before loading anything', async () => {
    const serve = runCli(['serve', '--model', model, '--port', String(port)]);
    const { code } = await serve.exited;
    expect(code).toBe(1);
    const lines = serve.stderr().trim().split('\n');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(new RegExp(`port ${port} .*in use.*--port`));
  });

  it('a bad model path: one line saying so, no JSON log or stack before it', async () => {
    const serve = runCli(['serve', '--model', join(model, 'missing-model-folder'), '--port', String(await freePort())]);
    const { code } = await serve.exited;
    expect(code).toBe(1);
    const stderr = serve.stderr();
    expect(stderr).toMatch(/could not load the model: /);
    expect(stderr).not.toMatch(/^\{/m);
    expect(stderr).not.toMatch(/^\s+at /m);
  });
});

describe('mlx-ts bench', () => {
  it('prints a progress line per run to stderr, the JSON report to stdout', () => {
    const result = spawnSync(process.execPath, [cli, 'bench', '--model', model, '--prompt-tokens', '16', '--generation-tokens', '4', '--runs', '2', '--json'], {
      encoding: 'utf8',
    });
    expect(result.status).toBe(0);
    const progress = result.stderr.split('\n').filter((line) => line.startsWith('bench: '));
    expect(progress.map((line) => line.split(':')[1].trim())).toEqual(['warm-up', 'run 1/2', 'run 2/2']);
    expect(progress.every((line) => /prompt [\d.]+ tok\/s, generation [\d.]+ tok\/s$/.test(line))).toBe(true);
    expect(JSON.parse(result.stdout)).toMatchObject({ promptTokens: 16, generationTokens: 4, runs: 2 });
  });
});

describe('mlx-ts chat (piped input)', () => {
  it('an unknown /command is an error, not a message to the model', () => {
    const result = spawnSync(process.execPath, [cli, 'chat', '--model', model, '--max-tokens', '3', '--verbose'], {
      input: '/frobnicate now\n/exit\n',
      encoding: 'utf8',
    });
    expect(result.status).toBe(0);
    expect(result.stderr).toContain('unknown command /frobnicate');
    // --verbose prints statistics after each reply; there was none.
    expect(result.stderr).not.toMatch(/^generation: /m);
  });

  it('a line ending in \\ and a """ block each make one message; --verbose prints tok/s per reply', () => {
    const input = ['first line \\', 'second line', '"""', 'block one', 'block two', '"""', '/exit', ''].join('\n');
    const result = spawnSync(process.execPath, [cli, 'chat', '--model', model, '--max-tokens', '3', '--temp', '0', '--verbose'], { input, encoding: 'utf8' });
    expect({ status: result.status, signal: result.signal, error: result.error }).toEqual({ status: 0, signal: null, error: undefined });
    const replies = result.stderr.match(/^generation: \d+ tokens, [\d.]+ tokens\/s$/gm) ?? [];
    expect(replies).toHaveLength(2);
    const prompts = [...result.stderr.matchAll(/^prompt: (\d+) tokens/gm)].map((m) => Number(m[1]));
    // The second turn's prompt holds the first turn, so it is longer.
    expect(prompts).toHaveLength(2);
    expect(prompts[1]).toBeGreaterThan(prompts[0]);
  });
});

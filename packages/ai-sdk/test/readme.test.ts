// The README's examples run as written: each ```ts block is saved beside the package and run
// with node, with only the model path pointed at the tiny test model and the server URL at a
// real `mlx-ts serve` started here. The expected texts are that server's greedy answers. This
// process loads no model itself: a process that has used the pthreads OpenBLAS can hang when it
// forks (its at-fork handler joins busy threads), and the examples run as child processes.
import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tinyModelFolder } from './helpers.js';

const run = promisify(execFile);
const packageRoot = resolve(import.meta.dirname, '..');
const examples = [...readFileSync(join(packageRoot, 'README.md'), 'utf8').matchAll(/```ts\n([\s\S]*?)```/g)].map((m) => m[1]);
const readmeModel = './models/gemma-3-270m-q4_k_m.gguf';
const readmeServer = 'http://127.0.0.1:8080/v1';

let folder: string;
let scratch: string;
let server: ChildProcess;
let serverUrl: string;

beforeAll(async () => {
  folder = tinyModelFolder();
  // Inside the package, so that the examples resolve `@mlx-ts/ai-sdk`, `ai` and the rest as an application would.
  scratch = mkdtempSync(join(packageRoot, '.readme-run-'));
  const cli = join(packageRoot, 'node_modules', '@mlx-ts', 'serve', 'bin', 'mlx-ts.mjs');
  server = spawn(process.execPath, [cli, 'serve', '--model', folder, '--model-id', 'gemma-3-270m', '--port', '0', '--temp', '0', '--log-format', 'off'], {
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  serverUrl = await new Promise<string>((resolveUrl, reject) => {
    let stderr = '';
    server.stderr!.on('data', (chunk: Buffer) => {
      stderr += chunk.toString();
      const match = /serving model "[^"]+" at (http:\/\/\S+\/v1)/.exec(stderr);
      if (match) resolveUrl(match[1]!);
    });
    server.once('exit', (code) => reject(new Error(`mlx-ts serve exited (${code}): ${stderr}`)));
  });
});

afterAll(async () => {
  if (server && server.exitCode === null) {
    const exited = new Promise((done) => server.once('exit', done));
    server.kill('SIGTERM');
    await exited;
  }
  if (scratch) rmSync(scratch, { recursive: true, force: true });
});

/** The server's greedy answer, as the examples' in-process runs give it (greedy by default). */
async function answer(content: string, maxTokens: number): Promise<string> {
  const response = await fetch(`${serverUrl}/chat/completions`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ model: 'gemma-3-270m', messages: [{ role: 'user', content }], max_tokens: maxTokens, temperature: 0 }),
  });
  expect(response.status).toBe(200);
  return ((await response.json()) as { choices: { message: { content: string } }[] }).choices[0]!.message.content;
}

async function runExample(index: number): Promise<string> {
  const code = examples[index].replaceAll(readmeModel, folder).replaceAll(readmeServer, serverUrl);
  const file = join(scratch, `example-${index}.mjs`);
  writeFileSync(file, code);
  const { stdout } = await run(process.execPath, [file], { cwd: packageRoot, timeout: 120_000 });
  return stdout;
}

describe('README examples', () => {
  it('has the three examples, each naming the model or server the test replaces', () => {
    expect(examples).toHaveLength(3);
    expect(examples[0]).toContain(readmeModel);
    expect(examples[1]).toContain(readmeModel);
    expect(examples[2]).toContain(readmeServer);
    for (const code of examples) expect(code.trim().split('\n').length).toBeLessThanOrEqual(10);
  });

  it('the in-process example prints the generated and the streamed text', async () => {
    const generated = await answer('Name three colors.', 32);
    const streamed = await answer('Write a haiku about the sea.', 48);
    const stdout = await runExample(0);
    expect(stdout.slice(0, generated.length + 2)).toBe(`${generated}\n{`);
    expect(stdout.slice(-streamed.length - 1)).toBe(`\n${streamed}`);
  });

  it('the existing-backend example prints the text and the timings', async () => {
    const generated = await answer('Hi!', 16);
    const stdout = await runExample(1);
    expect(stdout.slice(0, generated.length + 2)).toBe(`${generated}\n{`);
    expect(stdout).toContain('generationTokensPerSecond');
  });

  it('the openai-compatible example prints the generated and the streamed text from the server', async () => {
    const generated = await answer('Name three colors.', 32);
    const streamed = await answer('Count to five.', 32);
    const stdout = await runExample(2);
    expect(stdout).toBe(`${generated}\n${streamed}`);
  });
});

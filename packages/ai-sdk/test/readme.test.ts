// The README's examples run as written: each ```ts block is saved beside the package and run
// with node, with only the model path pointed at the tiny test model and the server URL at a
// real `mlx-ts serve` started here.
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { MlxBackend } from '@mlx-ts/backend';
import { createServer, type OpenAIServer } from '@mlx-ts/serve';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tinyModelFolder } from './helpers.js';

const run = promisify(execFile);
const packageRoot = resolve(import.meta.dirname, '..');
const examples = [...readFileSync(join(packageRoot, 'README.md'), 'utf8').matchAll(/```ts\n([\s\S]*?)```/g)].map((m) => m[1]);
const readmeModel = './models/gemma-3-270m-q4_k_m.gguf';
const readmeServer = 'http://127.0.0.1:8080/v1';

let folder: string;
let scratch: string;
let backend: MlxBackend;
let server: OpenAIServer;
let serverUrl: string;

beforeAll(async () => {
  folder = tinyModelFolder();
  // Inside the package, so that the examples resolve `@mlx-ts/ai-sdk`, `ai` and the rest as an application would.
  scratch = mkdtempSync(join(packageRoot, '.readme-run-'));
  backend = await MlxBackend.load(folder);
  server = createServer(backend, { modelId: 'gemma-3-270m', defaults: { temperature: 0 } });
  serverUrl = `${(await server.listen(0)).url}/v1`;
});

afterAll(async () => {
  await server?.close();
  await backend?.dispose();
  if (scratch) rmSync(scratch, { recursive: true, force: true });
});

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
    const generated = await backend.chat([{ role: 'user', content: 'Name three colors.' }], { maxTokens: 32 });
    const streamed = await backend.chat([{ role: 'user', content: 'Write a haiku about the sea.' }], { maxTokens: 48 });
    const stdout = await runExample(0);
    expect(stdout.slice(0, generated.text.length + 2)).toBe(`${generated.text}\n{`);
    expect(stdout.slice(-streamed.text.length - 1)).toBe(`\n${streamed.text}`);
  });

  it('the existing-backend example prints the text and the timings', async () => {
    const generated = await backend.chat([{ role: 'user', content: 'Hi!' }], { maxTokens: 16 });
    const stdout = await runExample(1);
    expect(stdout.slice(0, generated.text.length + 2)).toBe(`${generated.text}\n{`);
    expect(stdout).toContain('generationTokensPerSecond');
  });

  it('the openai-compatible example prints the generated and the streamed text from the server', async () => {
    const generated = await backend.chat([{ role: 'user', content: 'Name three colors.' }], { maxTokens: 32 });
    const streamed = await backend.chat([{ role: 'user', content: 'Count to five.' }], { maxTokens: 32 });
    const stdout = await runExample(2);
    expect(stdout).toBe(`${generated.text}\n${streamed.text}`);
  });
});

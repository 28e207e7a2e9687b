// `--model org/name` on the command line: a model that Python's huggingface_hub put in the cache
// is generated from and served with HF_HUB_OFFLINE=1, exactly as from its folder; without the
// cache the CLI downloads it from HF_ENDPOINT; offline and uncached it says what to do.
import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { postJson } from './helpers.js';

// The local hub and the Python runner are @mlx-ts/models' test helpers; imported by path (they
// lie outside this package's TypeScript project), so only what is used here is typed.
interface HubServer {
  url: string;
  requests: { path: string }[];
  resetLog(): void;
  commitOf(repo: string): string;
  close(): Promise<void>;
}
const modelsTestHelpers = resolve(import.meta.dirname, '../../models/test/helpers');
const { hubFixtures } = (await import(join(modelsTestHelpers, 'hub-fixtures.ts'))) as { hubFixtures: () => unknown[] };
const { startHubServer } = (await import(join(modelsTestHelpers, 'hub-server.ts'))) as { startHubServer: (fixtures: unknown[]) => Promise<HubServer> };
const { runPythonHub } = (await import(join(modelsTestHelpers, 'python-hub.ts'))) as {
  runPythonHub: <T>(script: string, environment: { cacheDir: string; endpoint?: string; offline?: boolean }) => Promise<T>;
};

const cli = resolve(import.meta.dirname, '../bin/mlx-ts.mjs');
const repo = 'tiny-org/tiny-gemma3';
const prompt = ['--prompt', 'hello world', '--max-tokens', '6', '--no-chat-template', '--temp', '0'];
let hub: HubServer;
let cacheDir: string;
let snapshot: string;

function mlxTs(args: string[], env: NodeJS.ProcessEnv) {
  return promisify(execFile)(process.execPath, [cli, ...args], { env: { ...process.env, ...env }, maxBuffer: 4 * 1024 * 1024 });
}

beforeAll(async () => {
  hub = await startHubServer(hubFixtures());
  cacheDir = mkdtempSync(join(tmpdir(), 'mlx-ts-cli-hub-'));
  ({ snapshot } = await runPythonHub<{ snapshot: string }>(
    `import json
from huggingface_hub import snapshot_download
print(json.dumps({"snapshot": snapshot_download(${JSON.stringify(repo)}, allow_patterns=["*.json", "model*.safetensors", "*.jinja"])}))`,
    { cacheDir, endpoint: hub.url },
  ));
});

afterAll(async () => {
  await hub?.close();
});

const offline = () => ({ HF_HUB_OFFLINE: '1', HF_HUB_CACHE: cacheDir, HF_ENDPOINT: 'http://127.0.0.1:9' });

describe('mlx-ts with a Hugging Face id', () => {
  let fromFolder: string;

  beforeAll(async () => {
    fromFolder = (await mlxTs(['generate', '--model', snapshot, ...prompt], {})).stdout;
  });

  it('generate: HF_HUB_OFFLINE=1 with the cache Python filled gives what the folder gives', async () => {
    hub.resetLog();
    const { stdout, stderr } = await mlxTs(['generate', '--model', repo, ...prompt], offline());
    expect(stdout).toBe(fromFolder);
    expect(stderr).toMatch(/finish: (stop|length)/);
    expect(hub.requests).toEqual([]);
  });

  it('generate: an empty cache is filled from HF_ENDPOINT first', async () => {
    hub.resetLog();
    const fresh = mkdtempSync(join(tmpdir(), 'mlx-ts-cli-hub-'));
    const { stdout } = await mlxTs(['generate', '--model', repo, ...prompt], { HF_HUB_CACHE: fresh, HF_ENDPOINT: hub.url, HF_HUB_OFFLINE: '0' });
    expect(stdout).toBe(fromFolder);
    expect(hub.requests.some((request) => request.path.endsWith(`/resolve/${hub.commitOf(repo)}/model.safetensors`))).toBe(true);
  });

  it('offline and not cached: exit code 1 and a message that names the fix', async () => {
    const error = (await mlxTs(['generate', '--model', 'tiny-org/not-cached', ...prompt], offline()).catch((e: unknown) => e)) as {
      code: number;
      stderr: string;
    };
    expect(error.code).toBe(1);
    expect(error.stderr).toMatch(/^mlx-ts: Cannot resolve model "tiny-org\/not-cached": offline mode is on .*hf download tiny-org\/not-cached/m);
    expect(error.stderr).not.toMatch(/\n\s+at /);
  });

  it('serve: HF_HUB_OFFLINE=1 answers /v1/models and a completion under the id', async () => {
    const server: ChildProcess = spawn(process.execPath, [cli, 'serve', '--model', repo, '--port', '0'], {
      env: { ...process.env, ...offline() },
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    try {
      const url = await new Promise<string>((resolveUrl, reject) => {
        let stderr = '';
        server.stderr!.on('data', (chunk: Buffer) => {
          stderr += chunk.toString();
          const match = /serving model "[^"]+" at (http:\/\/\S+)\/v1/.exec(stderr);
          if (match) resolveUrl(match[1]!);
        });
        server.once('exit', (code) => reject(new Error(`mlx-ts serve exited (${code}): ${stderr}`)));
      });
      const models = (await (await fetch(`${url}/v1/models`)).json()) as { data: { id: string }[] };
      expect(models.data.map((model) => model.id)).toEqual([repo]);
      const response = await postJson(`${url}/v1/completions`, { model: repo, prompt: 'hello world', max_tokens: 6, temperature: 0 });
      expect(response.status).toBe(200);
      const body = (await response.json()) as { choices: { text: string }[] };
      expect(`${body.choices[0]!.text}\n`).toBe(fromFolder);
    } finally {
      server.kill('SIGTERM');
    }
  });
});

// MlxBackend.load and WorkerBackend.load take a Hugging Face id: the tiny Gemma 3 comes from a
// local hub into a fresh cache and generates the transformers reference tokens.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type HubDownloadProgress, MlxBackend, WorkerBackend } from '../src/index.js';
import { modelsFixtures, readJson } from './helpers.js';

// The local hub is a test helper of @mlx-ts/models, imported by path (outside this TypeScript project).
interface HubServer {
  url: string;
  close(): Promise<void>;
}
const modelsTestHelpers = resolve(import.meta.dirname, '../../models/test/helpers');
const { hubFixtures } = (await import(join(modelsTestHelpers, 'hub-fixtures.ts'))) as { hubFixtures: () => unknown[] };
const { startHubServer } = (await import(join(modelsTestHelpers, 'hub-server.ts'))) as { startHubServer: (fixtures: unknown[]) => Promise<HubServer> };

interface TinyReference {
  promptIds: number[];
  decode: { inputId: number; nextId: number }[];
}
const reference = readJson<TinyReference>(`${modelsFixtures}/tiny-gemma3-reference.json`);
const expected = [reference.decode[0]!.inputId, ...reference.decode.map((d) => d.nextId)];
const repo = 'tiny-org/tiny-gemma3';

let hub: HubServer;
beforeAll(async () => {
  hub = await startHubServer(hubFixtures());
});
afterAll(async () => {
  await hub?.close();
});

describe('loading by Hugging Face id', () => {
  it('MlxBackend.load downloads, reports progress and generates the reference tokens', async () => {
    const progress: HubDownloadProgress[] = [];
    await using backend = await MlxBackend.load(repo, {
      dtype: 'float32',
      hub: { cacheDir: mkdtempSync(join(tmpdir(), 'mlx-ts-backend-hub-')), endpoint: hub.url, offline: false, onProgress: (event) => progress.push(event) },
    });
    expect(backend.name).toBe(repo);
    expect(progress.at(-1)).toMatchObject({ repo, filesDone: progress.at(-1)!.filesTotal, doneBytes: progress.at(-1)!.totalBytes });
    const result = await backend.generate(reference.promptIds, { maxTokens: expected.length, ignoreEos: true });
    expect(result.tokenIds).toEqual(expected);
  });

  it('WorkerBackend.load resolves on the calling thread, so a progress callback works too', async () => {
    const progress: HubDownloadProgress[] = [];
    const backend = await WorkerBackend.load(repo, {
      dtype: 'float32',
      hub: { cacheDir: mkdtempSync(join(tmpdir(), 'mlx-ts-backend-hub-')), endpoint: hub.url, offline: false, onProgress: (event) => progress.push(event) },
    });
    try {
      expect(backend.name).toBe(repo);
      expect(progress.length).toBeGreaterThan(0);
      const result = await backend.generate(reference.promptIds, { maxTokens: expected.length, ignoreEos: true });
      expect(result.tokenIds).toEqual(expected);
    } finally {
      await backend.dispose();
    }
  });
});

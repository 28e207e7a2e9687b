// Hugging Face ids resolved by the real @huggingface/hub client against a local hub: what lands
// in the cache (huggingface_hub's layout, byte-identical files, only what a model needs),
// progress, resume after a cut, and the errors for gated, unknown and offline.
import { existsSync, lstatSync, mkdtempSync, readdirSync, readFileSync, readlinkSync, writeFileSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  HubDownloadError,
  type HubDownloadProgress,
  HubError,
  HubGatedRepositoryError,
  HubNoUsableFilesError,
  HubOfflineNotCachedError,
  HubRepositoryNotFoundError,
  InvalidModelReferenceError,
  loadModel,
  resolveModelReference,
} from '../src/index.js';
import { hubFixtures, tinyGemmaFiles, tinyModelFiles } from './helpers/hub-fixtures.js';
import { type HubServer, startHubServer } from './helpers/hub-server.js';

let hub: HubServer;
const repo = 'tiny-org/tiny-gemma3';
const files = tinyGemmaFiles();

beforeAll(async () => {
  hub = await startHubServer(hubFixtures());
});

afterAll(async () => {
  await hub?.close();
});

function freshCache(): string {
  return mkdtempSync(join(tmpdir(), 'mlx-ts-hub-'));
}

const online = (cacheDir: string) => ({ cacheDir, endpoint: hub.url, offline: false });

describe('download into the cache', () => {
  let cacheDir: string;
  const progress: HubDownloadProgress[] = [];

  beforeAll(async () => {
    cacheDir = freshCache();
    hub.resetLog();
  });

  it("fetches only the files a model needs, byte for byte, in huggingface_hub's layout", async () => {
    const resolved = await resolveModelReference(repo, { ...online(cacheDir), onProgress: (event) => progress.push(event) });
    const commit = hub.commitOf(repo);
    const storage = join(cacheDir, 'models--tiny-org--tiny-gemma3');
    expect(resolved).toEqual({ path: join(storage, 'snapshots', commit), source: 'download', repo, revision: 'main', commit });
    expect(readFileSync(join(storage, 'refs', 'main'), 'utf8')).toBe(commit);
    expect(readdirSync(resolved.path).sort()).toEqual([...tinyModelFiles].sort());
    for (const file of tinyModelFiles) {
      const pointer = join(resolved.path, file);
      expect(lstatSync(pointer).isSymbolicLink()).toBe(true);
      expect(readlinkSync(pointer)).toBe(`../../blobs/${hub.etagOf(repo, file)}`);
      expect(Buffer.compare(readFileSync(pointer), Buffer.from(files[file]!))).toBe(0);
    }
    expect(readdirSync(join(storage, 'blobs')).sort()).toEqual(tinyModelFiles.map((file) => hub.etagOf(repo, file)).sort());
    // README.md, .gitattributes and onnx/ were never requested.
    const fetched = new Set(hub.requests.filter((r) => r.path.includes('/resolve/')).map((r) => r.path.split('/').slice(5).join('/')));
    expect([...fetched].sort()).toEqual([...tinyModelFiles].sort());
  });

  it('reports progress up to the total of the needed files', () => {
    const total = tinyModelFiles.reduce((sum, file) => sum + Buffer.from(files[file]!).length, 0);
    expect(progress.length).toBeGreaterThan(tinyModelFiles.length);
    expect(progress.every((event) => event.totalBytes === total && event.filesTotal === tinyModelFiles.length && event.repo === repo)).toBe(true);
    const done = progress.map((event) => event.doneBytes);
    expect(done).toEqual([...done].sort((a, b) => a - b));
    expect(progress.at(-1)).toMatchObject({ doneBytes: total, filesDone: tinyModelFiles.length });
  });

  it('then resolves from the cache without a request, and loads', async () => {
    hub.resetLog();
    const resolved = await resolveModelReference(repo, online(cacheDir));
    expect(resolved.source).toBe('cache');
    using loaded = await loadModel(repo, { hub: { ...online(cacheDir), offline: true } });
    expect(loaded.config.vocabSize).toBe(JSON.parse(String(files['config.json'])).vocab_size);
    expect(loaded.tokenizer.encode('hello world').length).toBeGreaterThan(0);
    expect(loaded.source).toBe(repo);
    expect(hub.requests).toEqual([]);
  });

  it('a branch or tag after "@" resolves to the same commit and gets its own ref, reusing the blobs', async () => {
    hub.resetLog();
    const resolved = await resolveModelReference(`${repo}@v1.0`, online(cacheDir));
    expect(hub.requests.filter((request) => request.path.includes('/resolve/'))).toEqual([]);
    expect(resolved.commit).toBe(hub.commitOf(repo));
    expect(readFileSync(join(cacheDir, 'models--tiny-org--tiny-gemma3', 'refs', 'v1.0'), 'utf8')).toBe(hub.commitOf(repo));
    const byCommit = await resolveModelReference(`${repo}@${hub.commitOf(repo)}`, { ...online(cacheDir), offline: true });
    expect(byCommit.path).toBe(resolved.path);
  });
});

describe('resume', () => {
  it('a connection dropped mid-file is resumed with a Range request from where it stopped', async () => {
    const cacheDir = freshCache();
    hub.resetLog();
    const cutAt = 300_000;
    hub.cutOnce(repo, 'model.safetensors', cutAt);
    const resolved = await resolveModelReference(repo, online(cacheDir));
    const downloads = hub.contentRequests('model.safetensors');
    // The resume starts where the kept prefix ends: at most the cut (fetch may drop queued chunks).
    expect(downloads).toHaveLength(2);
    expect(downloads[0]!.range).toBeUndefined();
    const [, start, end] = /^bytes=(\d+)-(\d+)$/.exec(downloads[1]!.range ?? '') ?? [];
    expect(Number(start)).toBeGreaterThan(0);
    expect(Number(start)).toBeLessThanOrEqual(cutAt);
    expect(Number(end)).toBe(Buffer.from(files['model.safetensors']!).length - 1);
    expect(Buffer.compare(readFileSync(join(resolved.path, 'model.safetensors')), Buffer.from(files['model.safetensors']!))).toBe(0);
  });

  it('without retries the cut leaves a .incomplete file that the next run continues', async () => {
    const cacheDir = freshCache();
    const cutAt = 500_000;
    hub.cutOnce(repo, 'model.safetensors', cutAt);
    const error = await resolveModelReference(repo, { ...online(cacheDir), retries: 0 }).catch((e: unknown) => e);
    expect(HubDownloadError.isInstance(error)).toBe(true);
    expect((error as HubDownloadError).message).toMatch(/Run the same command again to resume/);
    const incomplete = join(cacheDir, 'models--tiny-org--tiny-gemma3', 'blobs', `${hub.etagOf(repo, 'model.safetensors')}.incomplete`);
    // fetch may drop chunks still queued in its stream when the socket errors, so the kept part
    // is a prefix of at most what was sent; the resume must start exactly where it ends.
    const kept = readFileSync(incomplete);
    expect(kept.length).toBeGreaterThan(0);
    expect(kept.length).toBeLessThanOrEqual(cutAt);
    expect(Buffer.compare(kept, Buffer.from(files['model.safetensors']!).subarray(0, kept.length))).toBe(0);
    // Not complete, so not cached: offline it is an error, not a broken model.
    await expect(resolveModelReference(repo, { ...online(cacheDir), offline: true })).rejects.toSatisfy(HubOfflineNotCachedError.isInstance);
    hub.resetLog();
    const progress: HubDownloadProgress[] = [];
    const resolved = await resolveModelReference(repo, { ...online(cacheDir), onProgress: (event) => progress.push(event) });
    expect(hub.contentRequests('model.safetensors').map((request) => request.range)).toEqual([
      `bytes=${kept.length}-${Buffer.from(files['model.safetensors']!).length - 1}`,
    ]);
    expect(Buffer.compare(readFileSync(join(resolved.path, 'model.safetensors')), Buffer.from(files['model.safetensors']!))).toBe(0);
    expect(existsSync(incomplete)).toBe(false);
    expect(progress.at(-1)!.doneBytes).toBe(progress.at(-1)!.totalBytes);
  });
});

describe('errors that name the fix', () => {
  it('a gated repository without a token asks for HF_TOKEN; with the token it downloads', async () => {
    const cacheDir = freshCache();
    const error = await resolveModelReference('tiny-org/gated-gemma3', online(cacheDir)).catch((e: unknown) => e);
    expect(HubGatedRepositoryError.isInstance(error)).toBe(true);
    expect(HubError.isInstance(error)).toBe(true);
    expect((error as HubGatedRepositoryError).code).toBe('hub_gated_repository');
    expect((error as Error).message).toMatch(/gated.*HF_TOKEN/s);
    const wrong = await resolveModelReference('tiny-org/gated-gemma3', { ...online(cacheDir), token: 'hf_not_the_right_one' }).catch((e: unknown) => e);
    expect(HubGatedRepositoryError.isInstance(wrong)).toBe(true);
    expect((wrong as Error).message).toMatch(/refused the token.*403.*authorized list/s);
    const resolved = await resolveModelReference('tiny-org/gated-gemma3', { ...online(cacheDir), token: hub.token });
    expect(readdirSync(resolved.path).sort()).toEqual([...tinyModelFiles].sort());
  });

  it('HF_ENDPOINT, HF_HUB_CACHE and HF_TOKEN are read from the environment', async () => {
    const cacheDir = freshCache();
    const saved = { ...process.env };
    Object.assign(process.env, { HF_ENDPOINT: hub.url, HF_HUB_CACHE: cacheDir, HF_TOKEN: hub.token, HF_HUB_OFFLINE: '0' });
    try {
      hub.resetLog();
      const resolved = await resolveModelReference('tiny-org/gated-gemma3');
      expect(resolved.path.startsWith(join(cacheDir, 'models--tiny-org--gated-gemma3', 'snapshots'))).toBe(true);
      expect(hub.requests.every((request) => request.authorization === `Bearer ${hub.token}`)).toBe(true);
      process.env.HF_HUB_OFFLINE = '1';
      hub.resetLog();
      expect((await resolveModelReference('tiny-org/gated-gemma3')).source).toBe('cache');
      expect(hub.requests).toEqual([]);
    } finally {
      process.env = saved;
    }
  });

  it('an unknown repository or revision is a HubRepositoryNotFoundError', async () => {
    const cacheDir = freshCache();
    const error = await resolveModelReference('tiny-org/no-such-model', online(cacheDir)).catch((e: unknown) => e);
    expect(HubRepositoryNotFoundError.isInstance(error)).toBe(true);
    expect((error as Error).message).toMatch(/has no repository tiny-org\/no-such-model.*Check the spelling/s);
    const revision = await resolveModelReference(`${repo}@no-such-branch`, online(cacheDir)).catch((e: unknown) => e);
    expect(HubRepositoryNotFoundError.isInstance(revision)).toBe(true);
    expect((revision as Error).message).toMatch(/no such revision.*Check the revision/s);
  });

  it('offline and not cached says how to get the model, without a request', async () => {
    hub.resetLog();
    const error = await resolveModelReference(repo, { ...online(freshCache()), offline: true }).catch((e: unknown) => e);
    expect(HubOfflineNotCachedError.isInstance(error)).toBe(true);
    expect((error as Error).message).toMatch(/HF_HUB_OFFLINE.*hf download tiny-org\/tiny-gemma3/s);
    expect(hub.requests).toEqual([]);
  });

  it('a repository with nothing loadable is a HubNoUsableFilesError', async () => {
    const error = await resolveModelReference('tiny-org/readme-only', online(freshCache())).catch((e: unknown) => e);
    expect(HubNoUsableFilesError.isInstance(error)).toBe(true);
    expect((error as Error).message).toMatch(/neither config.json with .safetensors weights nor a single-file .gguf/);
  });

  it('an unreachable hub is a HubDownloadError that mentions HF_HUB_OFFLINE', async () => {
    const error = await resolveModelReference(repo, { cacheDir: freshCache(), endpoint: 'http://127.0.0.1:9', offline: false }).catch((e: unknown) => e);
    expect(HubDownloadError.isInstance(error)).toBe(true);
    expect((error as Error).message).toMatch(/request to http:\/\/127.0.0.1:9 failed.*HF_HUB_OFFLINE=1/s);
  });

  it('a revision or name with ".." is refused before any request or file access', async () => {
    hub.resetLog();
    for (const reference of [`${repo}@../../../../etc`, 'tiny-org/..', `${repo}@main/../x`]) {
      await expect(resolveModelReference(reference, online(freshCache()))).rejects.toSatisfy(InvalidModelReferenceError.isInstance);
    }
    await expect(loadModel(`${repo}@..`, { hub: online(freshCache()) })).rejects.toThrow(/not a valid revision.*org\/name@revision/s);
    expect(hub.requests).toEqual([]);
  });

  it('file names from the listing never leave the cache folder', async () => {
    const cacheDir = join(freshCache(), 'hub');
    await mkdir(cacheDir);
    const error = await resolveModelReference('tiny-org/escape:Q4_K_M', online(cacheDir)).catch((e: unknown) => e);
    expect(HubNoUsableFilesError.isInstance(error)).toBe(true);
    expect(readdirSync(dirname(cacheDir))).toEqual(['hub']);
  });
});

describe('GGUF repositories', () => {
  it('a quantization tag picks that file, and only it is downloaded', async () => {
    const cacheDir = freshCache();
    hub.resetLog();
    const resolved = await resolveModelReference('tiny-org/tiny-gguf:Q8_0', online(cacheDir));
    expect(resolved.path).toBe(join(cacheDir, 'models--tiny-org--tiny-gguf', 'snapshots', hub.commitOf('tiny-org/tiny-gguf'), 'tiny-Q8_0.gguf'));
    expect(readFileSync(resolved.path).length).toBe(5000);
    expect(readdirSync(dirname(resolved.path))).toEqual(['tiny-Q8_0.gguf']);
    // The tag is matched without regard to case, and offline once cached.
    expect((await resolveModelReference('tiny-org/tiny-gguf:q8_0', { ...online(cacheDir), offline: true })).path).toBe(resolved.path);
  });

  it('without a tag it takes Q4_K_M, as llama.cpp does', async () => {
    const resolved = await resolveModelReference('tiny-org/tiny-gguf', online(freshCache()));
    expect(resolved.path.endsWith('/tiny-Q4_K_M.gguf')).toBe(true);
  });

  it('an unknown or split quantization names the ones there are', async () => {
    const unknown = await resolveModelReference('tiny-org/tiny-gguf:Q5_K_S', online(freshCache())).catch((e: unknown) => e);
    expect(HubNoUsableFilesError.isInstance(unknown)).toBe(true);
    expect((unknown as Error).message).toMatch(/no GGUF file is tagged Q5_K_S.*tiny-Q4_K_M\.gguf.*tiny-Q8_0\.gguf/s);
    expect((unknown as Error).message).not.toMatch(/mmproj/);
    const split = await resolveModelReference('tiny-org/tiny-gguf:Q2_K', online(freshCache())).catch((e: unknown) => e);
    expect((split as Error).message).toMatch(/split into parts.*llama-gguf-split --merge/s);
  });
});

describe('references', () => {
  it('an existing path wins over the hub, even when it looks like an id', async () => {
    const base = freshCache();
    const folder = join(base, 'tiny-org', 'tiny-gemma3');
    await mkdir(folder, { recursive: true });
    writeFileSync(join(folder, 'config.json'), '{}');
    const cwd = process.cwd();
    process.chdir(base);
    try {
      expect(await resolveModelReference(repo, online(freshCache()))).toEqual({ path: repo, source: 'path' });
    } finally {
      process.chdir(cwd);
    }
  });
});

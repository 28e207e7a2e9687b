// The cache is shared with Python's huggingface_hub (what mlx-lm and huggingface-cli use), in
// both directions, pointed at the same local hub: what Python downloads we load offline, and
// what we download Python finds offline (and its cache scanner reads without a warning).
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadModel, resolveModelReference } from '../src/index.js';
import { hubFixtures, tinyGemmaFiles, tinyModelFiles } from './helpers/hub-fixtures.js';
import { type HubServer, startHubServer } from './helpers/hub-server.js';
import { runPythonHub } from './helpers/python-hub.js';

let hub: HubServer;
const repo = 'tiny-org/tiny-gemma3';
// mlx_lm.utils' allow_patterns for snapshot_download.
const mlxLmPatterns = ['*.json', 'model*.safetensors', '*.py', 'tokenizer.model', '*.tiktoken', 'tiktoken.model', '*.txt', '*.jsonl', '*.jinja'];

beforeAll(async () => {
  hub = await startHubServer(hubFixtures());
});

afterAll(async () => {
  await hub?.close();
});

const freshCache = () => mkdtempSync(join(tmpdir(), 'mlx-ts-hub-py-'));

describe('a cache filled by Python', () => {
  const cacheDir = freshCache();
  let pythonPaths: { snapshot: string; gguf: string };

  beforeAll(async () => {
    pythonPaths = await runPythonHub(
      `import json
from huggingface_hub import snapshot_download, hf_hub_download
snapshot = snapshot_download(${JSON.stringify(repo)}, allow_patterns=${JSON.stringify(mlxLmPatterns)})
gguf = hf_hub_download("tiny-org/tiny-gguf", "tiny-Q4_K_M.gguf")
print(json.dumps({"snapshot": snapshot, "gguf": gguf}))`,
      { cacheDir, endpoint: hub.url },
    );
  });

  it('resolves offline to the very snapshot Python wrote, with no request', async () => {
    hub.resetLog();
    const resolved = await resolveModelReference(repo, { cacheDir, offline: true });
    expect(resolved).toMatchObject({ path: pythonPaths.snapshot, source: 'cache', commit: hub.commitOf(repo) });
    const gguf = await resolveModelReference('tiny-org/tiny-gguf:Q4_K_M', { cacheDir, offline: true });
    expect(gguf.path).toBe(pythonPaths.gguf);
    expect(hub.requests).toEqual([]);
  });

  it('loads the model from it, with HF_HUB_OFFLINE=1 and HF_HUB_CACHE from the environment', async () => {
    const saved = { ...process.env };
    Object.assign(process.env, { HF_HUB_OFFLINE: '1', HF_HUB_CACHE: cacheDir, HF_ENDPOINT: 'http://127.0.0.1:9' });
    try {
      using loaded = await loadModel(repo);
      const config = JSON.parse(String(tinyGemmaFiles()['config.json']));
      expect(loaded.config.vocabSize).toBe(config.vocab_size);
      expect(loaded.config.numHiddenLayers ?? config.num_hidden_layers).toBe(config.num_hidden_layers);
      expect(loaded.tokenizer.encode('hello').length).toBeGreaterThan(0);
    } finally {
      process.env = saved;
    }
  });
});

describe('a cache filled by us', () => {
  const cacheDir = freshCache();
  let ours: string;
  let gguf: string;

  beforeAll(async () => {
    ours = (await resolveModelReference(`${repo}@v1.0`, { cacheDir, endpoint: hub.url, offline: false })).path;
    await resolveModelReference(repo, { cacheDir, endpoint: hub.url, offline: false });
    gguf = (await resolveModelReference('tiny-org/tiny-gguf:Q8_0', { cacheDir, endpoint: hub.url, offline: false })).path;
  });

  it('is found by huggingface_hub offline, file by file and as a snapshot', async () => {
    hub.resetLog();
    const python = await runPythonHub<{ snapshot: string; tagged: string; config: string; gguf: string }>(
      `import json
from huggingface_hub import snapshot_download, hf_hub_download
print(json.dumps({
  "snapshot": snapshot_download(${JSON.stringify(repo)}, local_files_only=True),
  "tagged": snapshot_download(${JSON.stringify(repo)}, revision="v1.0", local_files_only=True),
  "config": hf_hub_download(${JSON.stringify(repo)}, "config.json", local_files_only=True),
  "gguf": hf_hub_download("tiny-org/tiny-gguf", "tiny-Q8_0.gguf", local_files_only=True),
}))`,
      { cacheDir, offline: true },
    );
    expect(python.snapshot).toBe(ours);
    expect(python.tagged).toBe(ours);
    expect(readFileSync(python.config, 'utf8')).toBe(readFileSync(join(ours, 'config.json'), 'utf8'));
    expect(python.gguf).toBe(gguf);
    expect(hub.requests).toEqual([]);
  });

  it("reads as a sound cache to huggingface_hub's scanner (refs, revisions, blob sizes)", async () => {
    const scan = await runPythonHub<{
      warnings: string[];
      repos: { id: string; size: number; revisions: { commit: string; refs: string[]; files: string[] }[] }[];
    }>(
      `import json
from huggingface_hub import scan_cache_dir
info = scan_cache_dir()
print(json.dumps({
  "warnings": [str(w) for w in info.warnings],
  "repos": sorted([{"id": r.repo_id, "size": r.size_on_disk, "revisions": [
      {"commit": v.commit_hash, "refs": sorted(v.refs), "files": sorted(f.file_name for f in v.files)} for v in r.revisions]}
    for r in info.repos], key=lambda r: r["id"]),
}))`,
      { cacheDir, offline: true },
    );
    const files = tinyGemmaFiles();
    expect(scan.warnings).toEqual([]);
    expect(scan.repos).toEqual([
      {
        id: 'tiny-org/tiny-gemma3',
        size: tinyModelFiles.reduce((sum, file) => sum + Buffer.from(files[file]!).length, 0),
        revisions: [{ commit: hub.commitOf(repo), refs: ['main', 'v1.0'], files: [...tinyModelFiles].sort() }],
      },
      { id: 'tiny-org/tiny-gguf', size: 5000, revisions: [{ commit: hub.commitOf('tiny-org/tiny-gguf'), refs: ['main'], files: ['tiny-Q8_0.gguf'] }] },
    ]);
  });

  it('a download we left cut does not confuse huggingface_hub, and we load what it finished', async () => {
    const cut = freshCache();
    hub.cutOnce(repo, 'model.safetensors', 400_000);
    await expect(resolveModelReference(repo, { cacheDir: cut, endpoint: hub.url, offline: false, retries: 0 })).rejects.toThrow(/resume/);
    // huggingface_hub 2.x downloads into a temporary file of its own (it leaves our .incomplete alone).
    const python = await runPythonHub<{ path: string }>(
      `import json
from huggingface_hub import snapshot_download
print(json.dumps({"path": snapshot_download(${JSON.stringify(repo)}, allow_patterns=${JSON.stringify(mlxLmPatterns)})}))`,
      { cacheDir: cut, endpoint: hub.url },
    );
    expect(Buffer.compare(readFileSync(join(python.path, 'model.safetensors')), Buffer.from(tinyGemmaFiles()['model.safetensors']!))).toBe(0);
    hub.resetLog();
    expect(await resolveModelReference(repo, { cacheDir: cut, offline: true })).toMatchObject({ path: python.path, source: 'cache' });
    expect(hub.requests).toEqual([]);
  });
});

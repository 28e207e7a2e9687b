// Finds a model in the local hub cache without touching the network: revision → commit through
// refs/, then the snapshot folder, which must hold every file the model needs (a download cut
// short leaves some out, and then this answers "not cached").
import { readdir, readFile, stat } from 'node:fs/promises';
import { join, sep } from 'node:path';
import type { RepoCacheFolder } from './cache-layout.js';
import { chooseModelFiles, isNoModelFiles, type NoModelFiles } from './model-files.js';
import type { ModelReference } from './model-reference.js';

export interface CachedModel {
  /** The snapshot folder (safetensors) or the .gguf file inside it. */
  path: string;
  commit: string;
}

async function snapshotFiles(folder: string): Promise<string[]> {
  const entries = await readdir(folder, { recursive: true }).catch(() => [] as string[]);
  const files: string[] = [];
  for (const entry of entries) {
    // stat follows the snapshot's symlink: a pointer whose blob is gone does not count.
    const info = await stat(join(folder, entry)).catch(() => undefined);
    if (info?.isFile()) files.push(entry.split(sep).join('/'));
  }
  return files;
}

/** The shards a model.safetensors.index.json names (they must all be present). */
async function indexedShards(folder: string): Promise<string[]> {
  const text = await readFile(join(folder, 'model.safetensors.index.json'), 'utf8').catch(() => undefined);
  if (text === undefined) return [];
  try {
    const weightMap = (JSON.parse(text) as { weight_map?: Record<string, string> }).weight_map ?? {};
    return [...new Set(Object.values(weightMap))];
  } catch {
    return [];
  }
}

/** The cached model for this reference, or why the cache cannot serve it. */
export async function findCachedModel(cache: RepoCacheFolder, reference: ModelReference): Promise<CachedModel | NoModelFiles> {
  const commit = await cache.commitFor(reference.revision);
  if (commit === undefined) return { problem: `revision "${reference.revision}" of ${reference.repo} is not in the cache ${cache.cacheDir}`, fix: '' };
  const folder = cache.snapshotFolder(commit);
  const files = await snapshotFiles(folder);
  const choice = chooseModelFiles(files, reference.quantization);
  if (isNoModelFiles(choice)) return files.length === 0 ? { problem: `the cached snapshot ${folder} is empty`, fix: '' } : choice;
  if (choice.kind === 'gguf') return { path: join(folder, choice.file), commit };
  const present = new Set(files);
  const missing = [...choice.required, ...(await indexedShards(folder))].filter((file) => !present.has(file));
  if (missing.length > 0) return { problem: `the cached snapshot ${folder} lacks ${missing.join(', ')}`, fix: '' };
  return { path: folder, commit };
}

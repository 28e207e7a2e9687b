// A model reference → a local path loadModel can read: an existing path as it is; a Hugging Face
// id from the hub cache (no network); else downloaded into that cache. Offline (HF_HUB_OFFLINE=1)
// stops after the cache.
import { stat } from 'node:fs/promises';
import { RepoCacheFolder } from './cache-layout.js';
import { findCachedModel } from './cached-model.js';
import { type DownloadOptions, downloadModel } from './download-model.js';
import { HubOfflineNotCachedError } from './hub-errors.js';
import { type HubOptions, hubSettings } from './hub-settings.js';
import { looksLikeHubReference, parseModelReference } from './model-reference.js';

export interface ResolveModelOptions extends HubOptions, DownloadOptions {
  signal?: AbortSignal;
}

export interface ResolvedModel {
  /** A model folder or a .gguf file. */
  path: string;
  /** Where it came from: the path as given, the hub cache, or a download into the cache just now. */
  source: 'path' | 'cache' | 'download';
  /** For hub references: `org/name`, the revision asked for and the commit it resolved to. */
  repo?: string;
  revision?: string;
  commit?: string;
}

async function isPath(reference: string): Promise<boolean> {
  return stat(reference).then(
    () => true,
    () => false,
  );
}

/** True when `reference` is not an existing path but has the shape of `org/name[@revision][:QUANT]`. */
export async function isHubReference(reference: string): Promise<boolean> {
  return !(await isPath(reference)) && looksLikeHubReference(reference);
}

/**
 * Resolves a path or a Hugging Face id (`org/name`, `org/name@revision`, `org/name:Q4_K_M`) to a
 * local model folder or .gguf file. Anything that is neither an existing path nor shaped like an
 * id is returned unchanged, for the loader to report as missing.
 */
export async function resolveModelReference(reference: string, options: ResolveModelOptions = {}): Promise<ResolvedModel> {
  if (!(await isHubReference(reference))) return { path: reference, source: 'path' };
  const parsed = parseModelReference(reference);
  const settings = hubSettings(options);
  const cache = new RepoCacheFolder(settings.cacheDir, parsed.repo);
  const cached = await findCachedModel(cache, parsed);
  const found = { repo: parsed.repo, revision: parsed.revision };
  if (!('problem' in cached)) return { ...found, path: cached.path, source: 'cache', commit: cached.commit };
  if (settings.offline) {
    throw new HubOfflineNotCachedError(
      reference,
      `offline mode is on (HF_HUB_OFFLINE) and ${cached.problem}`,
      `Download it once with the network on (unset HF_HUB_OFFLINE, or run \`hf download ${parsed.repo}${parsed.revision === 'main' ? '' : ` --revision ${parsed.revision}`}\`), or point HF_HUB_CACHE at the cache that holds it`,
    );
  }
  options.signal?.throwIfAborted();
  const downloaded = await downloadModel({ settings, reference, repo: parsed.repo, ...(options.signal ? { signal: options.signal } : {}) }, parsed, options);
  return { ...found, path: downloaded.path, source: 'download', commit: downloaded.commit };
}

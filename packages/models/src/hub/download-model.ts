// Fetches the files a model needs from the hub into the cache, several at a time, then records
// the revision → commit ref (last, so that a cut download never looks complete to anyone).
import { RepoCacheFolder } from './cache-layout.js';
import { findCachedModel } from './cached-model.js';
import { downloadRepoFile } from './download-file.js';
import { type HubContext, listRepoFiles, resolveCommit } from './hub-client.js';
import { HubNoUsableFilesError } from './hub-errors.js';
import { chooseModelFiles, isNoModelFiles } from './model-files.js';
import type { ModelReference } from './model-reference.js';

export interface HubDownloadProgress {
  /** `org/name` */
  repo: string;
  /** The file whose bytes just arrived. */
  file: string;
  /** Bytes on disk across all the files of this model, and their total. */
  doneBytes: number;
  totalBytes: number;
  filesDone: number;
  filesTotal: number;
}

export interface DownloadOptions {
  /** Files downloaded at once. Default 4. */
  concurrency?: number;
  /** Retries per file after a failed or cut transfer, each resuming. Default 3. */
  retries?: number;
  onProgress?: (progress: HubDownloadProgress) => void;
}

export interface DownloadedModel {
  path: string;
  commit: string;
}

async function inPool<T>(items: readonly T[], concurrency: number, work: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < items.length) await work(items[next++]!);
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(concurrency, items.length)) }, worker));
}

export async function downloadModel(context: HubContext, reference: ModelReference, options: DownloadOptions = {}): Promise<DownloadedModel> {
  const commit = await resolveCommit(context, reference.revision);
  const listing = await listRepoFiles(context, commit);
  const choice = chooseModelFiles([...listing.keys()], reference.quantization);
  if (isNoModelFiles(choice)) throw new HubNoUsableFilesError(context.reference, `${context.repo}: ${choice.problem}`, choice.fix);
  const cache = new RepoCacheFolder(context.settings.cacheDir, context.repo);
  const progress = {
    repo: context.repo,
    file: '',
    doneBytes: 0,
    totalBytes: choice.files.reduce((sum, file) => sum + (listing.get(file)?.size ?? 0), 0),
    filesDone: 0,
    filesTotal: choice.files.length,
  };
  await inPool(choice.files, options.concurrency ?? 4, async (file) => {
    await downloadRepoFile(context, {
      cache,
      commit,
      path: file,
      listed: listing.get(file)!,
      retries: options.retries ?? 3,
      onBytes: (bytes) => {
        progress.doneBytes += bytes;
        options.onProgress?.({ ...progress, file });
      },
    });
    progress.filesDone += 1;
    options.onProgress?.({ ...progress, file });
  });
  await cache.writeRef(reference.revision, commit);
  const cached = await findCachedModel(cache, { ...reference, revision: commit });
  if ('problem' in cached)
    throw new HubNoUsableFilesError(
      context.reference,
      `after the download, ${cached.problem}`,
      "The repository's index names weight files it does not hold; report it to its owner",
    );
  return cached;
}

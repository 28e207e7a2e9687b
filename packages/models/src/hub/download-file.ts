// One file from the hub into blobs/<etag>, through <etag>.incomplete as huggingface_hub does: a
// cut download keeps its bytes and the next attempt (ours or Python's) asks only for the rest
// with a Range request. The snapshot symlink appears only once the blob is whole. (huggingface_hub
// 2.x itself writes a per-process temporary file instead and ignores ours, so the two never mix.)
import { mkdir, open, rename, stat, truncate } from 'node:fs/promises';
import { dirname } from 'node:path';
import type { ReadableStream as WebReadableStream } from 'node:stream/web';
import type { FileDownloadInfoOutput } from '@huggingface/hub';
import { hubLibrary } from './hub-library.js';
import { isSafeEtag, normalizeEtag, type RepoCacheFolder } from './cache-layout.js';
import { clientParams, type HubContext, hubFailure, type RepoFile } from './hub-client.js';
import { HubDownloadError } from './hub-errors.js';

export interface FileDownload {
  cache: RepoCacheFolder;
  commit: string;
  path: string;
  /** What the repository listing says of the file. */
  listed: RepoFile;
  /** Retries after a failed or cut transfer, each resuming where the last stopped. */
  retries: number;
  /** Called with the number of new bytes on disk (including bytes found from an earlier attempt). */
  onBytes: (bytes: number) => void;
}

const sizeOf = (path: string) =>
  stat(path).then(
    (info) => info.size,
    () => undefined,
  );

/** Downloads (or finds) one file and links it into the snapshot; returns the snapshot path. */
export async function downloadRepoFile(context: HubContext, download: FileDownload): Promise<string> {
  const { cache, commit, path } = download;
  const repo = { type: 'model' as const, name: context.repo };
  const params = clientParams(context);
  const listedEtag = download.listed.etag !== undefined && isSafeEtag(download.listed.etag) ? download.listed.etag : undefined;
  if (listedEtag !== undefined && (await sizeOf(cache.blobPath(listedEtag))) === download.listed.size) {
    download.onBytes(download.listed.size);
    return cache.linkSnapshotFile(commit, path, listedEtag);
  }
  let info: FileDownloadInfoOutput | null;
  try {
    const { fileDownloadInfo } = await hubLibrary();
    info = await fileDownloadInfo({ ...params, repo, path, revision: commit });
  } catch (error) {
    throw hubFailure(context, error);
  }
  if (info === null)
    throw new HubDownloadError(
      context.reference,
      `${path} is listed in ${context.repo} but the hub has no such file at ${commit}`,
      'Try again; if it persists the repository is inconsistent',
    );
  // The listing's name for the blob is the one huggingface_hub uses (the sha256 of a weight file);
  // the response's ETag only when the listing has none.
  const etag = listedEtag ?? normalizeEtag(info.etag);
  if (!isSafeEtag(etag))
    throw new HubDownloadError(
      context.reference,
      `the hub sent the ETag "${info.etag}" for ${path}, which cannot name a file`,
      'Check HF_ENDPOINT: it should point at a Hugging Face hub',
    );
  const blob = cache.blobPath(etag);
  if ((await sizeOf(blob)) === info.size) {
    download.onBytes(info.size);
    return cache.linkSnapshotFile(commit, path, etag);
  }
  // Two names for the same contents (or two models sharing a blob) must not append to one .incomplete.
  let job = blobsInFlight.get(blob);
  if (job !== undefined) {
    await job;
    download.onBytes(info.size);
  } else {
    job = fetchBlob(context, download, info, blob).finally(() => blobsInFlight.delete(blob));
    blobsInFlight.set(blob, job);
    await job;
  }
  return cache.linkSnapshotFile(commit, path, etag);
}

const blobsInFlight = new Map<string, Promise<void>>();

async function fetchBlob(context: HubContext, download: FileDownload, info: FileDownloadInfoOutput, blob: string): Promise<void> {
  const { commit, path } = download;
  const repo = { type: 'model' as const, name: context.repo };
  const params = clientParams(context);
  const incomplete = `${blob}.incomplete`;
  await mkdir(dirname(blob), { recursive: true });
  for (let attempt = 0; ; attempt++) {
    context.signal?.throwIfAborted();
    let offset = (await sizeOf(incomplete)) ?? 0;
    if (offset > info.size) {
      await truncate(incomplete, 0);
      offset = 0;
    }
    if (attempt === 0 && offset > 0) download.onBytes(offset);
    try {
      if (offset < info.size) {
        const { downloadFile } = await hubLibrary();
        const remote = await downloadFile({ ...params, repo, path, revision: commit, downloadInfo: info });
        if (remote === null) throw new Error(`the hub has no ${path} at ${commit}`);
        const body = (offset > 0 ? remote.slice(offset) : remote).stream() as unknown as WebReadableStream<Uint8Array>;
        // Each chunk is on disk before the next is read, so a cut keeps every byte that was read.
        const handle = await open(incomplete, 'a');
        try {
          for await (const chunk of body) {
            await handle.write(chunk);
            download.onBytes(chunk.length);
          }
        } finally {
          await handle.close();
        }
      }
      const size = await sizeOf(incomplete);
      if (size !== info.size) throw new Error(`${path} arrived with ${size} of ${info.size} bytes`);
      await rename(incomplete, blob);
      return;
    } catch (error) {
      if (context.signal?.aborted || attempt >= download.retries) {
        const failure = hubFailure(context, error);
        throw HubDownloadError.isInstance(failure)
          ? new HubDownloadError(
              context.reference,
              `downloading ${path} failed (${(await sizeOf(incomplete)) ?? 0} of ${info.size} bytes kept in ${incomplete}): ${failure.problem}`,
              'Run the same command again to resume the download',
              error,
            )
          : failure;
      }
      await new Promise((resolve) => setTimeout(resolve, 250 * (attempt + 1)));
    }
  }
}

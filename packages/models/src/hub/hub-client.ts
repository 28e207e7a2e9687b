// The calls to the hub, through @huggingface/hub, with its failures turned into our typed errors.
// The token rides on a fetch wrapper (so any token format works, and the abort signal reaches
// every request the client makes, including the Range requests of a resumed download).
import type { HubApiError, ListFileEntry } from '@huggingface/hub';
import { hubLibrary, hubLibraryIfLoaded } from './hub-library.js';
import { isSafeRepoPath } from './cache-layout.js';
import { HubDownloadError, HubGatedRepositoryError, HubRepositoryNotFoundError } from './hub-errors.js';
import type { HubSettings } from './hub-settings.js';

export interface HubContext {
  settings: HubSettings;
  /** The reference as written, for error messages. */
  reference: string;
  repo: string;
  signal?: AbortSignal;
}

/** What the client functions take besides their own arguments. */
export function clientParams(context: HubContext): { hubUrl: string; fetch: typeof fetch } {
  const { token } = context.settings;
  const signal = context.signal;
  const wrapped: typeof fetch = (input, init = {}) => {
    const headers = new Headers(init.headers);
    if (token && !headers.has('authorization')) headers.set('authorization', `Bearer ${token}`);
    return fetch(input, { ...init, headers, ...(signal ? { signal } : {}) });
  };
  return { hubUrl: context.settings.endpoint, fetch: wrapped };
}

function hubMessage(error: HubApiError): string {
  const data = error.data as { error?: unknown; message?: unknown } | undefined;
  const text = typeof data?.error === 'string' ? data.error : typeof data?.message === 'string' ? data.message : '';
  return text || error.message;
}

/** Our typed error for a failed hub call. */
export function hubFailure(context: HubContext, error: unknown): Error {
  const { reference, repo, settings } = context;
  if (context.signal?.aborted) return context.signal.reason instanceof Error ? context.signal.reason : new Error('aborted');
  const page = `${settings.endpoint}/${repo}`;
  const library = hubLibraryIfLoaded();
  if (library !== undefined && error instanceof library.HubApiError) {
    const message = hubMessage(error);
    const gated = /gated|restricted|authorized list|access to (this )?model/i.test(message);
    if (error.statusCode === 404) {
      const revision = /\brev(ision)?\b/i.test(message);
      return new HubRepositoryNotFoundError(
        reference,
        revision ? `${settings.endpoint} has no such revision of ${repo} (${message})` : `${settings.endpoint} has no repository ${repo} (${message})`,
        revision
          ? `Check the revision after "@" (a branch, tag or commit of ${page})`
          : `Check the spelling of the id on ${settings.endpoint}; if the repository is private, set HF_TOKEN to a token that can read it`,
        error,
      );
    }
    if (error.statusCode === 401 || error.statusCode === 403) {
      if (gated || settings.token) {
        return new HubGatedRepositoryError(
          reference,
          settings.token
            ? `the hub refused the token in HF_TOKEN for ${repo} (${error.statusCode}: ${message})`
            : `${repo} is gated and no token was sent (${message})`,
          settings.token
            ? `Accept the conditions on ${page} with the account of that token, or set HF_TOKEN to a token of an account that has access`
            : `Accept the conditions on ${page}, create a read token at ${settings.endpoint}/settings/tokens and set HF_TOKEN to it`,
          error,
        );
      }
      return new HubRepositoryNotFoundError(
        reference,
        `${settings.endpoint} answered ${error.statusCode} for ${repo} (${message}): it does not exist, or it is private or gated`,
        `Check the spelling of the id; for a private or gated repository set HF_TOKEN to a token that can read it`,
        error,
      );
    }
    return new HubDownloadError(
      reference,
      `${settings.endpoint} answered ${error.statusCode} (${message})`,
      'Try again later; files already downloaded are kept and a new attempt resumes',
      error,
    );
  }
  const detail = error instanceof Error ? `${error.message}${error.cause instanceof Error ? ` (${error.cause.message})` : ''}` : String(error);
  return new HubDownloadError(
    reference,
    `the request to ${settings.endpoint} failed: ${detail}`,
    'Check the network connection (or HF_ENDPOINT), then try again: completed files are kept and a cut file resumes. With the model already cached, set HF_HUB_OFFLINE=1',
    error,
  );
}

/** The commit a revision points at now. */
export async function resolveCommit(context: HubContext, revision: string): Promise<string> {
  try {
    const { modelInfo } = await hubLibrary();
    const info = await modelInfo({ ...clientParams(context), name: context.repo, revision, additionalFields: ['sha'] });
    if (typeof info.sha !== 'string') throw new Error(`the hub's answer for ${context.repo} has no commit (sha)`);
    return info.sha;
  } catch (error) {
    throw hubFailure(context, error);
  }
}

export interface RepoFile {
  size: number;
  /** The name huggingface_hub gives its blob: the sha256 of an LFS (or Xet) file, else its git blob id. */
  etag?: string;
}

/** Every file of the repository at `commit`, with its size and blob name. */
export async function listRepoFiles(context: HubContext, commit: string): Promise<Map<string, RepoFile>> {
  const files = new Map<string, RepoFile>();
  try {
    const { listFiles } = await hubLibrary();
    for await (const entry of listFiles({
      ...clientParams(context),
      repo: { type: 'model', name: context.repo },
      revision: commit,
      recursive: true,
    }) as AsyncIterable<ListFileEntry>) {
      // A name that could leave the snapshot folder (`..`, absolute) is never a model file.
      if (entry.type !== 'file' || !isSafeRepoPath(entry.path)) continue;
      const etag = entry.lfs?.oid ?? entry.oid;
      files.set(entry.path, { size: entry.lfs?.size ?? entry.size, ...(etag ? { etag } : {}) });
    }
  } catch (error) {
    throw hubFailure(context, error);
  }
  return files;
}

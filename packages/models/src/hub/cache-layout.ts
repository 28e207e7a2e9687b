// The on-disk layout of Python's huggingface_hub cache, for one model repository:
//   <cache>/models--org--name/blobs/<etag>                 the file contents, named by ETag
//   <cache>/models--org--name/snapshots/<commit>/<path>    relative symlinks into blobs/
//   <cache>/models--org--name/refs/<revision>              the commit a branch or tag points at
// Writing exactly this lets mlx-lm, transformers and huggingface-cli share our downloads, and us theirs.
import { lstat, mkdir, readFile, readlink, rename, rm, stat, symlink, writeFile } from 'node:fs/promises';
import { dirname, join, relative, resolve, sep } from 'node:path';

export const commitHashPattern = /^[0-9a-f]{40}$/;
// ETags are git blob ids, sha256 digests or xet hashes: hex in practice; never a path.
const etagPattern = /^[\w-]{1,256}$/;

export function isSafeEtag(etag: string): boolean {
  return etagPattern.test(etag);
}

/** A repository path from a listing (e.g. `model-00001-of-00002.safetensors`), checked to stay inside its folder. */
export function isSafeRepoPath(path: string): boolean {
  if (path.length === 0 || path.startsWith('/') || path.includes('\\') || path.includes('\0')) return false;
  return path.split('/').every((segment) => segment.length > 0 && segment !== '.' && segment !== '..');
}

/** huggingface_hub strips a weak-validator prefix and the quotes: `W/"abc"` → `abc`. */
export function normalizeEtag(etag: string): string {
  return etag.replace(/^W\//, '').replace(/^"|"$/g, '');
}

async function exists(path: string): Promise<boolean> {
  return stat(path).then(
    () => true,
    () => false,
  );
}

export class RepoCacheFolder {
  /** `<cache>/models--org--name` */
  readonly folder: string;

  constructor(
    readonly cacheDir: string,
    readonly repo: string,
  ) {
    this.folder = join(cacheDir, `models--${repo.split('/').join('--')}`);
  }

  private inside(path: string): string {
    const full = resolve(path);
    if (!full.startsWith(resolve(this.folder) + sep)) throw new Error(`${path} is outside ${this.folder}`);
    return full;
  }

  blobPath(etag: string): string {
    if (!etagPattern.test(etag)) throw new Error(`unusable ETag "${etag}"`);
    return this.inside(join(this.folder, 'blobs', etag));
  }

  snapshotFolder(commit: string): string {
    if (!commitHashPattern.test(commit)) throw new Error(`"${commit}" is not a commit hash`);
    return this.inside(join(this.folder, 'snapshots', commit));
  }

  snapshotFile(commit: string, path: string): string {
    if (!isSafeRepoPath(path)) throw new Error(`unsafe file name "${path}"`);
    return this.inside(join(this.snapshotFolder(commit), ...path.split('/')));
  }

  private refPath(revision: string): string {
    return this.inside(join(this.folder, 'refs', ...revision.split('/')));
  }

  /** The commit a revision stands for, from the cache alone: a commit hash is itself, a branch or tag is read from refs/. */
  async commitFor(revision: string): Promise<string | undefined> {
    if (commitHashPattern.test(revision)) return revision;
    const commit = await readFile(this.refPath(revision), 'utf8').then(
      (text) => text.trim(),
      () => undefined,
    );
    return commit !== undefined && commitHashPattern.test(commit) ? commit : undefined;
  }

  /** Records that `revision` points at `commit` (no trailing newline, as huggingface_hub writes it; replaced atomically). */
  async writeRef(revision: string, commit: string): Promise<void> {
    if (revision === commit) return;
    const path = this.refPath(revision);
    await mkdir(dirname(path), { recursive: true });
    const temporary = `${path}.${process.pid}.tmp`;
    await writeFile(temporary, commit);
    await rename(temporary, path);
  }

  async hasBlob(etag: string): Promise<boolean> {
    return exists(this.blobPath(etag));
  }

  /** True when the snapshot has `path` and the blob behind it is there. */
  async hasSnapshotFile(commit: string, path: string): Promise<boolean> {
    return exists(this.snapshotFile(commit, path));
  }

  /** Points snapshots/<commit>/<path> at blobs/<etag> with a relative symlink, as huggingface_hub does. */
  async linkSnapshotFile(commit: string, path: string, etag: string): Promise<string> {
    const pointer = this.snapshotFile(commit, path);
    const target = relative(dirname(pointer), this.blobPath(etag));
    await mkdir(dirname(pointer), { recursive: true });
    const current = await readlink(pointer).catch(() => undefined);
    if (current === target) return pointer;
    if (current !== undefined || (await lstat(pointer).catch(() => undefined))) await rm(pointer, { force: true });
    await symlink(target, pointer);
    return pointer;
  }
}

// A small stand-in for the Hugging Face hub on 127.0.0.1, speaking the endpoints that
// @huggingface/hub and Python's huggingface_hub call to download a model:
//   GET  /api/models/{org}/{name}/revision/{rev}      repository info (its `sha` is the commit)
//   GET  /api/models/{org}/{name}/tree/{rev}[/{path}]  the file listing (oid, size, lfs)
//   HEAD|GET /{org}/{name}/resolve/{rev}/{path}        the file, with ETag / X-Linked-Etag,
//                                                      X-Repo-Commit, X-Linked-Size and Range
// with the hub's error answers (404 + X-Error-Code RepoNotFound / RevisionNotFound /
// EntryNotFound, 401/403 + GatedRepo). It can drop the connection once in the middle of a file,
// and it logs every request so tests can tell what went over the wire.
import { createHash } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface HubRepoFixture {
  /** `org/name` */
  id: string;
  /** Repository path → contents. */
  files: Record<string, Uint8Array | string>;
  /** Needs `Authorization: Bearer <token>` with the server's token. */
  gated?: boolean;
  /** Branch or tag names besides `main` that point at the same commit. */
  branches?: string[];
}

export interface HubRequest {
  method: string;
  path: string;
  range?: string;
  authorization?: string;
}

interface HostedFile {
  bytes: Buffer;
  gitOid: string;
  /** Set for files the hub keeps in LFS (weights): their sha256, which is also their ETag. */
  lfsSha256?: string;
}

interface HostedRepo {
  fixture: HubRepoFixture;
  commit: string;
  files: Map<string, HostedFile>;
}

const lfsPattern = /\.(safetensors|gguf|bin|pth|onnx)$/;

function gitBlobOid(bytes: Buffer): string {
  return createHash('sha1').update(`blob ${bytes.length}\0`).update(bytes).digest('hex');
}

function host(fixture: HubRepoFixture): HostedRepo {
  const files = new Map<string, HostedFile>();
  for (const [path, contents] of Object.entries(fixture.files)) {
    const bytes = Buffer.from(contents);
    const lfsSha256 = lfsPattern.test(path) ? createHash('sha256').update(bytes).digest('hex') : undefined;
    // For LFS files git stores the pointer, so the listing's oid is the pointer's blob id.
    const pointer = lfsSha256 ? Buffer.from(`version https://git-lfs.github.com/spec/v1\noid sha256:${lfsSha256}\nsize ${bytes.length}\n`) : bytes;
    files.set(path, { bytes, gitOid: gitBlobOid(pointer), ...(lfsSha256 ? { lfsSha256 } : {}) });
  }
  const commit = createHash('sha1')
    .update(fixture.id)
    .update([...files.values()].map((file) => file.gitOid).join())
    .digest('hex');
  return { fixture, commit, files };
}

export class HubServer {
  readonly token = 'hf_testtokenforthegatedrepository';
  readonly requests: HubRequest[] = [];
  private readonly repos = new Map<string, HostedRepo>();
  private readonly server = createServer((request, response) => this.answer(request, response));
  private cut: { repo: string; path: string; afterBytes: number } | undefined;
  url = '';

  constructor(fixtures: HubRepoFixture[]) {
    for (const fixture of fixtures) this.repos.set(fixture.id, host(fixture));
  }

  async start(): Promise<this> {
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
    return this;
  }

  async close(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  /** The commit `main` points at. */
  commitOf(repo: string): string {
    return this.repos.get(repo)!.commit;
  }

  /** The blob name huggingface_hub gives the file: its sha256 for LFS files, else its git oid. */
  etagOf(repo: string, path: string): string {
    const file = this.repos.get(repo)!.files.get(path)!;
    return file.lfsSha256 ?? file.gitOid;
  }

  /** The next full or ranged GET of this file sends `afterBytes` bytes, then drops the connection. */
  cutOnce(repo: string, path: string, afterBytes: number): void {
    this.cut = { repo, path, afterBytes };
  }

  /** Downloads of a file's contents (not the 1-byte probes) seen so far, with their Range headers. */
  contentRequests(path: string): HubRequest[] {
    return this.requests.filter(
      (request) => request.method === 'GET' && request.path.includes('/resolve/') && request.path.endsWith(`/${path}`) && request.range !== 'bytes=0-0',
    );
  }

  resetLog(): void {
    this.requests.length = 0;
  }

  private error(response: ServerResponse, status: number, code: string, message: string): void {
    response.writeHead(status, { 'content-type': 'application/json', 'x-error-code': code, 'x-error-message': message });
    response.end(JSON.stringify({ error: message }));
  }

  private authorized(request: IncomingMessage, response: ServerResponse, repo: HostedRepo): boolean {
    if (!repo.fixture.gated) return true;
    const authorization = request.headers.authorization;
    if (authorization === undefined) {
      this.error(
        response,
        401,
        'GatedRepo',
        `Access to model ${repo.fixture.id} is restricted. You must have access to it and be authenticated to access it. Please log in.`,
      );
      return false;
    }
    if (authorization !== `Bearer ${this.token}`) {
      this.error(
        response,
        403,
        'GatedRepo',
        `Access to model ${repo.fixture.id} is restricted and you are not in the authorized list. Visit ${this.url}/${repo.fixture.id} to ask for access.`,
      );
      return false;
    }
    return true;
  }

  private commitFor(repo: HostedRepo, revision: string): string | undefined {
    const names = ['main', 'HEAD', ...(repo.fixture.branches ?? [])];
    return names.includes(revision) || revision === repo.commit ? repo.commit : undefined;
  }

  private answer(request: IncomingMessage, response: ServerResponse): void {
    const url = new URL(request.url ?? '/', 'http://hub');
    const path = decodeURIComponent(url.pathname);
    this.requests.push({
      method: request.method ?? 'GET',
      path,
      ...(request.headers.range ? { range: request.headers.range } : {}),
      ...(request.headers.authorization ? { authorization: request.headers.authorization } : {}),
    });
    const api = /^\/api\/models\/([^/]+\/[^/]+)\/(revision|tree)\/([^/]+)(?:\/(.*))?$/.exec(path);
    const resolve = /^\/([^/]+\/[^/]+)\/resolve\/([^/]+)\/(.+)$/.exec(path);
    const repoId = api?.[1] ?? resolve?.[1];
    const repo = repoId === undefined ? undefined : this.repos.get(repoId);
    if (repoId === undefined) {
      this.error(response, 404, 'NotFound', "Sorry, we can't find the page you are looking for.");
      return;
    }
    if (repo === undefined) {
      this.error(response, 404, 'RepoNotFound', 'Repository not found');
      return;
    }
    if (!this.authorized(request, response, repo)) return;
    const revision = (api?.[3] ?? resolve?.[2])!;
    const commit = this.commitFor(repo, revision);
    if (commit === undefined) {
      this.error(response, 404, 'RevisionNotFound', `Invalid rev id: ${revision}`);
      return;
    }
    if (api?.[2] === 'revision') {
      this.repoInfo(response, repo);
      return;
    }
    if (api?.[2] === 'tree') {
      this.tree(response, repo, api[4]);
      return;
    }
    this.file(request, response, repo, resolve![3]!);
  }

  private repoInfo(response: ServerResponse, repo: HostedRepo): void {
    response.writeHead(200, { 'content-type': 'application/json' });
    response.end(
      JSON.stringify({
        _id: createHash('sha1').update(repo.fixture.id).digest('hex').slice(0, 24),
        id: repo.fixture.id,
        modelId: repo.fixture.id,
        author: repo.fixture.id.split('/')[0],
        sha: repo.commit,
        private: false,
        gated: repo.fixture.gated ? 'manual' : false,
        disabled: false,
        downloads: 0,
        likes: 0,
        tags: [],
        lastModified: '2026-01-01T00:00:00.000Z',
        createdAt: '2026-01-01T00:00:00.000Z',
        siblings: [...repo.files.keys()].map((rfilename) => ({ rfilename })),
      }),
    );
  }

  private tree(response: ServerResponse, repo: HostedRepo, under: string | undefined): void {
    const entries = [...repo.files.entries()]
      .filter(([path]) => under === undefined || path.startsWith(`${under}/`))
      .map(([path, file]) => ({
        type: 'file',
        oid: file.gitOid,
        size: file.lfsSha256 ? 134 : file.bytes.length,
        path,
        ...(file.lfsSha256 ? { lfs: { oid: file.lfsSha256, size: file.bytes.length, pointerSize: 134 } } : {}),
      }));
    response.writeHead(200, { 'content-type': 'application/json' });
    response.end(JSON.stringify(entries));
  }

  private file(request: IncomingMessage, response: ServerResponse, repo: HostedRepo, path: string): void {
    const file = repo.files.get(path);
    if (file === undefined) {
      this.error(response, 404, 'EntryNotFound', `Entry not found`);
      return;
    }
    const size = file.bytes.length;
    const etag = `"${file.lfsSha256 ?? file.gitOid}"`;
    const headers: Record<string, string | number> = {
      'content-type': 'application/octet-stream',
      'accept-ranges': 'bytes',
      etag,
      'x-repo-commit': repo.commit,
      ...(file.lfsSha256 ? { 'x-linked-etag': etag, 'x-linked-size': size } : {}),
    };
    let start = 0;
    let end = size - 1;
    const range = /^bytes=(\d+)-(\d*)$/.exec(request.headers.range ?? '');
    if (range) {
      start = Number(range[1]);
      end = range[2] ? Math.min(Number(range[2]), size - 1) : size - 1;
      if (start >= size) {
        response.writeHead(416, { 'content-range': `bytes */${size}` });
        return void response.end();
      }
      headers['content-range'] = `bytes ${start}-${end}/${size}`;
    }
    headers['content-length'] = end - start + 1;
    response.writeHead(range ? 206 : 200, headers);
    if (request.method === 'HEAD') return void response.end();
    const body = file.bytes.subarray(start, end + 1);
    const cut = this.cut;
    if (cut && cut.repo === repo.fixture.id && cut.path === path && body.length > 1) {
      this.cut = undefined;
      // A graceful close after part of the body: the client gets exactly afterBytes, then EOF short of Content-Length.
      response.write(body.subarray(0, cut.afterBytes), () => response.socket?.end());
      return;
    }
    response.end(body);
  }
}

/** Starts a hub serving these repositories; `close()` it when done. */
export function startHubServer(fixtures: HubRepoFixture[]): Promise<HubServer> {
  return new HubServer(fixtures).start();
}

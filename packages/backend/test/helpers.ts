import { existsSync, mkdtempSync, readFileSync, symlinkSync, writeFileSync, copyFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const repoRoot = resolve(here, '../../..');

/** The path of a test model, or a failure that says how to get it (tests never skip). */
export function requireModelData(name: string): string {
  const path = join(process.env.MLX_TS_DATA ?? join(repoRoot, '.cache'), 'models', name);
  if (!existsSync(path)) {
    throw new Error(
      `test data ${path} is missing: run \`bash tools/setup-test-data.sh\` from the repository root (or point MLX_TS_DATA at a folder holding models/)`,
    );
  }
  return path;
}

export function readJson<T>(path: string): T {
  return JSON.parse(readFileSync(path, 'utf8')) as T;
}

export const modelsFixtures = resolve(repoRoot, 'packages/models/test/fixtures');

/**
 * A model folder for the tiny random Gemma 3 with the small test tokenizer, and a context long
 * enough for the long-generation tests (RoPE has no hard limit; the config's is only a default).
 */
export function tinyModelFolder(): string {
  const source = requireModelData('tiny-gemma3');
  const folder = mkdtempSync(join(tmpdir(), 'mlx-ts-tiny-'));
  symlinkSync(join(source, 'model.safetensors'), join(folder, 'model.safetensors'));
  const config = readJson<Record<string, unknown>>(join(source, 'config.json'));
  writeFileSync(join(folder, 'config.json'), JSON.stringify({ ...config, max_position_embeddings: 8192 }));
  for (const file of ['tokenizer.json', 'tokenizer_config.json']) copyFileSync(join(here, 'fixtures/tiny-tokenizer', file), join(folder, file));
  return folder;
}

import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '../../../..');

/** Where test models live: $MLX_TS_DATA/models, by default <repo>/.cache/models. */
export function modelDataPath(name: string): string {
  return join(process.env.MLX_TS_DATA ?? join(repoRoot, '.cache'), 'models', name);
}

/** The path of a test model, or a failure that says how to get it (tests never skip). */
export function requireModelData(name: string): string {
  const path = modelDataPath(name);
  if (!existsSync(path)) {
    throw new Error(
      `test data ${path} is missing: run \`bash tools/setup-test-data.sh\` from the repository root (or point MLX_TS_DATA at a folder holding models/)`,
    );
  }
  return path;
}

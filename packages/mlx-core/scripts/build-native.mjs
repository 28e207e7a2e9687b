// Builds the native addon with cmake-js against the MLX found by resolve-mlx.mjs.
import { execFileSync } from 'node:child_process';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { cudaCmakeDefinitions } from './cuda-config.mjs';
import { resolveMlx } from './resolve-mlx.mjs';

const here = dirname(dirname(fileURLToPath(import.meta.url)));
const require = createRequire(import.meta.url);
let mlx;
try {
  mlx = resolveMlx();
} catch (error) {
  console.error(`[mlx-ts] ${error.message}`);
  process.exit(1);
}
console.error(`[mlx-ts] building the native addon against ${mlx.source} (${mlx.cmakeDir})`);
const cmakeJs = join(dirname(require.resolve('cmake-js/package.json')), 'bin', 'cmake-js');
const args = [cmakeJs, 'build', '--out', 'build', `--CDMLX_DIR=${mlx.cmakeDir}`, '--CDCMAKE_BUILD_TYPE=Release'];
if (mlx.backend === 'cuda') {
  try {
    for (const [key, value] of Object.entries(cudaCmakeDefinitions())) args.push(`--CD${key}=${value}`);
  } catch (error) {
    console.error(`[mlx-ts] ${error.message}`);
    process.exit(1);
  }
}
if (process.env.CMAKE_GENERATOR !== undefined || hasNinja()) args.push('--generator', process.env.CMAKE_GENERATOR ?? 'Ninja');
execFileSync(process.execPath, args, { cwd: here, stdio: 'inherit' });

function hasNinja() {
  try {
    execFileSync('ninja', ['--version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

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
// MLX_TS_SANITIZE=address,undefined instruments our own sources (libmlx is prebuilt) and builds
// into build-sanitize/, so the normal build in build/ stays; tests load it through MLX_TS_ADDON.
const sanitize = sanitizers(process.env.MLX_TS_SANITIZE);
const out = sanitize === undefined ? 'build' : 'build-sanitize';
const args = [cmakeJs, 'build', '--out', out, `--CDMLX_DIR=${mlx.cmakeDir}`, '--CDCMAKE_BUILD_TYPE=Release'];
if (sanitize !== undefined) {
  args.push(`--CDMLX_TS_SANITIZE=${sanitize}`);
  console.error(`[mlx-ts] sanitizers: ${sanitize}; the addon goes to ${join(here, out, 'Release', 'mlx_ts.node')}`);
}
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

function sanitizers(value) {
  if (value === undefined || value === '') return undefined;
  const known = ['address', 'undefined'];
  const names = value.split(',').map((name) => name.trim());
  const unknown = names.filter((name) => !known.includes(name));
  if (unknown.length > 0) {
    console.error(`[mlx-ts] MLX_TS_SANITIZE: unknown sanitizer ${unknown.join(', ')} (known: ${known.join(', ')})`);
    process.exit(1);
  }
  return names.join(',');
}

function hasNinja() {
  try {
    execFileSync('ninja', ['--version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

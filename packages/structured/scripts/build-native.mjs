// Builds the grammar engine's native addon (xgrammar's C++ and our Node-API binding) with
// cmake-js, against the pinned xgrammar sources that xgrammar-source.mjs fetches.
import { execFileSync } from 'node:child_process';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { XGRAMMAR_VERSION, xgrammarSource } from './xgrammar-source.mjs';

const here = dirname(dirname(fileURLToPath(import.meta.url)));
const require = createRequire(import.meta.url);
let source;
try {
  source = await xgrammarSource();
} catch (error) {
  console.error(`[mlx-ts] ${error.message}`);
  process.exit(1);
}
const cmakeJs = join(dirname(require.resolve('cmake-js/package.json')), 'bin', 'cmake-js');
const options = ['--out', 'build', `--CDXGRAMMAR_SOURCE_DIR=${source}`, `--CDXGRAMMAR_VERSION=${XGRAMMAR_VERSION}`, '--CDCMAKE_BUILD_TYPE=Release'];
if (process.env.CMAKE_GENERATOR !== undefined || hasNinja()) options.push('--generator', process.env.CMAKE_GENERATOR ?? 'Ninja');
// Configured every time (a few seconds): `build` alone keeps a build folder's first settings, and
// a new pinned version must reach CMake. Unchanged sources are not recompiled.
execFileSync(process.execPath, [cmakeJs, 'configure', ...options], { cwd: here, stdio: 'inherit' });
execFileSync(process.execPath, [cmakeJs, 'build', ...options], { cwd: here, stdio: 'inherit' });

function hasNinja() {
  try {
    execFileSync('ninja', ['--version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

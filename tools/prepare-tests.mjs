// What a package's tests need, so `pnpm --filter <package> test` works from a fresh clone: the
// package and the workspace packages it uses are built when their build output is missing (under
// `turbo run test` they already are), and the test data is in place (tools/setup-test-data.sh,
// cached: quick once done; `--no-data` for packages whose tests need none). Run from a package
// folder, as its `pretest` script.
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';

const root = resolve(import.meta.dirname, '..');
const readManifest = (folder) => JSON.parse(readFileSync(join(folder, 'package.json'), 'utf8'));
const folders = new Map(readdirSync(join(root, 'packages')).map((name) => [readManifest(join(root, 'packages', name)).name, join(root, 'packages', name)]));

const manifest = readManifest(process.cwd());
const used = [manifest.name, ...Object.keys({ ...manifest.dependencies, ...manifest.devDependencies })].filter((name) => folders.has(name));
// A package is built when its entry point exists (and, for the native addon, the addon).
const built = (name) => {
  const folder = folders.get(name);
  const entry = readManifest(folder).main;
  const addon = existsSync(join(folder, 'CMakeLists.txt')) ? [join(folder, 'build/Release/mlx_ts.node')] : [];
  return [...(entry === undefined ? [] : [join(folder, entry)]), ...addon].every((path) => existsSync(path));
};
const unbuilt = used.filter((name) => !built(name));
if (unbuilt.length > 0) {
  console.error(`[prepare-tests] building ${manifest.name} and what it uses (${unbuilt.join(', ')} not built yet)`);
  execFileSync('pnpm', ['exec', 'turbo', 'run', 'build', `--filter=${manifest.name}...`, '--output-logs=errors-only'], { cwd: root, stdio: 'inherit' });
}
if (!process.argv.includes('--no-data')) execFileSync('bash', [join(root, 'tools/setup-test-data.sh')], { stdio: 'inherit' });

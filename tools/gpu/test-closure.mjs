// Lists, relative to the repository root, what the GPU test run needs from node_modules: the
// pnpm store entries (node_modules/.pnpm/<id>) reachable from vitest and from the given packages'
// own links, following the links pnpm made between entries, plus the links that lead to them.
// Usage: node tools/gpu/test-closure.mjs <tested package folder>... [--deps-only <package folder>...]
// (prints one path a line). A tested package brings its devDependencies too, a --deps-only one its
// dependencies alone; what only builds the addons (cmake-js, the Node-API headers) is left out.
import { existsSync, lstatSync, readdirSync, readFileSync, readlinkSync, realpathSync } from 'node:fs';
import { join, relative, resolve, sep } from 'node:path';

const root = resolve(import.meta.dirname, '../..');
const store = join(root, 'node_modules/.pnpm');
const entries = new Set();
const links = new Set();

// The links of one node_modules folder (scoped names one level down).
function linksIn(folder) {
  if (!existsSync(folder)) return [];
  const out = [];
  for (const name of readdirSync(folder)) {
    if (name === '.pnpm' || name === '.bin') continue;
    const path = join(folder, name);
    if (name.startsWith('@') && !lstatSync(path).isSymbolicLink()) {
      for (const inner of readdirSync(path)) out.push(join(path, inner));
    } else out.push(path);
  }
  return out.filter((p) => lstatSync(p).isSymbolicLink());
}

function follow(link) {
  links.add(relative(root, link));
  let target;
  try {
    target = realpathSync(link);
  } catch {
    return; // a dangling optional dependency
  }
  if (!target.startsWith(store + sep)) return; // a workspace package: staged on its own
  const id = relative(store, target).split(sep)[0];
  if (entries.has(id)) return;
  entries.add(id);
  for (const inner of linksIn(join(store, id, 'node_modules'))) {
    if (!readlinkSync(inner).startsWith('/')) follow(inner);
  }
}

const buildOnly = new Set(['cmake-js', 'node-addon-api', 'node-api-headers']);
const args = process.argv.slice(2);
const split = args.indexOf('--deps-only');
const tested = split < 0 ? args : args.slice(0, split);
const depsOnly = split < 0 ? [] : args.slice(split + 1);
function seedsOf(folder, withDev) {
  const manifest = JSON.parse(readFileSync(join(folder, 'package.json'), 'utf8'));
  const names = Object.keys({ ...manifest.dependencies, ...(withDev ? manifest.devDependencies : {}) }).filter((n) => !buildOnly.has(n));
  return names.map((n) => join(folder, 'node_modules', n)).filter((p) => existsSync(p));
}
const seeds = [join(root, 'node_modules/vitest'), ...tested.flatMap((p) => seedsOf(resolve(p), true)), ...depsOnly.flatMap((p) => seedsOf(resolve(p), false))];
for (const seed of seeds) follow(seed);
for (const id of [...entries].sort()) console.log(`node_modules/.pnpm/${id}`);
for (const link of [...links].sort()) if (!link.startsWith('node_modules/.pnpm/')) console.log(link);

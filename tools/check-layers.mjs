// Fails when a package imports a workspace package that DESIGN §1's layering does not allow,
// or imports one it does not declare as a `workspace:^` dependency.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';

// @mlx-ts/spec (the error family and the Backend specification, no dependencies) is the bottom layer.
const allowed = {
  '@mlx-ts/spec': [],
  '@mlx-ts/core': ['@mlx-ts/spec'],
  '@mlx-ts/tokenizer': ['@mlx-ts/spec'],
  '@mlx-ts/cache': ['@mlx-ts/spec', '@mlx-ts/core'],
  '@mlx-ts/sample': ['@mlx-ts/spec', '@mlx-ts/core'],
  '@mlx-ts/structured': ['@mlx-ts/spec', '@mlx-ts/core'],
  '@mlx-ts/models': ['@mlx-ts/spec', '@mlx-ts/core', '@mlx-ts/cache', '@mlx-ts/tokenizer'],
  '@mlx-ts/backend': ['@mlx-ts/spec', '@mlx-ts/core', '@mlx-ts/cache', '@mlx-ts/sample', '@mlx-ts/models', '@mlx-ts/tokenizer', '@mlx-ts/structured'],
  '@mlx-ts/serve': [
    '@mlx-ts/spec',
    '@mlx-ts/backend',
    '@mlx-ts/structured',
    '@mlx-ts/core',
    '@mlx-ts/cache',
    '@mlx-ts/sample',
    '@mlx-ts/models',
    '@mlx-ts/tokenizer',
  ],
  '@mlx-ts/ai-sdk': ['@mlx-ts/spec', '@mlx-ts/backend'],
};
// serve may name the lower layers only for their types: `import type` is checked separately.
const typeOnly = { '@mlx-ts/serve': ['@mlx-ts/core', '@mlx-ts/cache', '@mlx-ts/sample', '@mlx-ts/models', '@mlx-ts/tokenizer'] };

const importPattern =
  /(?:^|\n)\s*(import|export)\s+(type\s+)?(?:[^'";]*?\sfrom\s+)?['"](@mlx-ts\/[a-z-]+)[^'"]*['"]|import\(\s*['"](@mlx-ts\/[a-z-]+)[^'"]*['"]\s*\)/g;

function* sourceFiles(dir) {
  for (const entry of readdirSync(dir)) {
    if (entry === 'node_modules' || entry === 'dist' || entry === 'build') continue;
    const path = join(dir, entry);
    if (statSync(path).isDirectory()) yield* sourceFiles(path);
    else if (/\.(m|c)?[tj]s$/.test(entry) && !entry.endsWith('.d.ts')) yield path;
  }
}

const problems = [];
for (const folder of readdirSync('packages')) {
  const root = join('packages', folder);
  const manifest = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
  const name = manifest.name;
  if (!(name in allowed)) {
    problems.push(`${root}: package ${name} is not in the layering table`);
    continue;
  }
  const declared = { ...manifest.dependencies, ...manifest.peerDependencies };
  for (const dep of Object.keys(declared)) {
    if (dep.startsWith('@mlx-ts/') && !allowed[name].includes(dep)) problems.push(`${name}: package.json depends on ${dep}, which its layer may not use`);
  }
  for (const sub of ['src', 'bin']) {
    let files;
    try {
      files = [...sourceFiles(join(root, sub))];
    } catch {
      continue;
    }
    for (const file of files) {
      const text = readFileSync(file, 'utf8');
      for (const m of text.matchAll(importPattern)) {
        const target = m[3] ?? m[4];
        const isType = Boolean(m[2]);
        if (target === name) continue;
        if (!allowed[name].includes(target)) problems.push(`${file}: imports ${target}, which ${name} may not use`);
        else if (typeOnly[name]?.includes(target) && !isType) problems.push(`${file}: ${name} may use ${target} for types only (import type)`);
        else if (!(target in declared) && !(manifest.devDependencies && target in manifest.devDependencies))
          problems.push(`${file}: imports ${target} without declaring it in package.json`);
      }
    }
  }
}
if (problems.length) {
  console.error(problems.join('\n'));
  console.error(`check-layers: ${problems.length} problem(s); see DESIGN §1 for the allowed edges`);
  process.exit(1);
}
console.log('check-layers: ok');

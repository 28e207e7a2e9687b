// `pnpm fuzz`: every fuzz target, one after another, each for FUZZ_SECONDS (default 60; FUZZ_SEED
// replays a run), then a JSON summary of the executions per target. Each target is a vitest file
// in the package that owns the parser; the normal test run of that package runs it for a couple
// of seconds as CI's smoke.
import { spawnSync } from 'node:child_process';
import { join, resolve } from 'node:path';

const root = resolve(import.meta.dirname, '..');
const targets = [
  ['packages/serve', 'test/fuzz.test.ts'],
  ['packages/mlx-core', 'test/fuzz-safetensors.test.ts'],
  ['packages/models', 'test/fuzz-safetensors.test.ts'],
  ['packages/models', 'test/fuzz-gguf.test.ts'],
  ['packages/tokenizer', 'test/fuzz-tokenizer-json.test.ts'],
  ['packages/tokenizer', 'test/fuzz-chat-template.test.ts'],
];
const seconds = process.env.FUZZ_SECONDS ?? '60';
const vitest = join(root, 'node_modules/vitest/vitest.mjs');
const started = Date.now();
const results = [];
const failed = [];
for (const [folder, file] of targets) {
  console.error(`[fuzz] ${folder}/${file} for ${seconds} s`);
  const run = spawnSync(process.execPath, [vitest, 'run', file, '--reporter=default'], {
    cwd: join(root, folder),
    env: { ...process.env, FUZZ_SECONDS: seconds },
    encoding: 'utf8',
    maxBuffer: 64 * 1024 * 1024,
  });
  process.stderr.write(run.stdout + run.stderr);
  // Each property prints one {"fuzz": target, "executions": n, ...} line when it ends.
  for (const line of run.stdout.split('\n')) {
    const at = line.indexOf('{"fuzz":');
    if (at !== -1) results.push(JSON.parse(line.slice(at)));
  }
  if (run.status !== 0) failed.push(`${folder}/${file}`);
}
const executions = Object.fromEntries(results.map((r) => [r.fuzz, r.executions]));
const total = results.reduce((sum, r) => sum + r.executions, 0);
console.log(
  JSON.stringify({ secondsPerTarget: Number(seconds), wallSeconds: Math.round((Date.now() - started) / 1000), total, executions, failed, results }, null, 2),
);
process.exit(failed.length === 0 ? 0 : 1);

// Runs a package's tests against the addon built with MLX_TS_SANITIZE (packages/mlx-core/build-sanitize):
//   node tools/test-sanitized.mjs packages/cache [vitest arguments...]
// Node is not instrumented, so the sanitizer runtimes are preloaded. Leak checking is off because
// V8 and Node keep allocations alive until exit by design; any ASan or UBSan report aborts the
// process, so a report fails the test file it happened in.
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';

const root = resolve(import.meta.dirname, '..');
const [folder, ...vitestArgs] = process.argv.slice(2);
if (folder === undefined) {
  console.error('usage: node tools/test-sanitized.mjs <package folder> [vitest arguments...]');
  process.exit(2);
}
const addon = join(root, 'packages/mlx-core/build-sanitize/Release/mlx_ts.node');
if (!existsSync(addon)) {
  console.error(`${addon} is missing. Build it with: MLX_TS_SANITIZE=address,undefined pnpm --filter @mlx-ts/core build:native`);
  process.exit(2);
}
const runtime = (name) => execFileSync(process.env.CC ?? 'gcc', [`-print-file-name=${name}`], { encoding: 'utf8' }).trim();
const env = {
  ...process.env,
  MLX_TS_ADDON: addon,
  LD_PRELOAD: `${runtime('libasan.so')}:${runtime('libubsan.so')}`,
  // verify_asan_link_order=0: the runtime is preloaded into a process whose first library is not ASan's.
  ASAN_OPTIONS: `detect_leaks=0:verify_asan_link_order=0:abort_on_error=1${process.env.ASAN_OPTIONS ? `:${process.env.ASAN_OPTIONS}` : ''}`,
  UBSAN_OPTIONS: `print_stacktrace=1:halt_on_error=1${process.env.UBSAN_OPTIONS ? `:${process.env.UBSAN_OPTIONS}` : ''}`,
};
const vitest = join(root, 'node_modules/vitest/vitest.mjs');
const result = spawnSync(process.execPath, [vitest, 'run', ...vitestArgs], { cwd: resolve(root, folder), env, stdio: 'inherit' });
process.exit(result.status ?? 1);

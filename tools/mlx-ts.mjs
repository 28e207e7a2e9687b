// `pnpm mlx-ts …` / `pnpm start …` / `./mlx-ts …`: builds what the CLI needs (silent when up to
// date; the first build shows its steps: fetching the MLX wheel and xgrammar's sources, compiling the addons), then runs
// the CLI in this process, so Ctrl-C reaches one program and ends it cleanly.
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = dirname(dirname(fileURLToPath(import.meta.url)));
const addon = join(root, 'packages/mlx-core/build/Release/mlx_ts.node');
const firstBuild = !existsSync(addon);
if (firstBuild) {
  process.stderr.write(
    '[mlx-ts] first build: fetching the MLX wheel with pip and the xgrammar sources, compiling the native addons, bundling the packages (3-8 minutes)\n',
  );
}
const turbo = join(root, 'node_modules/.bin/turbo');
if (!existsSync(turbo)) {
  process.stderr.write('[mlx-ts] dependencies are not installed: run `pnpm install` (or ./mlx-ts, which sets everything up) first.\n');
  process.exit(1);
}
const build = spawn(turbo, ['run', 'build', '--filter=@mlx-ts/serve...', `--output-logs=${firstBuild ? 'new-only' : 'errors-only'}`], {
  cwd: root,
  stdio: firstBuild ? ['ignore', 'inherit', 'inherit'] : ['ignore', 'pipe', 'pipe'],
});
let captured = '';
build.stdout?.on('data', (chunk) => (captured += chunk));
build.stderr?.on('data', (chunk) => (captured += chunk));
// An up-to-date build takes a fraction of a second; a longer one says what it is doing.
const notice = firstBuild ? undefined : setTimeout(() => process.stderr.write('[mlx-ts] rebuilding the packages that changed (turbo run build)\n'), 1500);
const status = await new Promise((done) => build.on('close', (code) => done(code ?? 1)));
clearTimeout(notice);
if (status !== 0) {
  process.stderr.write(`${captured}[mlx-ts] the build failed (output above).\n`);
  process.exit(status);
}
if (firstBuild) process.stderr.write('[mlx-ts] build done\n');
await import(pathToFileURL(join(root, 'packages/serve/dist/cli.js')).href);

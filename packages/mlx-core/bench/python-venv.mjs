// The Python anchor: mlx==0.32.4 with the mlx-cpu backend wheel in a venv cached under
// <repo>/.cache/bench-venv. Its bundled reference BLAS is pointed at the system OpenBLAS exactly
// as our build does (scripts/resolve-mlx.mjs), so both sides run the same libmlx on the same BLAS.
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { MLX_VERSION, preferOpenBlas } from '../scripts/resolve-mlx.mjs';

export function benchPython(repoRoot, log = (m) => console.error(`[bench] ${m}`)) {
  const venv = join(repoRoot, '.cache', 'bench-venv');
  const python = join(venv, 'bin', 'python');
  const ready = () => {
    try {
      return execFileSync(python, ['-c', 'import mlx.core as mx; print(mx.__version__)'], { encoding: 'utf8' }).trim() === MLX_VERSION;
    } catch {
      return false;
    }
  };
  if (!ready()) {
    log(`creating ${venv} with mlx==${MLX_VERSION} and mlx-cpu==${MLX_VERSION}`);
    if (!existsSync(python)) execFileSync('python3', ['-m', 'venv', venv], { stdio: 'inherit' });
    execFileSync(python, ['-m', 'pip', 'install', '--quiet', '--disable-pip-version-check', `mlx==${MLX_VERSION}`, `mlx-cpu==${MLX_VERSION}`], {
      stdio: 'inherit',
    });
    if (!ready()) throw new Error(`mlx ${MLX_VERSION} is not importable in ${venv}; delete the folder and rerun.`);
  }
  const lib = join(venv, 'lib');
  const site = join(
    lib,
    readdirSync(lib).find((d) => d.startsWith('python3')),
    'site-packages',
  );
  preferOpenBlas(site, log);
  return python;
}

// A Python venv with mlx-lm on the same libmlx version as our addon, and the same BLAS: the
// bundled reference BLAS of the mlx-cpu wheel is pointed at the system OpenBLAS when our build
// uses it (see packages/mlx-core/scripts/resolve-mlx.mjs), so both sides run the same kernels.
import { execFileSync } from 'node:child_process';
import { existsSync, lstatSync, readdirSync, readlinkSync, renameSync, symlinkSync, unlinkSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');
export const MLX_VERSION = '0.32.4';
export const MLX_LM_VERSION = '0.32.2';

function ourBlas() {
  const cache = process.env.MLX_TS_CACHE ?? join(process.env.XDG_CACHE_HOME ?? join(process.env.HOME ?? '/root', '.cache'), 'mlx-ts');
  const libs = join(cache, `mlx-cpu-${MLX_VERSION}`, 'mlx_cpu.libs');
  if (!existsSync(libs)) return undefined;
  const blas = readdirSync(libs).find((f) => /^libblas-.*\.so[.0-9]*$/.test(f));
  if (!blas) return undefined;
  const path = join(libs, blas);
  return lstatSync(path).isSymbolicLink() ? readlinkSync(path) : 'reference (bundled)';
}

export function anchorPython(log = (m) => console.error(`[bench] ${m}`)) {
  const venv = join(repoRoot, '.cache', 'bench-lm-venv');
  const python = join(venv, 'bin', 'python');
  if (!existsSync(python)) {
    log(`creating ${venv} (mlx ${MLX_VERSION}, mlx-lm ${MLX_LM_VERSION})`);
    execFileSync('python3', ['-m', 'venv', venv], { stdio: 'inherit' });
  }
  try {
    execFileSync(python, ['-c', `import mlx.core as mx, mlx_lm; assert mx.__version__ == '${MLX_VERSION}'`], { stdio: 'ignore' });
  } catch {
    execFileSync(
      python,
      ['-m', 'pip', 'install', '--quiet', '--disable-pip-version-check', `mlx==${MLX_VERSION}`, `mlx-cpu==${MLX_VERSION}`, `mlx-lm==${MLX_LM_VERSION}`],
      { stdio: 'inherit' },
    );
  }
  const blas = ourBlas();
  const site = execFileSync(python, ['-c', 'import mlx, os; print(os.path.dirname(list(mlx.__path__)[0]))']).toString().trim();
  const libs = join(site, 'mlx_cpu.libs');
  let anchorBlas = 'reference (bundled)';
  if (existsSync(libs)) {
    for (const file of readdirSync(libs)) {
      if (!/^libblas-.*\.so[.0-9]*$/.test(file)) continue;
      const target = join(libs, file);
      if (blas?.startsWith('/')) {
        if (!existsSync(`${target}.reference`)) renameSync(target, `${target}.reference`);
        else if (lstatSync(target, { throwIfNoEntry: false })) unlinkSync(target);
        symlinkSync(blas, target);
        anchorBlas = blas;
      }
    }
  }
  return { python, ourBlas: blas ?? 'unknown', anchorBlas };
}

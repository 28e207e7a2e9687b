// Finds an MLX installation to build and link against.
//
// Order (see the package README):
//   1. MLX_DIR: a folder holding MLXConfig.cmake (Homebrew, a source build, an unpacked wheel).
//   2. The pinned PyPI backend wheel (mlx-cpu on Linux, mlx-metal on macOS arm64, mlx-cuda-13 with
//      MLX_BACKEND=cuda), fetched once with pip into a cache folder and unpacked there.
//   3. Otherwise an error naming both fixes.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, rmSync, renameSync, symlinkSync, lstatSync, unlinkSync } from 'node:fs';
import { homedir, platform, arch } from 'node:os';
import { join, resolve } from 'node:path';
import { nvidiaPackagesFolder } from './cuda-config.mjs';

export const MLX_VERSION = '0.32.4';

export function wheelName() {
  const backend = process.env.MLX_BACKEND ?? '';
  if (backend === 'cuda') return 'mlx-cuda-13';
  if (platform() === 'darwin' && arch() === 'arm64') return 'mlx-metal';
  if (platform() === 'linux') return 'mlx-cpu';
  return null;
}

export function cacheRoot() {
  return resolve(process.env.MLX_TS_CACHE ?? join(process.env.XDG_CACHE_HOME ?? join(homedir(), '.cache'), 'mlx-ts'));
}

function findConfigDir(root) {
  for (const candidate of [join(root, 'share', 'cmake', 'MLX'), join(root, 'lib', 'cmake', 'MLX'), root]) {
    if (existsSync(join(candidate, 'MLXConfig.cmake'))) return candidate;
  }
  return null;
}

function python() {
  for (const name of [process.env.PYTHON, 'python3', 'python'].filter(Boolean)) {
    try {
      execFileSync(name, ['-m', 'pip', '--version'], { stdio: 'ignore' });
      return name;
    } catch {}
  }
  return null;
}

// The Linux wheel bundles netlib's reference BLAS, 8-33x slower than OpenBLAS on the float32
// matmuls that carry CPU inference. When the system has OpenBLAS, point the wheel's bundled
// library name at it (MLX_TS_BLAS=reference keeps the bundled one).
/** The system's OpenBLAS library, or undefined. */
export function findOpenBlas() {
  const candidates = [
    '/usr/lib/x86_64-linux-gnu/openblas-pthread/libblas.so.3',
    '/usr/lib/aarch64-linux-gnu/openblas-pthread/libblas.so.3',
    '/usr/lib64/libopenblas.so.0',
  ];
  return candidates.find((p) => existsSync(p));
}

export function preferOpenBlas(wheelRoot, log) {
  if (platform() !== 'linux' || process.env.MLX_TS_BLAS === 'reference') return;
  const libs = join(wheelRoot, 'mlx_cpu.libs');
  if (!existsSync(libs)) return;
  const openblas = findOpenBlas();
  if (!openblas) {
    log("note: using the wheel's reference BLAS; install OpenBLAS (Debian: libopenblas0-pthread) and rebuild for much faster float32 matmul");
    return;
  }
  for (const file of readdirSync(libs)) {
    // The library itself (libblas-<hash>.so[.N…]), not the original kept beside it on an earlier run.
    if (!/^libblas-[^/]*\.so(\.\d+)*$/.test(file)) continue;
    const target = join(libs, file);
    const original = `${target}.reference`;
    if (!existsSync(original)) renameSync(target, original);
    else if (lstatSync(target, { throwIfNoEntry: false })) unlinkSync(target);
    symlinkSync(openblas, target);
    log(`using OpenBLAS (${openblas}) for float32 matmul`);
  }
}

// libmlx (CUDA) finds cuBLAS, cuDNN, NCCL … through an RPATH of ../../nvidia/*/lib, where pip puts
// the nvidia-* packages beside an installed mlx. Our unpacked wheel has none beside it: link the
// folder of a Python that has them, so the addon loads with no LD_LIBRARY_PATH.
function linkNvidiaPackages(wheelRoot, log) {
  const target = join(wheelRoot, 'nvidia');
  if (existsSync(target)) return;
  const nvidia = nvidiaPackagesFolder();
  if (!nvidia) {
    log(
      'warning: no Python with the nvidia-* CUDA 13 packages found; libmlx will need the CUDA libraries on LD_LIBRARY_PATH (fix: pip install mlx-cuda-13 into python3, or set MLX_TS_NVIDIA_DIR)',
    );
    return;
  }
  symlinkSync(nvidia, target);
  log(`CUDA libraries from ${nvidia}`);
}

export function resolveMlx(log = (m) => console.error(`[mlx-ts] ${m}`)) {
  if (process.env.MLX_DIR) {
    const dir = findConfigDir(resolve(process.env.MLX_DIR));
    if (!dir)
      throw new Error(
        `MLX_DIR=${process.env.MLX_DIR} holds no MLXConfig.cmake. Point MLX_DIR at an MLX install (the folder with share/cmake/MLX), or unset it to use the pinned wheel.`,
      );
    return {
      cmakeDir: dir,
      source: 'MLX_DIR',
      backend: process.env.MLX_BACKEND === 'cuda' || existsSync(join(dir, '..', '..', 'include', 'cccl')) ? 'cuda' : undefined,
    };
  }
  const wheel = wheelName();
  if (!wheel) {
    throw new Error(`No prebuilt MLX for ${platform()}-${arch()}. Fix: set MLX_DIR to an MLX install (a folder holding MLXConfig.cmake).`);
  }
  const root = join(cacheRoot(), `${wheel}-${MLX_VERSION}`);
  const ready = join(root, 'mlx');
  if (!existsSync(join(ready, 'share', 'cmake', 'MLX', 'MLXConfig.cmake'))) {
    const py = python();
    if (!py) {
      throw new Error(
        `MLX not found. Fix either: (1) set MLX_DIR to an MLX install (a folder holding MLXConfig.cmake), or (2) install Python 3 with pip so the build can fetch the pinned wheel ${wheel}==${MLX_VERSION}.`,
      );
    }
    const staging = `${root}.partial`;
    rmSync(staging, { recursive: true, force: true });
    mkdirSync(staging, { recursive: true });
    log(`fetching ${wheel}==${MLX_VERSION} with pip into ${root}`);
    execFileSync(
      py,
      ['-m', 'pip', 'download', '--no-deps', '--only-binary', ':all:', '--disable-pip-version-check', '-d', staging, `${wheel}==${MLX_VERSION}`],
      { stdio: ['ignore', 'inherit', 'inherit'] },
    );
    const file = readdirSync(staging).find((f) => f.endsWith('.whl'));
    if (!file) throw new Error(`pip downloaded no wheel for ${wheel}==${MLX_VERSION}. Fix: set MLX_DIR to an MLX install.`);
    execFileSync(py, ['-m', 'zipfile', '-e', join(staging, file), staging], { stdio: 'inherit' });
    rmSync(join(staging, file));
    rmSync(root, { recursive: true, force: true });
    renameSync(staging, root);
  }
  preferOpenBlas(root, log);
  if (wheel === 'mlx-cuda-13') linkNvidiaPackages(root, log);
  return {
    cmakeDir: join(ready, 'share', 'cmake', 'MLX'),
    libDir: join(ready, 'lib'),
    source: `${wheel}==${MLX_VERSION}`,
    backend: wheel === 'mlx-cuda-13' ? 'cuda' : undefined,
  };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  console.log(resolveMlx().cmakeDir);
}

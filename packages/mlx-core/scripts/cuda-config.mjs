// What a CMake build against MLX's CUDA wheel needs besides MLX itself: the wheel's
// MLXConfig.cmake asks for the CUDA toolkit and cuDNN, and libmlx finds the CUDA runtime
// libraries through an RPATH of `../../nvidia/*/lib` (the `nvidia-*` pip packages beside it).
// Each piece is taken from the environment when set, else found; a missing one is an error
// naming the fix. Usage as a script prints the CMake -D arguments, one per line.
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, realpathSync } from 'node:fs';
import { dirname, join } from 'node:path';

function which(command) {
  for (const folder of (process.env.PATH ?? '').split(':')) {
    const path = join(folder, command);
    if (folder && existsSync(path)) return path;
  }
  return undefined;
}

/** The CUDA toolkit's root folder (the one holding bin/nvcc). */
export function cudaToolkitRoot() {
  for (const name of ['CUDAToolkit_ROOT', 'CUDA_HOME', 'CUDA_PATH']) {
    if (process.env[name]) return process.env[name];
  }
  const nvcc = which('nvcc');
  if (nvcc) return dirname(dirname(realpathSync(nvcc)));
  const candidates = existsSync('/usr/local')
    ? readdirSync('/usr/local')
        .filter((f) => /^cuda(-13[.\d]*)?$/.test(f))
        .sort()
        .reverse()
    : [];
  for (const folder of candidates) if (existsSync(join('/usr/local', folder, 'bin', 'nvcc'))) return join('/usr/local', folder);
  throw new Error('The CUDA toolkit was not found (no nvcc on PATH, no /usr/local/cuda-13*). Fix: install CUDA 13 or set CUDAToolkit_ROOT to its folder.');
}

/** The folder of the `nvidia` namespace package (nvidia-cublas, nvidia-cudnn-cu13, …) of a Python on PATH. */
export function nvidiaPackagesFolder() {
  if (process.env.MLX_TS_NVIDIA_DIR) return process.env.MLX_TS_NVIDIA_DIR;
  for (const python of [process.env.PYTHON, 'python3', 'python'].filter(Boolean)) {
    try {
      const out = execFileSync(
        python,
        ['-c', "import importlib.util as u; s = u.find_spec('nvidia'); print(list(s.submodule_search_locations)[0] if s else '')"],
        {
          stdio: ['ignore', 'pipe', 'ignore'],
        },
      )
        .toString()
        .trim();
      if (out && existsSync(out)) return out;
    } catch {}
  }
  return undefined;
}

/** CMake -D arguments for building against the CUDA wheel. */
export function cudaCmakeDefinitions() {
  const definitions = { CUDAToolkit_ROOT: cudaToolkitRoot() };
  let include = process.env.CUDNN_INCLUDE_PATH;
  let library = process.env.CUDNN_LIBRARY_PATH;
  if (!include || !library) {
    const nvidia = nvidiaPackagesFolder();
    const cudnn = nvidia ? join(nvidia, 'cudnn') : undefined;
    if (!cudnn || !existsSync(join(cudnn, 'include'))) {
      throw new Error(
        'cuDNN was not found (MLX CUDA needs it). Fix: `pip install nvidia-cudnn-cu13` (and the other nvidia-* CUDA 13 packages mlx-cuda-13 depends on), or set CUDNN_INCLUDE_PATH and CUDNN_LIBRARY_PATH.',
      );
    }
    include ??= join(cudnn, 'include');
    library ??= join(cudnn, 'lib');
  }
  definitions.CUDNN_INCLUDE_PATH = include;
  definitions.CUDNN_LIBRARY_PATH = library;
  return definitions;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  for (const [key, value] of Object.entries(cudaCmakeDefinitions())) console.log(`-D${key}=${value}`);
}

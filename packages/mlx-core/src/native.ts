// Loads the native addon lazily: importing @mlx-ts/core never throws; the first real call does,
// with a NativeBindingLoadError that names the fix.
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import type { NativeAddon } from './native-types.js';
import { DistributedError, MlxError, NativeBindingLoadError } from './errors.js';
import { binaryOpNames, reduceOpNames, unaryOpNames } from './op-codes.js';

let addon: NativeAddon | undefined;
let loadError: NativeBindingLoadError | undefined;

function addonPath(): string {
  if (process.env.MLX_TS_ADDON) return process.env.MLX_TS_ADDON;
  return fileURLToPath(new URL('../build/Release/mlx_ts.node', import.meta.url));
}

function sameList(a: readonly string[], b: readonly string[]): boolean {
  return a.length === b.length && a.every((x, i) => x === b[i]);
}

function load(): NativeAddon {
  const path = addonPath();
  if (!existsSync(path)) {
    throw new NativeBindingLoadError(
      `The mlx-ts native addon is not built (${path} is missing). Fix: run \`pnpm --filter @mlx-ts/core build\`; ` +
        'it needs CMake, a C++20 compiler and MLX (set MLX_DIR to an MLX install, or have Python 3 with pip to fetch the pinned wheel).',
    );
  }
  let loaded: NativeAddon;
  try {
    loaded = createRequire(import.meta.url)(path) as NativeAddon;
  } catch (cause) {
    const missingCuda = /lib(cu[a-z]+|nccl|nvrtc|nvJitLink)[\w.-]*\.so/.exec((cause as Error).message);
    if (missingCuda) {
      throw new NativeBindingLoadError(
        `The mlx-ts native addon at ${path} was built for MLX's CUDA backend, and the CUDA library ${missingCuda[0]} was not found. ` +
          'Fix: `pip install mlx-cuda-13` into the python3 on PATH (it brings the nvidia-* CUDA 13 packages) and rebuild with `MLX_BACKEND=cuda pnpm install`, ' +
          'or put a CUDA 13 installation on LD_LIBRARY_PATH.',
        { cause },
      );
    }
    throw new NativeBindingLoadError(
      `The mlx-ts native addon at ${path} failed to load: ${(cause as Error).message}. ` +
        'Fix: rebuild it with `pnpm --filter @mlx-ts/core build` (a missing libmlx means the MLX it was built against moved; rebuild, or set MLX_DIR).',
      { cause },
    );
  }
  if (!sameList(loaded.unaryOps, unaryOpNames) || !sameList(loaded.binaryOps, binaryOpNames) || !sameList(loaded.reduceOps, reduceOpNames)) {
    throw new NativeBindingLoadError(
      `The native addon at ${path} does not match this version of @mlx-ts/core. Fix: rebuild it with \`pnpm --filter @mlx-ts/core build\`.`,
    );
  }
  loaded.setErrorClass(MlxError);
  loaded.setDistributedErrorClass(DistributedError);
  // The addon's exports object has ~100 properties added one by one, which leaves it in V8's
  // slow dictionary mode; a copy made in one go has fast properties, so `native().add(...)`
  // on the hot path is a plain inline-cached load.
  return { ...loaded };
}

/** The loaded addon; throws NativeBindingLoadError (the same one every time) when it cannot load. */
export function native(): NativeAddon {
  if (addon) return addon;
  if (loadError) throw loadError;
  try {
    addon = load();
    return addon;
  } catch (error) {
    loadError = error instanceof NativeBindingLoadError ? error : new NativeBindingLoadError(String(error), { cause: error });
    throw loadError;
  }
}

/** True when the native addon loads and MLX has a usable device. Never throws. */
export function isAvailable(): boolean {
  return unavailableReason() === undefined;
}

/** Why MLX cannot be used here, or undefined when it can. Never throws. */
export function unavailableReason(): string | undefined {
  try {
    const n = native();
    if (!n.deviceIsAvailable([0, 0]) && !n.deviceIsAvailable([1, 0])) return 'MLX reports no usable device (neither CPU nor GPU).';
    return undefined;
  } catch (error) {
    return (error as Error).message;
  }
}

/** The MLX version the addon was built against. */
export function mlxVersion(): string {
  return native().version();
}

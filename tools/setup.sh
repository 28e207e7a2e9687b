#!/usr/bin/env bash
# Installs whatever is missing to build and run mlx-ts from a clone, then leaves Node >= 22 and
# pnpm on PATH. Idempotent and quick once done. Used by ./mlx-ts and .ci/run.
#   System packages (OpenBLAS, CMake, Ninja, a C++ compiler, Python's pip and venv): installed with
#   apt-get when run as root on Debian/Ubuntu (unless MLX_TS_NO_APT=1); otherwise one line names
#   the command to run.
#   Node 24 and the pinned pnpm: from the npm registry into .cache/node when the system's are older.
#   npm dependencies: pnpm install when node_modules is missing or older than the lockfile.
# Usage: source tools/setup.sh
_setup_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"

_setup_system() {
  local missing=() pkg
  if [ "$(uname -s)" = Darwin ]; then
    command -v cmake >/dev/null 2>&1 || missing+=(cmake)
    command -v ninja >/dev/null 2>&1 || missing+=(ninja)
    xcode-select -p >/dev/null 2>&1 || echo "[setup] no C++ compiler: run  xcode-select --install" >&2
    [ ${#missing[@]} -eq 0 ] || echo "[setup] missing build tools: run  brew install ${missing[*]}" >&2
    return 0
  fi
  command -v dpkg >/dev/null 2>&1 || return 0
  for pkg in libopenblas0-pthread cmake ninja-build g++ python3-pip python3-venv; do
    dpkg -s "$pkg" >/dev/null 2>&1 || missing+=("$pkg")
  done
  [ ${#missing[@]} -eq 0 ] && return 0
  if [ "$(id -u)" = 0 ] && [ "${MLX_TS_NO_APT:-0}" != 1 ] && command -v apt-get >/dev/null 2>&1; then
    echo "[setup] installing ${missing[*]} with apt-get" >&2
    apt-get update -qq >/dev/null
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
    # A wheel unpacked before OpenBLAS was there is relinked to it now.
    if [ -d "$_setup_root/node_modules" ]; then node "$_setup_root/packages/mlx-core/scripts/resolve-mlx.mjs" >/dev/null 2>&1 || true; fi
  else
    echo "[setup] missing system packages; run:  sudo apt-get install -y ${missing[*]}" >&2
  fi
}

_setup_system
source "$_setup_root/tools/ensure-node.sh"
if [ ! -f "$_setup_root/node_modules/.modules.yaml" ] || [ "$_setup_root/pnpm-lock.yaml" -nt "$_setup_root/node_modules/.modules.yaml" ]; then
  echo "[setup] installing npm dependencies (pnpm install)" >&2
  (cd "$_setup_root" && pnpm install --frozen-lockfile --reporter=append-only >&2)
fi
unset -f _setup_system

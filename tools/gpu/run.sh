#!/usr/bin/env bash
# Runs on the offline CUDA machine (python3 with torch and the nvidia-* CUDA 13 packages, nvcc,
# CMake, ninja), from the repository root, in three steps that must follow each other while the
# machine is warm (the files of the first two live in $HOME), each with one part staged by
# stage.sh:
#   bash tools/gpu/run.sh receive a     keeps .gpu/a (the first part of libmlx, zstd) in $HOME
#   bash tools/gpu/run.sh receive b     keeps .gpu/b (the rest of libmlx, Node) in $HOME
#   bash tools/gpu/run.sh bench     adds .gpu/c, installs MLX CUDA and mlx-lm, builds the addon
#                                   with CMake against the CUDA wheel, makes random-weight Gemma 3
#                                   checkpoints at real shapes, runs ours and mlx-lm on the same
#                                   prompt ids, one JSON line per model and mode (also $OUT/gpu.jsonl)
#   bash tools/gpu/run.sh test      adds .gpu/c as staged by `stage.sh test`: builds the addon from
#                                   the staged sources, runs the vitest suites of core, cache, sample,
#                                   models and backend on the GPU (MLX's default device there) and the
#                                   greedy parity of an exact-weight Gemma 3 270M against the CPU's
#                                   float32 fixture (tools/gpu/greedy-parity.mjs); $OUT gets each
#                                   suite's vitest JSON, parity.jsonl and logs.tar.xz
# A test run may follow a bench on the same warm machine with only its own .gpu/c.
# GPU_STAGE: the staged folder (default .gpu; a run from a copy of this script passes it).
# Settings: NOCOMPILE=1 (ours also without the compiled decode step), SHAPES (270m 1b 4b), QUANTIZE (1b 4b), RUNS (model[@mode+mode]), PROMPT (512), GEN (128), TRIALS (3), BATCH (16,32),
#   ROUNDS (1: each row this many times, the sides' order alternating), STREAMS=1 (ours also with the engine on the default stream), VARIANTS="name:VAR=v,VAR=v ..." (ours again under each environment; VARIANT_SIDES=both: mlx-lm too; VARIANT_MODES: the modes they run in, single by default, or all), BENCH_BUDGET (560: seconds from the start after which no side starts), PROBE=1 (one matrix-vector product from both sides, plain and under ncu, before the models)
#   test: PACKAGES (mlx-core cache sample models backend), TEST_BUDGET (seconds for the whole run, 540)
set -uo pipefail
root="$(pwd)"
stage="${GPU_STAGE:-.gpu}"; case "$stage" in /*) ;; *) stage="$root/$stage" ;; esac
keep="$HOME/gpu-stage"; site=/tmp/site; models=/tmp/models; logs=${OUT:-/tmp}/logs
export NCCL_NVLS_ENABLE=0
mode="${1:-}"
# test: everything ends by TEST_BUDGET seconds after the start (the device call's limit is 600).
export GPU_TEST_DEADLINE=$(( $(date +%s) + ${TEST_BUDGET:-540} ))
case "$mode" in
receive)
  mkdir -p "$keep" && cp -r "$stage/${2:-a}"/. "$keep/" && ls -la "$keep"; exit 0 ;;
bench|test) ;;
*) echo "usage: run.sh receive|bench|test" >&2; exit 2 ;;
esac
# What the later parts bring joins the first in $HOME; b is then that folder.
mkdir -p "$keep" $site $models "$logs" /tmp/tok
for part in b c; do [ -d "$stage/$part" ] && cp -r "$stage/$part"/. "$keep/"; done
b="$keep"
# The staged tree of `stage.sh test` (tests, their sources and dependencies, the addon's sources).
src="$root"; tree=/tmp/t
if [ "$mode" = test ]; then
  rm -rf $tree && mkdir -p $tree && xz -dc "$b/tests.tar.xz" | tar xf - -C $tree || { echo "tests.tar.xz did not unpack" >&2; exit 1; }
  src=$tree
fi
if [ -d "$b/whl" ]; then python3 -m pip install -q --no-index --no-deps --no-compile --upgrade --target $site "$b"/whl/*.whl || exit 1; fi
cat "$keep"/libmlx.part* | LD_LIBRARY_PATH="$keep" "$keep/zstd" -d -q | tar xf - -C $site || { echo "libmlx did not unpack: run 'receive' first, on a warm machine" >&2; exit 1; }
xz -dc "$b/mlx-include.tar.xz" | tar xf - -C $site
nvidia=$(python3 -c "import importlib.util as u; print(list(u.find_spec('nvidia').submodule_search_locations)[0])")
ln -sfn "$nvidia" $site/nvidia   # libmlx's RPATH: ../../nvidia/*/lib
xz -dc "$b/node.xz" > /tmp/node && chmod +x /tmp/node && export PATH=/tmp:$PATH
[ -f "$b/tokenizer.json.xz" ] && xz -dc "$b/tokenizer.json.xz" > /tmp/tok/tokenizer.json && cp "$b/tokenizer_config.json" /tmp/tok/
export PYTHONPATH=$site
echo "[gpu] building the addon against the CUDA wheel" >&2
cuda_args=$(MLX_TS_NVIDIA_DIR="$nvidia" /tmp/node "$src/packages/mlx-core/scripts/cuda-config.mjs") || exit 1
# shellcheck disable=SC2086
cmake -S "$src/packages/mlx-core" -B /tmp/addon-$mode -G Ninja -DCMAKE_BUILD_TYPE=Release -DMLX_DIR=$site/mlx/share/cmake/MLX \
  -DCMAKE_JS_INC="$b/headers/node-api" -DNODE_ADDON_API_DIR="$b/headers/node-addon-api" $cuda_args >"$logs/cmake.log" 2>&1 \
  && cmake --build /tmp/addon-$mode -j "$(nproc)" >>"$logs/cmake.log" 2>&1 || { tail -30 "$logs/cmake.log"; exit 1; }
export MLX_TS_ADDON=/tmp/addon-$mode/mlx_ts.node
[ "$mode" = test ] && exec bash "$tree/tools/gpu/run-tests.sh" "$tree"
# PROBE=1: the head-shaped bf16 product from Python and from the addon on the same libmlx, then
# the same under Nsight Compute (kernel names and their device time), to tell kernel from memory.
if [ -n "${PROBE:-}" ]; then
  python3 "$root/tools/gpu/matvec_probe.py" 2>"$logs/probe-python.err" | tee -a "$logs/probe.jsonl"
  /tmp/node "$b/probe.bundle.mjs" 2>"$logs/probe-ours.err" | tee -a "$logs/probe.jsonl"
  ncu=$(command -v ncu || ls /opt/nvidia/nsight-compute/*/ncu 2>/dev/null | head -n 1)
  if [ -n "$ncu" ]; then
    for side in python ours; do
      if [ $side = python ]; then cmd=(python3 "$root/tools/gpu/matvec_probe.py"); else cmd=(/tmp/node "$b/probe.bundle.mjs"); fi
      timeout 240 "$ncu" --clock-control none --target-processes all --launch-skip 40 --launch-count 6 --metrics gpu__time_duration.sum,dram__bytes_read.sum --csv "${cmd[@]}" >"$logs/ncu-$side.csv" 2>"$logs/ncu-$side.err"
      grep -v '^==' "$logs/ncu-$side.csv" | cut -c1-400 | tail -n 14
    done
  fi
fi
# The fused kernels against the ops they replace; a failure turns them off for the benches below.
if [ -f "$b/smoke.bundle.mjs" ]; then
  /tmp/node "$b/smoke.bundle.mjs" norm 2>"$logs/smoke-norm.err" | tee -a "${OUT:-/tmp}/gpu.jsonl" || { echo "[gpu] the fused norm failed its check: benches run without it" >&2; export MLX_TS_FUSED_NORM=0; }
  # The attention's one-pass form (its last block combines the splits) first; when it fails, the two-kernel form.
  /tmp/node "$b/smoke.bundle.mjs" attention 2>"$logs/smoke-attention.err" | tee -a "${OUT:-/tmp}/gpu.jsonl" || {
    if MLX_TS_ATTENTION_ONE_PASS=0 /tmp/node "$b/smoke.bundle.mjs" attention 2>>"$logs/smoke-attention.err" | tee -a "${OUT:-/tmp}/gpu.jsonl"; then
      echo "[gpu] the one-pass attention failed its check: benches combine the splits in a second kernel" >&2; export MLX_TS_ATTENTION_ONE_PASS=0
    else echo "[gpu] the fused attention failed its check: benches run without it" >&2; export MLX_TS_FUSED_ATTENTION=0; fi
  }
  /tmp/node "$b/smoke.bundle.mjs" rope 2>"$logs/smoke-rope.err" | tee -a "${OUT:-/tmp}/gpu.jsonl" || { echo "[gpu] the fused norm and RoPE failed its check: benches run without it" >&2; export MLX_TS_FUSED_ROPE=0; }
  /tmp/node "$b/smoke.bundle.mjs" heads 2>"$logs/smoke-heads.err" | tee -a "${OUT:-/tmp}/gpu.jsonl" || { echo "[gpu] the fused attention heads failed their check: benches run without them" >&2; export MLX_TS_FUSED_HEADS=0; }
  /tmp/node "$b/smoke.bundle.mjs" matvec 2>"$logs/smoke-matvec.err" | tee -a "${OUT:-/tmp}/gpu.jsonl" || { echo "[gpu] the matrix-vector kernel failed its check: benches run without it" >&2; export MLX_TS_MATVEC=0; }
fi
python3 "$root/tools/gpu/random_gemma.py" $models /tmp/tok ${SHAPES:-270m 1b 4b} || exit 1
for m in ${QUANTIZE:-1b 4b}; do
  [ "$m" = none ] && continue
  [ -d $models/gemma3-$m-random-4bit ] || python3 -m mlx_lm convert --hf-path $models/gemma3-$m-random-bf16 --mlx-path $models/gemma3-$m-random-4bit -q >/dev/null 2>&1
done
python3 -c "
import json; s = 7; ids = []
for i in range(${PROMPT:-512}):
    s = (s * 1664525 + 1013904223) & 0xffffffff; ids.append(3 + s % (262144 - 3))
json.dump(ids, open('/tmp/prompt.json', 'w'))"
results=${OUT:-/tmp}/gpu.jsonl
# Each checkpoint's bytes per decode token, so that summarize.py can also run on the lines alone.
python3 "$root/tools/gpu/summarize.py" --checkpoints $models ${PROMPT:-512} ${GEN:-128} >>"$results"
# PROFILE=1: every kernel of a prefill and of decode steps at batch 1 and 32, both sides, under
# Nsight Compute (bench/gpu-profile.mjs, profile_mlx_lm.py), summarized per phase by ncu_phases.py.
if [ -n "${PROFILE:-}" ]; then
  ncu=$(command -v ncu || ls /opt/nvidia/nsight-compute/*/ncu 2>/dev/null | head -n 1)
  for m in ${PROFILE_RUNS:-1b-random-bf16}; do
    for side in ${PROFILE_SIDES:-mlx_lm ours}; do
      if [ $side = mlx_lm ]; then cmd=(python3 "$root/tools/gpu/profile_mlx_lm.py" $models/gemma3-$m); else cmd=(/tmp/node "$b/profile.bundle.mjs" $models/gemma3-$m); fi
      timeout 240 "$ncu" --clock-control none --target-processes all --launch-count 9000 --metrics gpu__time_duration.sum --csv "${cmd[@]}" >"$logs/ncu-$m-$side.csv" 2>"$logs/ncu-$m-$side.err"
      python3 "$root/tools/gpu/ncu_phases.py" "$logs/ncu-$m-$side.csv" "$m-$side" | tee -a "$results"
    done
  done
fi
# The card's bandwidth, for the roofline (tools/gpu/bandwidth.py).
timeout 120 python3 "$root/tools/gpu/bandwidth.py" 2>"$logs/bandwidth.err" | tee -a "$results"
# One side of a row: mlx_lm, ours, or ours_before (the bench as of BEFORE_REF, when staged).
# A side not started by 60 s before the deadline is left out (null), so the summary below is always
# written within the call's limit (BENCH_BUDGET seconds from the start, 560 by default).
bench_deadline=$(( $(date +%s) - SECONDS + ${BENCH_BUDGET:-560} ))
# Whether mode $2 is one of the modes listed in $1 ("all": every mode).
in_modes() { [[ "$1" = all || " $1 " == *" $2 "* ]]; }
side() {
  local m=$1 mode=$2 left=$(( bench_deadline - $(date +%s) - 15 ))
  [ "$left" -gt 45 ] || { echo "[gpu] no time left for $3 on $m $mode" >&2; return 0; }
  [ "$left" -lt 300 ] || left=300
  case $3 in
  mlx_lm) timeout $left python3 "$root/tools/gpu/mlx_lm_bench.py" $models/gemma3-$m /tmp/prompt.json ${GEN:-128} ${TRIALS:-3} $mode 2>>"$logs/anchor-$m-$mode.err" | tail -1 ;;
  ours) timeout $left /tmp/node "$b/gpu.bundle.mjs" $models/gemma3-$m /tmp/prompt.json ${GEN:-128} ${TRIALS:-3} $mode 2>>"$logs/ours-$m-$mode.err" | tail -1 ;;
  # BEFORE_MODES: the modes the before bench runs in (default single: an engine older than
  # batching would run a batch's requests one after another).
  ours_before) [ -f "$b/gpu-before.bundle.mjs" ] && in_modes "${BEFORE_MODES:-single}" "$mode" && timeout $left /tmp/node "$b/gpu-before.bundle.mjs" $models/gemma3-$m /tmp/prompt.json ${GEN:-128} ${TRIALS:-3} $mode 2>>"$logs/before-$m-$mode.err" | tail -1 ;;
  esac
}
# ROUNDS=N: every row N times, the sides' order reversed every other round (summarize.py takes
# each side's median), so a slow spell of the shared host does not fall on one side only.
# A run may carry its own modes: 1b-random-bf16@single+batch:16,32
for round in $(seq 1 "${ROUNDS:-1}"); do
  order="mlx_lm ours ours_before"; [ $((round % 2)) = 0 ] && order="ours_before ours mlx_lm"
  for run in ${RUNS:-270m-random-bf16 1b-random-bf16 1b-random-4bit 4b-random-bf16 4b-random-4bit}; do
    m=${run%@*}; modes=${MODES:-single}
    [ "$run" != "$m" ] && modes=${run#*@} && modes=${modes//+/ }
    for mode in $modes; do
      [ "$mode" = skip ] && continue
      declare -A got=()
      for s in $order; do got[$s]=$(side "$m" "$mode" $s); done
      # STREAMS=1: ours again with the engine on the default stream instead of a stream of its own.
      d=null; [ -n "${STREAMS:-}" ] && d=$(MLX_TS_GPU_STREAM=default side "$m" "$mode" ours)
      # NOCOMPILE=1: ours again without the compiled decode step and the fused kernels.
      n=null; [ -n "${NOCOMPILE:-}" ] && n=$(MLX_TS_COMPILE_DECODE=0 MLX_TS_FUSED_NORM=0 MLX_TS_FUSED_ATTENTION=0 MLX_TS_FUSED_ROPE=0 MLX_TS_MATVEC=0 side "$m" "$mode" ours)
      # VARIANTS="name:VAR=value,VAR2=value ...": ours again under each environment (MLX settings such as
      # MLX_MAX_OPS_PER_BUFFER or our kernel switches), in the modes of VARIANT_MODES (single by
      # default); VARIANT_SIDES=both also runs mlx-lm under it.
      v=""
      for variant in ${VARIANTS:-}; do
        in_modes "${VARIANT_MODES:-single}" "$mode" || continue
        vn=${variant%%:*}; venv=(${variant#*:}); venv=(${venv[@]//,/ })
        vo=$(export "${venv[@]}"; side "$m" "$mode" ours)
        va=null; [ "${VARIANT_SIDES:-ours}" = both ] && va=$(export "${venv[@]}"; side "$m" "$mode" mlx_lm)
        v="$v,\"$vn\":{\"ours\":${vo:-null},\"mlx_lm\":${va:-null}}"
      done
      echo "{\"model\":\"$m\",\"mode\":\"$mode\",\"round\":$round,\"mlx_lm\":${got[mlx_lm]:-null},\"ours\":${got[ours]:-null},\"ours_default_stream\":${d:-null},\"ours_no_compile\":${n:-null},\"ours_before\":${got[ours_before]:-null},\"variants\":{${v#,}}}" | tee -a "$results"
      unset got
    done
  done
done
# Medians, ratios, the roofline fraction and the issue's targets, one JSON line per row ($OUT/summary.jsonl).
python3 "$root/tools/gpu/summarize.py" "$results" $models ${PROMPT:-512} ${GEN:-128} | tee "${OUT:-/tmp}/summary.jsonl"
# DIAG=1: where decode time goes (packages/backend/bench/gpu-diag.mjs, tools/gpu/diag_mlx_lm.py), per model in RUNS.
if [ -n "${DIAG:-}" ]; then
  for m in ${DIAG_RUNS:-1b-random-bf16 4b-random-bf16}; do
    a=$(timeout 200 python3 "$root/tools/gpu/diag_mlx_lm.py" $models/gemma3-$m 2>"$logs/diag-anchor-$m.err" | tail -1)
    o=$(timeout 200 /tmp/node "$b/diag.bundle.mjs" $models/gemma3-$m 2>"$logs/diag-ours-$m.err" | tail -1)
    echo "{\"diag\":\"$m\",\"mlx_lm\":${a:-null},\"ours\":${o:-null}}" | tee -a "$results"
  done
fi

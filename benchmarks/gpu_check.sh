#!/usr/bin/env bash
# The GPU check of full.yaml, about 8 minutes on a lent GPU machine, the install included:
#   1. the venv by the road run_all.sh takes: STEELDEFECT_ACCELERATOR=cuda scripts/ensure_env.sh installs
#      requirements.txt and requirements/cuda.txt (tensorflow[and-cuda]; a CPU build already in the venv
#      is uninstalled first), in at most INSTALL_LIMIT_S seconds (default 200; the CUDA wheels are ~3 GB);
#   2. `steeldefect doctor`: versions, whether TensorFlow was built with CUDA, the devices, the strategy
#      and precision training would use;
#   3. benchmarks/gpu_check.py (at most RUN_LIMIT_S seconds, default 240; stops at once if TensorFlow sees
#      no GPU): full.yaml's B0 UNet++ and B5 UNet++ (batch 16) and B0 gate (batch 32) at 128 x 800 under
#      mixed_float16, STEPS timed training steps each (default 50) on synthetic batches after WARMUP
#      steps (default 5: tracing and XLA compilation), then PREDICT_IMAGES images (default 512) predicted;
#      per model: training images/s and ms a step, prediction images/s, the peak GPU memory beside its
#      estimate. The rows go to $OUT/gpu_check.jsonl and the table to $OUT/gpu_check.md (OUT defaults to
#      benchmarks/results), rewritten after each model so that a run cut short keeps what it finished.
#
#   benchmarks/gpu_check.sh
#   STEPS=20 MODELS=segmenter/efficientnetb5 benchmarks/gpu_check.sh   # fewer steps, one model
#   NO_INSTALL=1 benchmarks/gpu_check.sh   # no install: the steeldefect and python on the PATH
#   DRY_RUN=1 benchmarks/gpu_check.sh      # the same code on this CPU: ./.venv, 32 x 160, 2 steps, no install
set -euo pipefail
cd "$(dirname "$0")/.."
out_dir="${OUT:-benchmarks/results}"
mkdir -p "$out_dir"
install_limit_s="${INSTALL_LIMIT_S:-200}"
run_limit_s="${RUN_LIMIT_S:-240}"
export TF_CPP_MIN_LOG_LEVEL="${TF_CPP_MIN_LOG_LEVEL:-2}"
models=(${MODELS:+--models "$MODELS"})

if [ -n "${DRY_RUN:-}" ]; then
  [ -x .venv/bin/python ] || { echo "[gpu_check] DRY_RUN uses ./.venv: run scripts/ensure_env.sh first" >&2; exit 1; }
  export PATH="$PWD/.venv/bin:$PATH"
  timeout -k 5 90 steeldefect doctor
  exec python benchmarks/gpu_check.py --height 32 --width 160 --batch-scale 0.125 --warmup 1 \
    --steps "${STEPS:-2}" --predict-images 8 --predict-batch 4 --policy "${POLICY:-float32}" "${models[@]}" \
    --out "$out_dir/gpu_check_dry_run.jsonl" --markdown "$out_dir/gpu_check_dry_run.md"
fi

command -v nvidia-smi >/dev/null && nvidia-smi --query-gpu=name,memory.total,driver_version --format=csv
py="${PYTHON:-python3}"
if [ -z "${NO_INSTALL:-}" ]; then
  export STEELDEFECT_ACCELERATOR=cuda
  t0=$SECONDS
  rc=0
  timeout -k 10 "$install_limit_s" scripts/ensure_env.sh || rc=$?
  if [ "$rc" != 0 ]; then
    [ "$rc" = 124 ] && echo "[gpu_check] the install did not finish in ${install_limit_s}s" \
      "(INSTALL_LIMIT_S; a rerun reuses what pip has downloaded)" >&2
    echo "[gpu_check] scripts/ensure_env.sh failed (exit $rc)" >&2
    exit 1
  fi
  source scripts/ensure_env.sh   # installed above: only puts the venv first on PATH
  py=python
  echo "[gpu_check] environment ready in $((SECONDS - t0)) s" >&2
fi
timeout -k 5 90 steeldefect doctor
timeout -k 10 "$run_limit_s" "$py" benchmarks/gpu_check.py --require-gpu --steps "${STEPS:-50}" \
  --warmup "${WARMUP:-5}" --predict-images "${PREDICT_IMAGES:-512}" "${models[@]}" \
  --out "$out_dir/gpu_check.jsonl" --markdown "$out_dir/gpu_check.md"

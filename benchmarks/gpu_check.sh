#!/usr/bin/env bash
# The GPU check of full.yaml's smallest models, at most 8 minutes on a lent GPU machine:
#   1. a Python with the CUDA build of TensorFlow in requirements.txt's version range (the one on the
#      PATH when it sees a GPU, else a fresh .venv-gpu with tensorflow[and-cuda] from the package index);
#   2. full.yaml's B0 gate (batch 32) and B0 UNet++ (batch 16) at 128 x 800 under mixed_float16:
#      a few hundred training steps on synthetic batches, then 500 images predicted;
#   3. images/s per model (training and prediction) and the peak GPU memory beside its estimate.
#
#   benchmarks/gpu_check.sh                   # rows also go to $OUT/gpu_check.jsonl (or benchmarks/results)
#   STEPS=100 benchmarks/gpu_check.sh         # fewer steps on a slow GPU
#   DRY_RUN=1 benchmarks/gpu_check.sh         # the same code on this CPU at 64 x 384, 3 steps (no install)
set -euo pipefail
cd "$(dirname "$0")/.."
out_dir="${OUT:-benchmarks/results}"
mkdir -p "$out_dir"
steps="${STEPS:-300}"
py="${PYTHON:-python3}"
install_limit_s=240   # the CUDA wheels are ~3 GB; past this the check gives up instead of eating the 8 minutes
run_limit_s=240

range_of() {  # the version range requirements.txt gives a package, e.g. ">=2.16,<3"
  grep -E "^$1[<>=!~ ]" requirements.txt | head -1 | sed -E "s/^$1//; s/[[:space:]]*#.*//; s/[[:space:]]//g"
}

if [ -n "${DRY_RUN:-}" ]; then
  py="${PYTHON:-.venv/bin/python}"
  exec "$py" benchmarks/gpu_check.py --height 64 --width 384 --batch-scale 0.125 --warmup 1 --steps 3 \
    --predict-images 16 --predict-batch 8 --policy "${POLICY:-float32}" --out "$out_dir/gpu_check_dry_run.jsonl"
fi

command -v nvidia-smi >/dev/null && nvidia-smi --query-gpu=name,memory.total,driver_version --format=csv
sees_gpu() { "$1" -c "import tensorflow as tf, keras; assert keras.__version__ >= '3'; \
assert tf.config.list_physical_devices('GPU')" >/dev/null 2>&1; }
if ! sees_gpu "$py"; then
  echo "[gpu_check] installing tensorflow[and-cuda]$(range_of tensorflow-cpu) into .venv-gpu" >&2
  "$py" -m venv .venv-gpu
  py=.venv-gpu/bin/python
  timeout "$install_limit_s" "$py" -m pip install -q --upgrade pip
  timeout "$install_limit_s" "$py" -m pip install -q "tensorflow[and-cuda]$(range_of tensorflow-cpu)" \
    "keras$(range_of keras)" "albumentations$(range_of albumentations)"
  timeout "$install_limit_s" "$py" -m pip install -q -e .   # the core dependencies only: no tensorflow-cpu
  sees_gpu "$py" || { echo "[gpu_check] TensorFlow sees no GPU after the install" >&2; exit 1; }
fi
"$py" -c "import tensorflow as tf; print('tensorflow', tf.__version__, 'built with CUDA', tf.test.is_built_with_cuda())"
TF_CPP_MIN_LOG_LEVEL=2 timeout "$run_limit_s" "$py" benchmarks/gpu_check.py --steps "$steps" \
  --out "$out_dir/gpu_check.jsonl"

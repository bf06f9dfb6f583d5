#!/usr/bin/env bash
# The whole competition in one command. With no argument: the built-in synthetic dataset and
# configs/demo.yaml on this machine. .venv gets the TensorFlow build of the machine (CUDA when nvidia-smi
# lists a GPU, TPU on a TPU VM, else CPU; STEELDEFECT_ACCELERATOR=cpu|cuda|tpu overrides); `doctor` says
# where the models will run before anything trains. Each stage is one `steeldefect` subcommand; every
# stage resumes or skips finished work, so rerunning after an interruption continues where it stopped.
#
#   ./run_all.sh                                   # synthetic data, demo config, output in runs/demo
#   ./run_all.sh --data /path/to/severstal --config configs/full.yaml --out runs/full
#   ./run_all.sh --data data/line3 --out runs/line3  # your own images, after `steeldefect import`
#   ./run_all.sh --pseudo-rounds 1                 # then train again with pseudo-labelled test images
#   ./run_all.sh --help
set -euo pipefail
cd "$(dirname "$0")"

usage() {
  sed -n '2,12p' "$0" | sed 's/^# \{0,1\}//'
  cat <<'TXT'

options:
  --data DIR       a dataset folder instead of the synthetic one: Kaggle's (train.csv, train_images/,
                   test_images/, sample_submission.csv) or one written by `steeldefect import` (also
                   dataset.yaml: its classes and image sizes; test_images/ and sample_submission.csv
                   when imported with --test). It needs train.csv and train_images/; without
                   test_images/ the run stops after tune and report (no predict, validate, summary);
                   the test predictions are scored only when it holds test_labels.csv.
                   Default: generate the synthetic dataset into OUT/data
  --train-data DIR where training reads from, e.g. TFRecords written by `steeldefect tfrecords`,
                   local or gs:// (default: the --data folder)
  --config FILE    training config (default configs/demo.yaml)
  --out DIR        output folder (default runs/demo)
  --train N --test M --seed S   size and seed of the synthetic dataset (default 1440, 1500, 0; class 2,
                   the rarest, is on about 2% of the images: 1,500 give steadier per-class figures)
  --contrast C     defect contrast of the synthetic dataset (default 3: a Lite0 demo trained on a CPU
                   in minutes finds every class at 3, not class 2 at 2 or 1; 1 is the look
                   calibrated on real strips; docs/SYNTHETIC.md has the three runs)
  --pseudo-rounds N  after the first round, N more: pseudo-label the test images the last ensemble is
                   sure of (`steeldefect pseudo-label`), train a new runs folder OUT/round<k> with them
                   mixed into every batch (data.pseudo_share), tune, predict (default 0); each round
                   costs about as much as the first
  --parallel N     train up to N runs at once on Ray, one GPU each (or a share of the CPU cores);
                   failed runs are retried once (default: one after another)
  --ray-address A  send those runs to an existing Ray cluster (default: a local one)
  --dry-run        print the stages' commands and stop: installs, runs and writes nothing
TXT
}

data="" train_data="" config="configs/demo.yaml" out="runs/demo" n_train=1440 n_test=1500 seed=0 contrast=3
pseudo_rounds=0 dry_run=0
parallel=()
while [ $# -gt 0 ]; do
  case "$1" in
    --data) data="$2"; shift 2 ;;
    --train-data) train_data="$2"; shift 2 ;;
    --config) config="$2"; shift 2 ;;
    --out) out="$2"; shift 2 ;;
    --train) n_train="$2"; shift 2 ;;
    --test) n_test="$2"; shift 2 ;;
    --seed) seed="$2"; shift 2 ;;
    --contrast) contrast="$2"; shift 2 ;;
    --pseudo-rounds) pseudo_rounds="$2"; shift 2 ;;
    --parallel) parallel+=(--parallel "$2"); shift 2 ;;
    --ray-address) parallel+=(--ray-address "$2"); shift 2 ;;
    --dry-run) dry_run=1; shift ;;
    -h|--help) usage; exit 0 ;;
    *) echo "run_all.sh: unknown argument '$1' (see ./run_all.sh --help)" >&2; exit 2 ;;
  esac
done

fail() { echo "run_all.sh: $*" >&2; exit 2; }
case "$pseudo_rounds" in ''|*[!0-9]*) fail "--pseudo-rounds needs a whole number" ;; esac
if [ -n "$data" ]; then
  [ -d "$data" ] || fail "--data $data: no such folder"
  for need in train.csv train_images/; do
    [ -e "$data/$need" ] || fail "--data $data has no $need (a dataset folder holds train.csv and" \
      "train_images/); make one from your labels with \`steeldefect import\` (README: \"Train on your own line's images\")"
  done
  [ "$pseudo_rounds" = 0 ] || [ -d "$data/test_images" ] || fail "--pseudo-rounds needs test images;" \
    "$data has no test_images/ (\`steeldefect import ... --test DIR\` adds them)"
fi
timing="$out/stage_times.tsv"
if [ "$dry_run" = 1 ]; then
  stage() { shift; echo "$*"; }  # stage NAME CMD...: print the command only
  finish() { echo "$*"; }
else
  source scripts/ensure_env.sh
  export TF_CPP_MIN_LOG_LEVEL="${TF_CPP_MIN_LOG_LEVEL:-2}"
  mkdir -p "$out"
  : > "$timing.new"
  stage() {  # stage NAME CMD...: run one stage, time it, stop the job on failure
    local name="$1"; shift
    echo "== [$name] $*" >&2
    local t0=$SECONDS
    "$@"
    echo -e "$name\t$((SECONDS - t0))" >> "$timing.new"
  }
  finish() { "$@"; }  # finish CMD...: a closing command, untimed
fi

own_data=1  # 0: the synthetic dataset, made below with its test images, sample and test labels
if [ -z "$data" ]; then
  data="$out/data" own_data=0
  stage synth steeldefect synth --out "$data" --train "$n_train" --test "$n_test" --seed "$seed" \
    --contrast "$contrast" --workers "$(nproc 2>/dev/null || echo 1)"
fi
train_data="${train_data:-$data}"
stage doctor steeldefect doctor --config "$config" --data "$train_data"
stage eda steeldefect eda --data "$data" --out "$out/eda"
stage folds steeldefect folds --data "$data" --config "$config" --out "$out/folds.csv"
stage train_classifiers steeldefect train classifier --config "$config" --data "$train_data" --out "$out" \
  ${parallel[@]+"${parallel[@]}"}
stage train_segmenters steeldefect train segmenter --config "$config" --data "$train_data" --out "$out" \
  ${parallel[@]+"${parallel[@]}"}
stage tune steeldefect tune --runs "$out" --data "$data" --out "$out/thresholds.yaml"
if [ "$own_data" = 1 ] && [ ! -d "$data/test_images" ]; then  # imported without --test: nothing to predict
  stage report steeldefect report --runs "$out" --data "$data" --thresholds "$out/thresholds.yaml" --out "$out/report"
  finish mv "$timing.new" "$timing"
  echo "run_all.sh: $data has no test_images/, so nothing was predicted (\`steeldefect import ... --test DIR\`" \
    "adds them); the tuned thresholds are in $out/thresholds.yaml, the OOF report in $out/report" >&2
  exit 0
fi
sample=()  # Kaggle's folders and imports with --test have one: the submission follows its rows
if [ "$own_data" = 0 ] || [ -f "$data/sample_submission.csv" ]; then sample=(--sample "$data/sample_submission.csv"); fi
stage predict steeldefect predict --runs "$out" --images "$data/test_images" \
  ${sample[@]+"${sample[@]}"} --thresholds "$out/thresholds.yaml" --out "$out/submission.csv"
if [ ${#sample[@]} -gt 0 ]; then
  stage validate steeldefect validate "$out/submission.csv" "${sample[@]}" --data "$data"
fi
stage report steeldefect report --runs "$out" --data "$data" --thresholds "$out/thresholds.yaml" \
  --pred "$out/submission.csv" --out "$out/report"
prev="$out"
for round in $(seq 1 "$pseudo_rounds"); do
  rdir="$out/round$round"
  finish mkdir -p "$rdir"
  finish cp "$out/folds.csv" "$rdir/folds.csv"  # the same folds: OOF and tuning stay comparable
  truth=()
  [ -f "$data/test_labels.csv" ] && truth=(--truth "$data/test_labels.csv")
  stage "pseudo_label_$round" steeldefect pseudo-label --runs "$prev" --images "$data/test_images" \
    --thresholds "$prev/thresholds.yaml" --out "$rdir/pseudo_labels.csv" ${truth[@]+"${truth[@]}"}
  pseudo=(--pseudo-labels "$rdir/pseudo_labels.csv" --pseudo-images "$data/test_images")
  stage "train_classifiers_$round" steeldefect train classifier --config "$config" --data "$train_data" \
    --out "$rdir" "${pseudo[@]}" ${parallel[@]+"${parallel[@]}"}
  stage "train_segmenters_$round" steeldefect train segmenter --config "$config" --data "$train_data" \
    --out "$rdir" "${pseudo[@]}" ${parallel[@]+"${parallel[@]}"}
  stage "tune_$round" steeldefect tune --runs "$rdir" --data "$data" --out "$rdir/thresholds.yaml"
  stage "predict_$round" steeldefect predict --runs "$rdir" --images "$data/test_images" \
    ${sample[@]+"${sample[@]}"} --thresholds "$rdir/thresholds.yaml" --out "$rdir/submission.csv"
  if [ ${#sample[@]} -gt 0 ]; then
    stage "validate_$round" steeldefect validate "$rdir/submission.csv" "${sample[@]}" --data "$data"
  fi
  prev="$rdir"
done
finish mv "$timing.new" "$timing"
# summary scores the submission when the data folder holds test_labels.csv (synthetic data does)
finish steeldefect summary --out "$out" --data "$data" --thresholds "$out/thresholds.yaml"
for round in $(seq 1 "$pseudo_rounds"); do
  echo "== round $round (pseudo labels)"
  finish steeldefect summary --out "$out/round$round" --data "$data" --thresholds "$out/round$round/thresholds.yaml"
done

"""`steeldefect train`: train one classifier or segmenter on one fold, resumably."""

from __future__ import annotations

from steeldefect.cli.registry import arguments, command

KINDS = ("classifier", "segmenter")
STRATEGIES = ("auto", "tpu", "mirrored", "default")


def _add(p):
    p.add_argument("kind", choices=KINDS, help="which model to train")
    p.add_argument("--config", required=True, help="experiment YAML, e.g. configs/demo.yaml")
    p.add_argument("--fold", type=int, required=True, help="validation fold; the others train")
    p.add_argument("--data", required=True,
                   help="dataset folder (train.csv + train_images/) or TFRecords folder, local or gs://")
    p.add_argument("--out", required=True, help="runs folder; the run goes to OUT/<kind>/<backbone>/fold<K>")
    p.add_argument("--backbone", help="backbone to train (default: the first of the config's list)")
    p.add_argument("--strategy", choices=STRATEGIES, help="override runtime.strategy of the config")
    p.add_argument("--mixed-precision", choices=("auto", "on", "off"), help="override runtime.mixed_precision")


@command("train", help="train a classifier or segmenter on one fold (resumable)",
         description="Train one model on one fold of RUNS/folds.csv (made from the config's folds.k and "
                     "folds.seed if missing). Keeps the best epoch by validation AUC (classifier) or "
                     "competition Dice (segmenter) and writes out-of-fold predictions. Killed runs "
                     "resume from their last completed epoch; finished runs (DONE) are skipped.",
         epilog="examples:\n"
                "  steeldefect train classifier --config configs/demo.yaml --fold 0 --data data/synth --out runs\n"
                "  steeldefect train segmenter --config configs/full.yaml --fold 3 --backbone efficientnetb4 \\\n"
                "      --data gs://bucket/severstal-tfrecords --out runs --strategy tpu")
@arguments(_add)
def run(args) -> int:
    from dataclasses import replace

    from steeldefect.config import load_config
    from steeldefect.training import train

    config = load_config(args.config)
    runtime = config.runtime
    if args.strategy:
        runtime = replace(runtime, strategy=args.strategy)
    if args.mixed_precision:
        runtime = replace(runtime, mixed_precision=args.mixed_precision)
    run_dir = train(args.kind, replace(config, runtime=runtime), args.fold, args.data, args.out,
                    backbone=args.backbone)
    print(f"{args.kind} fold {args.fold} -> {run_dir}")
    return 0

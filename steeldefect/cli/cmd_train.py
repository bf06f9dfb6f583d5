"""`steeldefect train`: train one classifier or segmenter on one fold, resumably."""

from __future__ import annotations

from pathlib import Path

from steeldefect.cli.commands import arguments, command
from steeldefect.cli.options import PRECISION_CHOICES, STRATEGY_CHOICES, add_set_option, path_or_none
from steeldefect.artifacts.run_folder import DONE_FILE, FOLDS_FILE, KINDS
from steeldefect.stages.train_stage import TrainArgs, train


def _add(p):
    p.add_argument("kind", choices=KINDS, help="which model to train")
    p.add_argument("--config", required=True, metavar="FILE", help="experiment YAML, e.g. configs/demo.yaml")
    add_set_option(p)
    p.add_argument("--fold", default="all",
                   help="validation fold (the others train), or 'all' for every fold of the config's "
                        "folds.run (default all)")
    p.add_argument("--data", required=True, metavar="DIR",
                   help="dataset folder (train.csv + train_images/) or TFRecords folder, local or gs://")
    p.add_argument("--out", required=True, metavar="DIR",
                   help="runs folder; the run goes to OUT/<kind>/<backbone>/fold<K>")
    p.add_argument("--backbone", default="all",
                   help="backbone to train, or 'all' for every backbone of the config's list (default all)")
    _add_pseudo_and_runtime(p)


def _add_pseudo_and_runtime(p):
    p.add_argument("--pseudo-labels", default=None, metavar="FILE",
                   help="pseudo labels of `steeldefect pseudo-label` mixed into training (sets data.pseudo_labels)")
    p.add_argument("--pseudo-images", default=None, metavar="DIR",
                   help="the folder of the pseudo-labelled images (sets data.pseudo_images)")
    p.add_argument("--strategy", choices=STRATEGY_CHOICES, help="override runtime.strategy of the config")
    p.add_argument("--mixed-precision", choices=PRECISION_CHOICES, help="override runtime.mixed_precision")
    p.add_argument("--parallel", type=int, default=None, metavar="N",
                   help="train up to N runs at once on Ray, each (backbone, fold) one task holding one GPU, or "
                        "1/N of the CPUs without GPUs; a failed run is retried once (default: one after another)")
    p.add_argument("--yes", action="store_true",
                   help="do not ask before a long training on a CPU (also STEELDEFECT_YES=1; a run without a "
                        "terminal never asks, it only warns)")
    p.add_argument("--ray-address", default=None, metavar="ADDR",
                   help="an existing Ray cluster (e.g. auto, or ray://head:10001) for --parallel; its workers need "
                        "steeldefect installed and --data and --out at the same paths (default: a local Ray)")


@command("train",
         description=f"Train one model per (backbone, fold) on RUNS/{FOLDS_FILE} (made from the config's folds.k and "
                     "folds.seed if missing). Keeps the best epoch by validation AUC (classifier) or "
                     "competition Dice (segmenter) and writes out-of-fold predictions. Killed runs "
                     f"resume from their last completed epoch; finished runs ({DONE_FILE}) are skipped.",
         epilog="examples:\n"
                "  steeldefect train classifier --config configs/demo.yaml --data data/synth --out runs  # all\n"
                "  steeldefect train classifier --config configs/demo.yaml --fold 0 --data data/synth --out runs\n"
                "  steeldefect train segmenter --config configs/full.yaml --fold 3 --backbone efficientnetb4 \\\n"
                "      --data gs://bucket/severstal-tfrecords --out runs --strategy tpu\n"
                "  steeldefect train segmenter --config configs/full.yaml --data data --out /mnt/runs --parallel 8 \\\n"
                "      --ray-address auto   # 30 runs, 8 at a time, one GPU each, on a Ray cluster")
@arguments(_add)
def run(args) -> int:
    result = train(TrainArgs(
        kind=args.kind, config=Path(args.config), data=args.data, out=args.out, overrides=tuple(args.set),
        fold=args.fold, backbone=args.backbone, pseudo_labels=path_or_none(args.pseudo_labels),
        pseudo_images=path_or_none(args.pseudo_images), strategy=args.strategy, mixed_precision=args.mixed_precision,
        parallel=args.parallel, yes=args.yes, ray_address=args.ray_address))
    if result.summary:  # on Ray: each run's outcome
        print("\n".join(result.summary))
    return 0

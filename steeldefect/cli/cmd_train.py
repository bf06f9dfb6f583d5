"""`steeldefect train`: train one classifier or segmenter on one fold, resumably."""

from __future__ import annotations

from steeldefect.cli.commands import arguments, command
from steeldefect.cli.options import PRECISION_CHOICES, STRATEGY_CHOICES, add_set_option
from steeldefect.runfolder import DONE_FILE, FOLDS_FILE, KINDS


def _add(p):
    p.add_argument("kind", choices=KINDS, help="which model to train")
    p.add_argument("--config", required=True, help="experiment YAML, e.g. configs/demo.yaml")
    add_set_option(p)
    p.add_argument("--fold", default="all",
                   help="validation fold (the others train), or 'all' for every fold of the config's "
                        "folds.run (default all)")
    p.add_argument("--data", required=True,
                   help="dataset folder (train.csv + train_images/) or TFRecords folder, local or gs://")
    p.add_argument("--out", required=True, help="runs folder; the run goes to OUT/<kind>/<backbone>/fold<K>")
    p.add_argument("--backbone", default="all",
                   help="backbone to train, or 'all' for every backbone of the config's list (default all)")
    p.add_argument("--pseudo-labels", default=None, metavar="CSV",
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


@command("train", help="train classifiers or segmenters per fold and backbone (resumable)",
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
    from dataclasses import replace

    from steeldefect.config import load_config
    from steeldefect.training import train
    from steeldefect.training.plan import planned_runs

    config = load_config(args.config, overrides=args.set)
    runtime = config.runtime
    if args.strategy:
        runtime = replace(runtime, strategy=args.strategy)
    if args.mixed_precision:
        runtime = replace(runtime, mixed_precision=args.mixed_precision)
    config = replace(config, runtime=runtime)
    if args.pseudo_labels or args.pseudo_images:
        from steeldefect.config import validate

        data = replace(config.data, pseudo_labels=args.pseudo_labels or config.data.pseudo_labels,
                       pseudo_images=args.pseudo_images or config.data.pseudo_images)
        config = validate(replace(config, data=data), "--pseudo-labels/--pseudo-images")
    _check_cpu_time(args, config, planned_runs(config, args.kind, args.fold, args.backbone))
    if args.parallel is not None or args.ray_address:
        return _run_parallel(args, config)
    plan = planned_runs(config, args.kind, args.fold, args.backbone)
    for i, (backbone, fold) in enumerate(plan, start=1):
        print(f"== {args.kind} {backbone} fold {fold} ({i}/{len(plan)})", flush=True)
        run_dir = train(args.kind, config, fold, args.data, args.out, backbone=backbone,
                        validated=True)  # load_config validated it
        print(f"{args.kind} {backbone} fold {fold} -> {run_dir}", flush=True)
    return 0


def _n_images(data: str) -> int:
    """Labelled images of the training data (a dataset or TFRecords folder)."""
    from steeldefect.pipeline.image_sources import open_source

    return len(open_source(str(data)).table)


def _check_cpu_time(args, config, plan) -> None:
    """On a machine without a GPU or TPU, warn when the runs still to train would take hours (the
    estimate of ``scale.train_time``); at a terminal, ask before going on unless --yes."""
    import os
    import sys

    from steeldefect.devices import tensorflow_devices
    from steeldefect.errors import SteelDefectError
    from steeldefect.runfolder import member_name, run_dir_of
    from steeldefect.scale.train_time import cpu_warning, estimate_training
    from steeldefect.training.device import tpu_hinted

    variant = config.model(args.kind).variant
    todo = [(args.kind, b) for b, f in plan
            if not (run_dir_of(args.out, args.kind, member_name(b, variant), f) / DONE_FILE).is_file()]
    if not todo or tpu_hinted() or not all(d.startswith("CPU") for d in tensorflow_devices()):
        return
    warning = cpu_warning(estimate_training(config, _n_images(args.data), todo), config.name)
    if warning is None:
        return
    print(warning, file=sys.stderr, flush=True)
    if args.yes or os.environ.get("STEELDEFECT_YES") or not sys.stdin.isatty():
        return
    answer = input("train on this CPU anyway? [y/N] ").strip().lower()
    if answer not in ("y", "yes"):
        raise SteelDefectError("stopped before training on the CPU (answer y, or pass --yes, to go on)")


def _run_parallel(args, config) -> int:
    from steeldefect.errors import SteelDefectError
    from steeldefect.training.parallel import plan_tasks, summary_lines, train_parallel

    if args.parallel is None:
        raise SteelDefectError("--ray-address needs --parallel N (how many runs at once)")
    tasks = plan_tasks(config, (args.kind,), args.fold, args.backbone)
    print(f"== {len(tasks)} {args.kind} runs, up to {args.parallel} at once on Ray", flush=True)
    outcomes = train_parallel(tasks, config, args.data, args.out, args.parallel, args.ray_address,
                              report=lambda line: print(line, flush=True))
    print("\n".join(summary_lines(outcomes)), flush=True)
    failed = [o.task.name for o in outcomes if o.status == "failed"]
    if failed:
        raise SteelDefectError(f"{len(failed)} run(s) failed twice: {', '.join(failed)}; rerun the same command to "
                               "retry them (finished runs are skipped)")
    return 0

"""Stage `train`: train classifiers or segmenters per (backbone, fold), resumably, one after another or on Ray."""

from __future__ import annotations

import logging
import os
import sys
from dataclasses import dataclass, replace
from pathlib import Path

from steeldefect.config import Config, load_config, validate
from steeldefect.devices import tensorflow_devices, tpu_hinted
from steeldefect.errors import SteelDefectError
from steeldefect.artifacts.run_folder import is_done, member_name, run_dir_of
from steeldefect.scale.train_time import cpu_warning, estimate_training
from steeldefect import training
from steeldefect.pipeline.image_sources import open_source
from steeldefect.training.parallel import plan_tasks, summary_lines, train_parallel
from steeldefect.training.plan import planned_runs

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class TrainArgs:
    kind: str  # classifier or segmenter
    config: Path  # experiment YAML
    data: str  # dataset or TFRecords folder, local or gs:// (a str: Path would fold gs:// to gs:/)
    out: str  # runs folder, local or gs://
    overrides: tuple[str, ...] = ()  # --set KEY.PATH=VALUE
    fold: str = "all"  # a validation fold, or all of the config's folds.run
    backbone: str = "all"  # a backbone, or all of the config's
    pseudo_labels: Path | None = None  # sets data.pseudo_labels
    pseudo_images: Path | None = None  # sets data.pseudo_images
    strategy: str | None = None  # overrides runtime.strategy
    mixed_precision: str | None = None  # overrides runtime.mixed_precision
    parallel: int | None = None  # runs at once on Ray (None: one after another)
    yes: bool = False  # never ask before a long training on a CPU
    ray_address: str | None = None  # an existing Ray cluster


@dataclass(frozen=True)
class TrainResult:
    run_dirs: tuple[Path, ...]  # the runs trained one after another (empty on Ray)
    summary: tuple[str, ...]  # Ray's outcome per run (empty without --parallel)


def resolved_config(args: TrainArgs) -> Config:
    """The config of ``args`` with its overrides, runtime flags and pseudo labels applied, validated."""
    config = load_config(args.config, overrides=list(args.overrides))
    runtime = replace(config.runtime, strategy=args.strategy or config.runtime.strategy,
                      mixed_precision=args.mixed_precision or config.runtime.mixed_precision)
    config = replace(config, runtime=runtime)
    if args.pseudo_labels or args.pseudo_images:
        data = replace(config.data,
                       pseudo_labels=str(args.pseudo_labels) if args.pseudo_labels else config.data.pseudo_labels,
                       pseudo_images=str(args.pseudo_images) if args.pseudo_images else config.data.pseudo_images)
        config = validate(replace(config, data=data), "--pseudo-labels/--pseudo-images")
    return config


def n_images(data: str) -> int:
    """Labelled images of the training data (a dataset or TFRecords folder)."""
    return len(open_source(str(data)).table)


def check_cpu_time(args: TrainArgs, config: Config, plan) -> None:
    """On a machine without a GPU or TPU, warn when the runs still to train would take hours (the
    estimate of ``scale.train_time``); at a terminal, ask before going on unless ``args.yes``."""
    variant = config.model(args.kind).variant
    todo = [(args.kind, b) for b, f in plan
            if not is_done(run_dir_of(args.out, args.kind, member_name(b, variant), f))]
    if not todo or tpu_hinted() or not all(d.startswith("CPU") for d in tensorflow_devices()):
        return
    warning = cpu_warning(estimate_training(config, n_images(args.data), todo), config.name)
    if warning is None:
        return
    log.warning(warning)
    if args.yes or os.environ.get("STEELDEFECT_YES") or not sys.stdin.isatty():
        return
    answer = input("train on this CPU anyway? [y/N] ").strip().lower()
    if answer not in ("y", "yes"):
        raise SteelDefectError("stopped before training on the CPU (answer y, or pass --yes, to go on)")


def _progress_line(line: str) -> None:
    """A run's start, end or retry on Ray: progress on stdout, like a progress bar."""
    print(line, flush=True)


def _train_parallel(args: TrainArgs, config: Config) -> TrainResult:
    if args.parallel is None:
        raise SteelDefectError("--ray-address needs --parallel N (how many runs at once)")
    tasks = plan_tasks(config, (args.kind,), args.fold, args.backbone)
    log.info(f"== {len(tasks)} {args.kind} runs, up to {args.parallel} at once on Ray")
    outcomes = train_parallel(tasks, config, args.data, args.out, args.parallel, args.ray_address,
                              report=_progress_line)
    failed = [o.task.name for o in outcomes if o.status == "failed"]
    if failed:
        log.error("\n".join(summary_lines(outcomes)))
        raise SteelDefectError(f"{len(failed)} run(s) failed twice: {', '.join(failed)}; rerun the same command to "
                               "retry them (finished runs are skipped)")
    return TrainResult((), tuple(summary_lines(outcomes)))


def train(args: TrainArgs) -> TrainResult:
    """Train every planned (backbone, fold) of ``args.kind``; finished runs are skipped, killed ones resume."""
    config = resolved_config(args)
    plan = planned_runs(config, args.kind, args.fold, args.backbone)
    check_cpu_time(args, config, plan)
    if args.parallel is not None or args.ray_address:
        return _train_parallel(args, config)
    run_dirs = []
    for i, (backbone, fold) in enumerate(plan, start=1):
        log.info(f"== {args.kind} {backbone} fold {fold} ({i}/{len(plan)})")
        run_dir = training.train(args.kind, config, fold, args.data, args.out, backbone=backbone,
                                 validated=True)  # load_config validated it
        log.info(f"{args.kind} {backbone} fold {fold} -> {run_dir}")
        run_dirs.append(run_dir)
    return TrainResult(tuple(run_dirs), ())

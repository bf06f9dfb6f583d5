"""Train one model of one kind on one fold, resumably, into its run folder.

The run folder (``artifacts.run_folder``) receives config.yaml, meta.json, history.csv, logs/ (TensorBoard),
model.keras (best epoch), oof.npz and finally DONE. A folder with DONE is skipped; a folder with
state.json continues from its last completed epoch. This module decides what to train (config,
folds, ids) and writes the folder's records; ``loop`` does the TensorFlow side.
"""

from __future__ import annotations

import logging
import sys
from dataclasses import replace
from pathlib import Path

from steeldefect.config import Config, load_config, save_config, validate
from steeldefect.config.dataset_fit import fit_to_dataset
from steeldefect.config.loader import parse_config
from steeldefect.devices import DeviceReport, record_stage
from steeldefect.errors import SteelDefectError
from steeldefect.artifacts.run_folder import (CONFIG_FILE, DONE_FILE, check_kind, folds_path, is_done, mark_done,
                                              member_name, run_dir_of)
from steeldefect.artifacts.run_meta import write_meta
from steeldefect.data.labels import read_labels
from steeldefect.folds import ensure_folds, split_fold
from steeldefect.pipeline.image_sources import open_source
from steeldefect.training.buildable import check_buildable

log = logging.getLogger(__name__)


def resolve(config: Config, kind: str, backbone: str | None) -> tuple[Config, str]:
    """The config as this run uses it: the model's backbone list narrowed to the chosen one."""
    model = config.model(kind)
    backbone = backbone or model.backbones[0]
    config = replace(config, **{kind: replace(model, backbones=(backbone,))})
    return config, backbone


def _check_same_config(run_dir: Path, config: Config) -> None:
    """A resumed run must use the config it started with (the runtime section may differ)."""
    path = run_dir / CONFIG_FILE
    if not path.is_file():
        return
    before = parse_config(path.read_text(), str(path), check=False)
    if replace(before, runtime=config.runtime) != config:
        raise SteelDefectError(f"{run_dir} was started with a different config ({path}); rerun with that "
                               "config, or delete the folder to start over")


def _fit(config: Config, n_classes: int, source: str) -> Config:
    """The config fitted to the dataset's class count (each change logged) and validated against it."""
    config, notes = fit_to_dataset(config, n_classes, source)
    for note in notes:
        log.warning(note)
    return validate(config, source, n_classes=n_classes)


def train(kind: str, config: Config | str | Path, fold: int, data_dir: str | Path, runs_dir: str | Path,
          backbone: str | None = None, verbose: int | None = None, validated: bool = False) -> Path:
    """Train ``kind`` ("classifier" or "segmenter") on fold ``fold``; return the run folder.

    ``config`` is a YAML path (loaded and validated) or a Config, validated here unless
    ``validated`` says the caller did (``load_config`` does). ``data_dir`` is a Kaggle-layout
    dataset folder or a TFRecords folder (local or gs://). RUNS/folds.csv is read, or made from the
    config's folds.k and folds.seed. Skips a finished run; resumes an interrupted one.
    """
    check_kind(kind)
    config_source = "config" if isinstance(config, Config) else str(config)
    if not isinstance(config, Config):
        config = load_config(config)
    elif not validated:
        validate(config, config_source)
    config, backbone = resolve(config, kind, backbone)
    runs_dir = Path(runs_dir)
    member = member_name(backbone, config.model(kind).variant)
    run_dir = run_dir_of(runs_dir, kind, member, fold)
    if is_done(run_dir):
        print(f"{run_dir}: already done, skipping (delete {DONE_FILE} to train again)", flush=True)
        return run_dir
    check_buildable(config, config_source)  # backbone names (--backbone too) and augmentation params, before any write
    if not 0 <= fold < config.folds.k:
        raise SteelDefectError(f"--fold {fold} does not exist with folds.k={config.folds.k}; "
                               f"use 0..{config.folds.k - 1}")
    source = open_source(str(data_dir))
    config = _fit(config, source.spec.n_classes, config_source)
    _check_same_config(run_dir, config)
    folds = ensure_folds(folds_path(runs_dir), source.table, config.folds.k, config.folds.seed)
    train_ids, val_ids = split_fold(folds, fold)
    pseudo_ids = []
    if config.data.pseudo_labels:  # added to training only: the folds and OOF stay those of the real labels
        pseudo = read_labels(config.data.pseudo_labels, n_classes=source.spec.n_classes)
        source = source.with_pseudo(pseudo, config.data.pseudo_images)
        pseudo_ids = pseudo["ImageId"].tolist()
    from steeldefect.training.loop import FitJob, fit_and_predict  # heavy: Keras and TensorFlow

    run_dir.mkdir(parents=True, exist_ok=True)
    save_config(config, run_dir / CONFIG_FILE)
    job = FitJob(kind, config, backbone, source, train_ids, val_ids, run_dir,
                 verbose if verbose is not None else (1 if sys.stdout.isatty() else 2), tuple(pseudo_ids))
    meta = replace(fit_and_predict(job), member=member, fold=fold, class_names=source.spec.class_names)
    write_meta(run_dir, meta)
    record_stage(runs_dir, f"train {kind}", DeviceReport.from_meta(meta))
    mark_done(run_dir)
    return run_dir

"""Train one model of one kind on one fold, resumably, into its run folder.

RUNS/<kind>/<backbone>/fold<k>/ receives config.yaml, meta.json, history.csv, logs/ (TensorBoard),
model.keras (best epoch), oof.npz and finally DONE. A folder with DONE is skipped; a folder with
state.json continues from its last completed epoch.
"""

from __future__ import annotations

import json
import sys
import time
from dataclasses import replace
from pathlib import Path

from steeldefect.config import Config, load_config, save_config, validate
from steeldefect.config.loader import parse_config
from steeldefect.data.io import atomic_write
from steeldefect.errors import SteelDefectError

DONE = "DONE"  # written last; its presence means the run is complete
CONFIG_FILE = "config.yaml"  # the resolved config of the run
META_FILE = "meta.json"
FOLDS_FILE = "folds.csv"  # RUNS/folds.csv, shared by every run
LOG_DIR = "logs"  # TensorBoard event files


def run_dir_of(runs_dir: str | Path, kind: str, backbone: str, fold: int) -> Path:
    """RUNS/<kind>/<backbone>/fold<k>."""
    return Path(runs_dir) / kind / backbone / f"fold{fold}"


def resolve(config: Config, kind: str, backbone: str | None) -> tuple[Config, str]:
    """The config as this run uses it: the model's backbone list narrowed to the chosen one."""
    model = config.model(kind)
    backbone = backbone or model.backbones[0]
    config = replace(config, **{kind: replace(model, backbones=(backbone,))})
    return config, backbone


def ensure_folds(runs_dir: Path, table, config: Config):
    """Read RUNS/folds.csv, creating it from the config's k and seed when missing; check it fits."""
    from steeldefect.folds import make_folds, read_folds, write_folds

    path = runs_dir / FOLDS_FILE
    if not path.is_file():
        write_folds(make_folds(table, config.folds.k, config.folds.seed), path)
    folds = read_folds(path)
    k = int(folds["fold"].max()) + 1
    if k != config.folds.k:
        raise SteelDefectError(f"{path} has {k} folds but the config says folds.k={config.folds.k}; "
                               "use a runs folder made with this config or delete folds.csv")
    return folds


def _check_same_config(run_dir: Path, config: Config) -> None:
    """A resumed run must use the config it started with (the runtime section may differ)."""
    path = run_dir / CONFIG_FILE
    if not path.is_file():
        return
    before = parse_config(path.read_text(), str(path), check=False)
    if replace(before, runtime=config.runtime) != config:
        raise SteelDefectError(f"{run_dir} was started with a different config ({path}); rerun with that "
                               "config, or delete the folder to start over")


def _write_json(path: Path, data: dict) -> None:
    with atomic_write(path) as tmp:
        tmp.write_text(json.dumps(data, indent=1, default=str))


def train(kind: str, config: Config | str | Path, fold: int, data_dir: str | Path, runs_dir: str | Path,
          backbone: str | None = None, verbose: int | None = None) -> Path:
    """Train ``kind`` ("classifier" or "segmenter") on fold ``fold``; return the run folder.

    ``data_dir`` is a Kaggle-layout dataset folder or a TFRecords folder (local or gs://).
    Skips a finished run; resumes an interrupted one.
    """
    if not isinstance(config, Config):
        config = load_config(config)
    else:
        validate(config)
    config, backbone = resolve(config, kind, backbone)
    validate(config)
    runs_dir = Path(runs_dir)
    run_dir = run_dir_of(runs_dir, kind, backbone, fold)
    if (run_dir / DONE).is_file():
        print(f"{run_dir}: already done, skipping (delete {DONE} to train again)", flush=True)
        return run_dir
    if not 0 <= fold < config.folds.k:
        raise SteelDefectError(f"--fold {fold} does not exist with folds.k={config.folds.k}; "
                               f"use 0..{config.folds.k - 1}")
    _check_same_config(run_dir, config)
    from steeldefect.training.loop import fit_and_predict

    run_dir.mkdir(parents=True, exist_ok=True)
    save_config(config, run_dir / CONFIG_FILE)
    meta = fit_and_predict(kind, config, fold, str(data_dir), runs_dir, run_dir, backbone,
                           verbose if verbose is not None else (1 if sys.stdout.isatty() else 2))
    _write_json(run_dir / META_FILE, meta)
    with atomic_write(run_dir / DONE) as tmp:
        tmp.write_text(time.strftime("%Y-%m-%dT%H:%M:%S%z\n"))
    return run_dir

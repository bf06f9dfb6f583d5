"""The run-folder contract: what training writes and what every later stage reads, in one place.

::

    RUNS/
      folds.csv                        the folds every run of RUNS shares (ImageId, fold)
      <kind>/<member>/fold<k>/         one run; kind is classifier or segmenter, member the backbone
                                       (or <backbone>-<variant> for a second recipe of it)
        config.yaml                    the resolved config of the run
        meta.json                      versions, seed, fold, backbone, input_size, figures, and where it
                                       trained: devices, strategy, precision (``run_meta``)
        history.csv, logs/             one row per epoch; TensorBoard events
        state.json, ckpt-<epoch>.keras while training: the resumable state and its checkpoint
        weights-<epoch>.weights.h5     while training with weight averaging: the epochs it may average
        model.keras                    the best epoch's model
        oof.npz                        out-of-fold predictions: image_ids and probs (``oof``)
        oof_<view>.npz                 the same under a TTA view (hflip, vflip), made on demand by
                                       `select` / `tune --ensemble` (steeldefect.tuning.view_oof)
        DONE                           written last: the run is complete

Training writes through this module (and ``run_meta``, ``oof``); tuning, prediction, packaging, the
report and the tests read through them. It imports nothing heavier than numpy.
"""

from __future__ import annotations

import os
import re
import time
from dataclasses import dataclass
from pathlib import Path

from steeldefect.artifacts.oof import OOF_FILE
from steeldefect.artifacts.run_meta import META_FILE
from steeldefect.data.io import atomic_write, require_dir
from steeldefect.errors import SteelDefectError

KINDS = ("classifier", "segmenter")  # model kinds, also the first folder level of RUNS
FOLDS_FILE = "folds.csv"  # RUNS/folds.csv
CONFIG_FILE = "config.yaml"  # the run's resolved config
HISTORY_FILE = "history.csv"  # one row per epoch: losses, metrics, lr, seconds
LOG_DIR = "logs"  # TensorBoard event files
STATE_FILE = "state.json"  # resumable state, rewritten after each epoch
CHECKPOINT_PATTERN = "ckpt-{:04d}.keras"  # model + optimizer after an epoch
CHECKPOINT_GLOB = "ckpt-*.keras"
WEIGHTS_PATTERN = "weights-{:04d}.weights.h5"  # an epoch's weights, kept while weight averaging may use them
WEIGHTS_GLOB = "weights-*.weights.h5"
MODEL_FILE = "model.keras"  # the best epoch's model
DONE_FILE = "DONE"  # written last by training: the run is complete
PREDICTION_FILES = (MODEL_FILE, META_FILE, CONFIG_FILE, DONE_FILE)  # what a run needs at prediction time

_FOLD_DIR = re.compile(r"^fold(\d+)$")


def folds_path(runs_dir: str | os.PathLike) -> Path:
    """RUNS/folds.csv."""
    return Path(runs_dir) / FOLDS_FILE


def member_name(backbone: str, variant: str | None = None) -> str:
    """The ensemble member a run belongs to, its folder under RUNS/<kind>: the backbone, or
    ``<backbone>-<variant>`` for a second recipe of the same backbone (e.g. another decoder)."""
    return f"{backbone}-{variant}" if variant else backbone


def run_dir_of(runs_dir: str | os.PathLike, kind: str, member: str, fold: int) -> Path:
    """RUNS/<kind>/<member>/fold<k> (``member_name``)."""
    return Path(runs_dir) / kind / member / f"fold{fold}"


@dataclass(frozen=True)
class Run:
    """One training run's folder, finished or not."""

    kind: str
    member: str  # the folder under <kind>/: the backbone, or <backbone>-<variant> for a second recipe of it
    fold: int
    path: Path

    @property
    def done(self) -> bool:
        return is_done(self.path)

    @property
    def name(self) -> str:
        """``<kind>/<member>/fold<k>``, the run's path relative to RUNS."""
        return f"{self.kind}/{self.member}/fold{self.fold}"

    @property
    def model_path(self) -> Path:
        return self.path / MODEL_FILE

    @property
    def oof_path(self) -> Path:
        return self.path / OOF_FILE

    @property
    def config_path(self) -> Path:
        return self.path / CONFIG_FILE


def check_kind(kind: str) -> str:
    """``kind`` when it is a model kind; SteelDefectError listing the valid kinds otherwise."""
    if kind not in KINDS:
        raise SteelDefectError(f"unknown model kind {kind!r}; valid kinds are {', '.join(KINDS)}")
    return kind


def find_runs(runs_dir: str | os.PathLike, kind: str, done_only: bool = True) -> list[Run]:
    """The runs of ``kind`` under ``runs_dir``, sorted by backbone then fold (DONE ones only by default)."""
    check_kind(kind)
    root = require_dir(runs_dir, "runs folder") / kind
    runs = []
    if root.is_dir():
        for backbone_dir in sorted(p for p in root.iterdir() if p.is_dir()):
            for fold_dir in backbone_dir.iterdir():
                match = _FOLD_DIR.match(fold_dir.name)
                if match and fold_dir.is_dir():
                    runs.append(Run(kind, backbone_dir.name, int(match.group(1)), fold_dir))
    runs.sort(key=lambda r: (r.member, r.fold))
    return [r for r in runs if r.done] if done_only else runs


def run_from_path(path: str | os.PathLike) -> Run:
    """A run given by its folder ``.../<kind>/<backbone>/fold<k>`` (for an explicit list of runs)."""
    path = require_dir(path, "run folder")
    match = _FOLD_DIR.match(path.name)
    kind = path.parent.parent.name
    if not match or kind not in KINDS:
        raise SteelDefectError(f"{path}: a run folder must be <kind>/<backbone>/fold<k> with kind one of "
                               f"{', '.join(KINDS)}")
    return Run(kind, path.parent.name, int(match.group(1)), path)


def require_done(runs: list[Run]) -> list[Run]:
    """``runs`` when every one has its DONE marker; otherwise the first unfinished one is an error."""
    not_done = [r.name for r in runs if not r.done]
    if not_done:
        raise SteelDefectError(f"run {not_done[0]} has no {DONE_FILE} marker (training did not finish)")
    return runs


def group_by_backbone(runs: list[Run]) -> dict[str, list[Run]]:
    """Runs of one kind grouped by backbone, in order."""
    groups: dict[str, list[Run]] = {}
    for run in runs:
        groups.setdefault(run.member, []).append(run)
    return groups


def is_done(run_dir: str | os.PathLike) -> bool:
    """True when the run folder has its DONE marker."""
    return (Path(run_dir) / DONE_FILE).is_file()


def mark_done(run_dir: Path) -> None:
    """Write DONE (last of all): later stages use the run from now on."""
    with atomic_write(Path(run_dir) / DONE_FILE) as tmp:
        tmp.write_text(time.strftime("%Y-%m-%dT%H:%M:%S%z\n"))

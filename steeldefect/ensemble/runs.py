"""Finding finished training runs: ``RUNS/<kind>/<backbone>/fold<k>/`` holding a ``DONE`` marker."""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from pathlib import Path

from steeldefect.data.io import require_dir
from steeldefect.errors import SteelDefectError

KINDS = ("classifier", "segmenter")  # model kinds, also the first folder level of RUNS
DONE_FILE = "DONE"  # written last by training: the run is complete
MODEL_FILE = "model.keras"  # the best model of a run
OOF_FILE = "oof.npz"  # the run's out-of-fold predictions on its validation fold
CONFIG_FILE = "config.yaml"  # the run's resolved config
META_FILE = "meta.json"  # versions, seed, fold, backbone, input size
FOLDS_FILE = "folds.csv"  # RUNS/folds.csv
_FOLD_DIR = re.compile(r"^fold(\d+)$")


@dataclass(frozen=True)
class Run:
    """One finished (or not) training run."""

    kind: str
    backbone: str
    fold: int
    path: Path

    @property
    def done(self) -> bool:
        return (self.path / DONE_FILE).is_file()

    @property
    def name(self) -> str:
        """``<kind>/<backbone>/fold<k>``, the run's path relative to RUNS."""
        return f"{self.kind}/{self.backbone}/fold{self.fold}"


def find_runs(runs_dir: str | os.PathLike, kind: str, done_only: bool = True) -> list[Run]:
    """The runs of ``kind`` under ``runs_dir``, sorted by backbone then fold (DONE ones only by default)."""
    if kind not in KINDS:
        raise SteelDefectError(f"unknown run kind {kind!r}; valid kinds are {', '.join(KINDS)}")
    root = require_dir(runs_dir, "runs folder") / kind
    runs = []
    if root.is_dir():
        for backbone_dir in sorted(p for p in root.iterdir() if p.is_dir()):
            for fold_dir in backbone_dir.iterdir():
                match = _FOLD_DIR.match(fold_dir.name)
                if match and fold_dir.is_dir():
                    runs.append(Run(kind, backbone_dir.name, int(match.group(1)), fold_dir))
    runs.sort(key=lambda r: (r.backbone, r.fold))
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


def group_by_backbone(runs: list[Run]) -> dict[str, list[Run]]:
    """Runs of one kind grouped by backbone, in order."""
    groups: dict[str, list[Run]] = {}
    for run in runs:
        groups.setdefault(run.backbone, []).append(run)
    return groups

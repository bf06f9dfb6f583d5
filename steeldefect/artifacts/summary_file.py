"""summary.json: run_all.sh's closing figures, written beside the submission by `steeldefect summary`.

::

    {"format_version": 1, "submission": "...", "oof": {...}, "test": {...},
     "stage_seconds": {"train": 120.0, ...}, "total_seconds": 300.0, "devices": {stage: {...}}}

``oof`` (the tuned OOF Dice, from thresholds.yaml) and ``test`` (the Dice on the dataset's test labels
next to the all-empty submission's, and ``test.plant``: per class name, the plant metrics of
``steeldefect.metric.plant`` -- pixel Dice and IoU, mean per-image Dice, image precision, recall and
counts) are left out when their inputs are missing. Files without
``format_version`` (older ones) are version 1.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from steeldefect.artifacts.devices_file import StageDevices
from steeldefect.artifacts.versions import VERSION_KEY, check_version
from steeldefect.data.io import atomic_write, require_file
from steeldefect.errors import SteelDefectError

SUMMARY_FILE = "summary.json"  # written beside the submission
STAGE_TIMES_FILE = "stage_times.tsv"  # name<TAB>seconds per stage, written by run_all.sh
FORMAT_VERSION = 1


@dataclass(frozen=True)
class OofFigures:
    """What tuning recorded of its OOF Dice (thresholds.yaml ``tuned``)."""

    oof_images: int | None = None
    oof_mean_dice: float | None = None
    default_mean_dice: float | None = None
    dice_measured_at: Any = None
    per_class: Any = None

    @classmethod
    def from_tuned(cls, tuned: dict) -> "OofFigures":
        """The figures of a thresholds file's ``tuned`` record (missing ones None)."""
        return cls(**{name: tuned.get(name) for name in cls.__dataclass_fields__})

    def to_dict(self) -> dict:
        return {name: getattr(self, name) for name in self.__dataclass_fields__}


@dataclass(frozen=True)
class HeldOutFigures:
    """The submission's Dice on the test labels, next to the all-empty submission's."""

    dice: float
    all_empty_baseline: float
    gain_over_baseline: float
    per_class: dict
    counts: dict
    n_images: int
    plant: dict | None = None  # {class name: plant metrics} (metric.plant.PlantMetrics.to_dict)

    def to_dict(self) -> dict:
        return {name: getattr(self, name) for name in self.__dataclass_fields__}


@dataclass(frozen=True)
class Summary:
    """The figures of one run_all.sh output folder."""

    submission: str
    oof: OofFigures | None = None
    test: HeldOutFigures | None = None
    stage_seconds: dict[str, float] = field(default_factory=dict)
    total_seconds: float = 0.0
    devices: dict[str, StageDevices] = field(default_factory=dict)  # per model-running stage

    def to_dict(self) -> dict:
        """JSON-ready data in the file's key order, the version first."""
        out: dict[str, Any] = {VERSION_KEY: FORMAT_VERSION, "submission": self.submission}
        if self.oof is not None:
            out["oof"] = self.oof.to_dict()
        if self.test is not None:
            out["test"] = self.test.to_dict()
        return {**out, "stage_seconds": dict(self.stage_seconds), "total_seconds": self.total_seconds,
                "devices": {k: v.to_dict() for k, v in self.devices.items()}}

    @classmethod
    def from_dict(cls, data: dict, source: str = SUMMARY_FILE) -> "Summary":
        check_version(source, data.get(VERSION_KEY), FORMAT_VERSION)
        try:
            oof, test = data.get("oof"), data.get("test")
            return cls(submission=str(data["submission"]),
                       oof=OofFigures.from_tuned(oof) if isinstance(oof, dict) else None,
                       test=HeldOutFigures(**test) if isinstance(test, dict) else None,
                       stage_seconds={str(k): float(v) for k, v in (data.get("stage_seconds") or {}).items()},
                       total_seconds=float(data.get("total_seconds") or 0.0),
                       devices={str(k): StageDevices.from_dict(v) for k, v in (data.get("devices") or {}).items()
                                if isinstance(v, dict)})
        except (KeyError, TypeError, ValueError) as err:
            raise SteelDefectError(f"{source}: not a summary file ({err}); make one with `steeldefect summary`") \
                from None


def summary_path(out_dir: str | os.PathLike) -> Path:
    """``out_dir``/summary.json."""
    return Path(out_dir) / SUMMARY_FILE


def stage_times_path(out_dir: str | os.PathLike) -> Path:
    """``out_dir``/stage_times.tsv (run_all.sh appends to it)."""
    return Path(out_dir) / STAGE_TIMES_FILE


def read_stage_times(path: Path) -> dict[str, float]:
    """Stage name -> seconds from a two-column TSV; missing file -> {}."""
    if not path.is_file():
        return {}
    times: dict[str, float] = {}
    for line in path.read_text().splitlines():
        name, _, seconds = line.partition("\t")
        if name and seconds.strip():
            times[name] = times.get(name, 0.0) + float(seconds)
    return times


def write_summary(summary: Summary, path: str | os.PathLike) -> Path:
    """Write summary.json atomically; returns its path."""
    data = summary.to_dict()
    with atomic_write(path) as tmp:
        tmp.write_text(json.dumps(data, indent=2) + "\n")
    return Path(path)


def read_summary(path: str | os.PathLike) -> Summary:
    """Read summary.json; one-line errors for a missing, malformed or newer file."""
    path = require_file(path, "summary file")
    try:
        data = json.loads(path.read_text())
    except ValueError as err:
        raise SteelDefectError(f"{path}: not valid JSON ({err})") from None
    if not isinstance(data, dict):
        raise SteelDefectError(f"{path}: not a summary file; make one with `steeldefect summary`")
    return Summary.from_dict(data, str(path))

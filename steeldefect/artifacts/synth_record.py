"""synth.json: the record of a synthetic dataset folder, written by `steeldefect synth`.

::

    {"arguments": {"generator": "steeldefect.synth", "version": 1, "seed": 0, "train": 64, "test": 16,
                   "jpeg_quality": 90},
     "complete": true, "format_version": 1, "summary": {"train_clean": 20, "train_per_class": [9, 3, 30, 6]}}

``arguments`` are what the generator was asked for (it builds them and compares them whole: the same
arguments mean the same bytes); ``complete`` turns true once every image and CSV is written, and
``summary`` (the training images' counts) is written with it. Keys are sorted. Records without
``format_version`` (written before it was recorded) are version 1 and name the same dataset.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from steeldefect.artifacts.versions import VERSION_KEY, check_version
from steeldefect.data.io import atomic_write

SYNTH_RECORD_FILE = "synth.json"  # in the dataset folder, beside train.csv
FORMAT_VERSION = 1


@dataclass(frozen=True)
class SynthCounts:
    """The training images without any defect, and those holding each class."""

    train_clean: int
    train_per_class: tuple[int, ...]

    def to_dict(self) -> dict:
        return {"train_clean": self.train_clean, "train_per_class": list(self.train_per_class)}

    @classmethod
    def from_dict(cls, data: dict) -> "SynthCounts":
        return cls(int(data["train_clean"]), tuple(int(n) for n in data["train_per_class"]))


@dataclass(frozen=True)
class SynthRecord:
    """synth.json: the generator's arguments, whether the folder is complete, and its counts once it is."""

    arguments: dict[str, Any]
    complete: bool = False
    summary: SynthCounts | None = None  # written with complete=True

    def to_dict(self) -> dict:
        out: dict[str, Any] = {VERSION_KEY: FORMAT_VERSION, "arguments": dict(self.arguments),
                               "complete": self.complete}
        return {**out, "summary": self.summary.to_dict()} if self.summary is not None else out

    @classmethod
    def from_dict(cls, data: dict, source: str = SYNTH_RECORD_FILE) -> "SynthRecord":
        check_version(source, data.get(VERSION_KEY), FORMAT_VERSION)
        arguments = data.get("arguments")
        counts = data.get("summary")
        try:
            summary = SynthCounts.from_dict(counts) if isinstance(counts, dict) else None
        except (KeyError, TypeError, ValueError):
            summary = None  # unreadable counts: the folder is written again
        return cls(dict(arguments) if isinstance(arguments, dict) else {}, data.get("complete") is True, summary)


def synth_record_path(folder: str | os.PathLike) -> Path:
    """``folder``/synth.json."""
    return Path(folder) / SYNTH_RECORD_FILE


def read_synth_record(folder: str | os.PathLike) -> SynthRecord | None:
    """The record of the dataset in ``folder``; None when there is none (missing, not JSON, not an object).
    A newer format version is one SteelDefectError line naming the file."""
    path = synth_record_path(folder)
    try:
        data = json.loads(path.read_text())
    except (OSError, ValueError):
        return None
    if not isinstance(data, dict):
        return None
    return SynthRecord.from_dict(data, str(path))


def write_synth_record(folder: str | os.PathLike, record: SynthRecord) -> Path:
    """Write ``folder``/synth.json atomically (sorted keys, indent 2); returns its path."""
    path = synth_record_path(folder)
    with atomic_write(path) as tmp:
        tmp.write_text(json.dumps(record.to_dict(), indent=2, sort_keys=True) + "\n")
    return path


"""devices.json: where each model-running stage that wrote into a folder ran its models.

::

    {"version": 1, "stages": {"predict": {"devices": ["CPU (2 cores, x86_64)"], "strategy": "default",
                                          "precision": "float32", "recorded": "2026-01-01T00:00:00+0000"}}}

One entry per stage, replaced when the stage runs again. This file recorded its version under
``version`` from the start, so that key (not ``format_version``) carries it.
"""

from __future__ import annotations

import json
import os
import time
from dataclasses import dataclass
from pathlib import Path

from steeldefect.artifacts.versions import VERSION_KEY, check_version
from steeldefect.data.io import atomic_write

DEVICES_FILE = "devices.json"  # per output folder: {"version": 1, "stages": {stage: StageDevices fields}}
FORMAT_VERSION = 1
DEVICES_VERSION_KEY = "version"  # this file's version key (it predates format_version)
STAGES_KEY = "stages"


@dataclass(frozen=True)
class StageDevices:
    """What one stage ran its models on, and when that was recorded."""

    devices: tuple[str, ...]
    strategy: str
    precision: str
    recorded: str = ""

    def to_dict(self) -> dict:
        out = {"devices": list(self.devices), "strategy": self.strategy, "precision": self.precision}
        return {**out, "recorded": self.recorded} if self.recorded else out

    @classmethod
    def from_dict(cls, data: dict) -> "StageDevices":
        return cls(tuple(str(d) for d in data.get("devices", ())), str(data.get("strategy", "")),
                   str(data.get("precision", "")), str(data.get("recorded", "")))


def devices_path(folder: str | os.PathLike) -> Path:
    """``folder``/devices.json."""
    return Path(folder) / DEVICES_FILE


def read_devices(folder: str | os.PathLike) -> dict[str, StageDevices]:
    """Stage -> StageDevices from ``folder``/devices.json; {} when it is missing or unreadable; a newer
    format version is an error."""
    path = devices_path(folder)
    try:
        data = json.loads(path.read_text())
    except (OSError, ValueError):
        return {}
    if not isinstance(data, dict):
        return {}
    check_version(path, data.get(DEVICES_VERSION_KEY, data.get(VERSION_KEY)), FORMAT_VERSION)
    stages = data.get(STAGES_KEY)
    if not isinstance(stages, dict):
        return {}
    return {str(k): StageDevices.from_dict(v) for k, v in stages.items() if isinstance(v, dict)}


def write_devices(folder: str | os.PathLike, stages: dict[str, StageDevices]) -> Path:
    """Write ``folder``/devices.json atomically; returns its path."""
    path = devices_path(folder)
    data = {DEVICES_VERSION_KEY: FORMAT_VERSION, STAGES_KEY: {k: v.to_dict() for k, v in stages.items()}}
    with atomic_write(path) as tmp:
        tmp.write_text(json.dumps(data, indent=1) + "\n")
    return path


def record_stage(folder: str | os.PathLike, stage: str, devices: tuple[str, ...], strategy: str,
                 precision: str) -> Path:
    """Add or replace the stage's entry of ``folder``/devices.json, stamped now."""
    stages = read_devices(folder)
    stages[stage] = StageDevices(tuple(devices), strategy, precision, time.strftime("%Y-%m-%dT%H:%M:%S%z"))
    return write_devices(folder, stages)

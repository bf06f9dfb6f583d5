"""meta.json of a run: what is needed to rebuild it from its own folder and what later stages read of it.

Written once by training, after the model and the OOF predictions; read for the run's input size
(``run_input_size``), its precision (``run_precision``), the dataset it trained on (``data``) and the
report's table of runs. Unknown keys of a file (older or hand-made) are kept in ``extra``.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any

from steeldefect.artifacts.versions import VERSION_KEY, check_version
from steeldefect.data.io import atomic_write
from steeldefect.errors import SteelDefectError

META_FILE = "meta.json"  # a run's meta.json, beside its model
FORMAT_VERSION = 1  # written as format_version; files without it are version 1
DEFAULT_PRECISION = "float32"  # the dtype policy of a run that records none
LEGACY_DEVICE_KEY = "device"  # older runs: {"dtype_policy": ...} under this key
LEGACY_POLICY_KEY = "dtype_policy"
_TUPLE_FIELDS = ("input_size", "class_names", "train_class_images", "epoch_wall_s", "devices", "oof_shape")


def _recorded(name: str, value) -> bool:
    """Whether a field goes into the file: None means not recorded, except for git_commit, where None
    is what training records outside a git checkout and "" means not recorded."""
    return value != "" if name == "git_commit" else value is not None


@dataclass(frozen=True)
class RunMeta:
    """The facts of one training run, in the order meta.json lists them. None: not recorded."""

    kind: str | None = None
    backbone: str | None = None
    member: str | None = None  # the backbone, or <backbone>-<variant>
    fold: int | None = None
    seed: int | None = None
    config_name: str | None = None
    input_size: tuple[int, ...] | None = None  # (h, w) the model trained, validated and predicted OOF at
    data: str | None = None  # the dataset folder (or TFRecords location) it trained on
    class_names: tuple[str, ...] | None = None  # the dataset's classes, in id order (None: Severstal's four)
    train_images: int | None = None
    val_images: int | None = None
    pseudo_images: int | None = None
    train_class_images: tuple[int, ...] | None = None
    steps_per_epoch: int | None = None
    batch_size: int | None = None
    epochs_run: int | None = None
    early_stopped: bool | None = None
    monitor: str | None = None
    best: float | None = None
    best_epoch: int | None = None
    weight_averaging: dict | None = None  # with weight averaging: of, k, epochs, score, best_single_epoch
    epoch_wall_s: tuple[float, ...] | None = None
    reused_compiled_model: bool | None = None
    wall_s_this_session: float | None = None
    devices: tuple[str, ...] | None = None
    strategy: str | None = None
    precision: str | None = None  # the Keras dtype policy
    replicas: int | None = None
    versions: dict | None = None
    git_commit: str | None = ""  # "": not recorded; None: recorded as null (no git checkout)
    oof_shape: tuple[int, ...] | None = None
    oof_dtype: str | None = None
    finished: str | None = None
    extra: dict[str, Any] = field(default_factory=dict, compare=False)  # keys this version does not know

    def to_dict(self) -> dict:
        """JSON-ready data: recorded fields in order (the version first), then the unknown keys."""
        out: dict[str, Any] = {VERSION_KEY: FORMAT_VERSION}
        for f in fields(self):
            value = getattr(self, f.name)
            if f.name != "extra" and _recorded(f.name, value):
                out[f.name] = list(value) if f.name in _TUPLE_FIELDS else value
        return {**out, **self.extra}

    @classmethod
    def from_dict(cls, data: dict, source: str = META_FILE) -> "RunMeta":
        """A RunMeta of meta.json data; a newer format version is refused."""
        check_version(source, data.get(VERSION_KEY), FORMAT_VERSION)
        known = {f.name for f in fields(cls)} - {"extra"}
        values = {k: v for k, v in data.items() if k in known}
        for name in _TUPLE_FIELDS:
            if isinstance(values.get(name), list):
                values[name] = tuple(values[name])
        extra = {k: v for k, v in data.items() if k not in known and k != VERSION_KEY}
        return cls(**values, extra=extra)

    @property
    def legacy_precision(self) -> str | None:
        """The dtype policy older runs recorded under ``device``."""
        legacy = self.extra.get(LEGACY_DEVICE_KEY)
        return legacy.get(LEGACY_POLICY_KEY) if isinstance(legacy, dict) else None


def _folder(run) -> Path:
    """A run's folder: a ``run_folder.Run`` or the folder itself."""
    return Path(getattr(run, "path", run))


def meta_path(run) -> Path:
    """``<run>``/meta.json."""
    return _folder(run) / META_FILE


def read_meta(run) -> RunMeta:
    """The run's meta.json (``run``: a Run or its folder); an empty RunMeta when it is missing or
    unreadable (older or hand-made runs); a newer format version is an error."""
    path = meta_path(run)
    try:
        data = json.loads(path.read_text())
    except (OSError, ValueError):
        return RunMeta()
    return RunMeta.from_dict(data, str(path)) if isinstance(data, dict) else RunMeta()


def write_meta(run_dir: str | os.PathLike, meta: RunMeta) -> Path:
    """meta.json of a run, written atomically; returns its path."""
    path = Path(run_dir) / META_FILE
    with atomic_write(path) as tmp:
        tmp.write_text(json.dumps(meta.to_dict(), indent=1, default=str))
    return path


def run_input_size(run) -> tuple[int, int]:
    """(h, w) the run's model was trained, validated and OOF-predicted at: meta.json ``input_size``.

    The one source of a run's input size (a model trained on crops accepts any size, so its
    input shape cannot say); thresholds tuned on its OOF predictions hold at this size.
    """
    size = read_meta(run).input_size
    if (not isinstance(size, (list, tuple)) or len(size) != 2
            or not all(isinstance(v, int) and not isinstance(v, bool) and v > 0 for v in size)):
        shown = list(size) if isinstance(size, tuple) else size
        raise SteelDefectError(f"{meta_path(run)}: records no input_size [height, width] "
                               f"(got {shown!r}); retrain the run or add it to {META_FILE}")
    return int(size[0]), int(size[1])


def run_precision(run) -> str:
    """The Keras dtype policy the run trained (and so predicts) in: meta.json ``precision`` (older runs:
    ``device.dtype_policy``); float32 when neither is recorded."""
    meta = read_meta(run)
    return str(meta.precision or meta.legacy_precision or DEFAULT_PRECISION)

"""dataset.yaml: a dataset folder's classes (id and name) and image sizes, read and written.

Written by ``steeldefect import`` beside ``train.csv``; a folder without it (Kaggle's, a synthetic one)
is the Severstal task: four classes named ``class 1`` .. ``class 4`` and 256x1600 images (``KAGGLE``).

::

    format_version: 1
    name: line3                     # optional: what the dataset is called
    classes:                        # ids 1..K, as train.csv's ClassId numbers them
      - {id: 1, name: scratch}
      - {id: 2, name: pit}
    image_sizes:                    # every (height, width) among the images, the most common first
      - {height: 192, width: 768, images: 10}
      - {height: 160, width: 640, images: 4}
    source: {format: masks, ...}    # how it was imported (informational)

A reader refuses class ids that are not 1..K in order, empty or repeated names, and sizes that are not
positive, with one line naming the file.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from steeldefect.artifacts.run_folder import KINDS, find_runs
from steeldefect.artifacts.run_meta import read_meta
from steeldefect.artifacts.versions import VERSION_KEY, check_version
from steeldefect.constants import CLASS_IDS, IMAGE_SHAPE
from steeldefect.data.io import atomic_write, read_yaml
from steeldefect.errors import SteelDefectError

DATASET_FILE = "dataset.yaml"  # in the dataset folder, beside train.csv
FORMAT_VERSION = 1
MAX_CLASSES = 255  # class ids fit an 8-bit index mask (0 = background)


@dataclass(frozen=True)
class ImageSize:
    """One image size of a dataset and how many of its images have it."""

    height: int
    width: int
    images: int = 0

    @property
    def shape(self) -> tuple[int, int]:
        return (self.height, self.width)


@dataclass(frozen=True)
class DatasetSpec:
    """The classes (names in id order, ids 1..K) and the image sizes of a dataset."""

    class_names: tuple[str, ...]
    sizes: tuple[ImageSize, ...] = ()  # () when not recorded: read each image's size from its file
    name: str | None = None
    source: dict[str, Any] = field(default_factory=dict, compare=False)

    @property
    def n_classes(self) -> int:
        return len(self.class_names)

    @property
    def class_ids(self) -> tuple[int, ...]:
        return tuple(range(1, self.n_classes + 1))

    @property
    def rle_columns(self) -> tuple[str, ...]:
        """The label table's columns holding each class's RLE (``rle_1`` .. ``rle_K``)."""
        return rle_columns(self.n_classes)

    @property
    def single_shape(self) -> tuple[int, int] | None:
        """(height, width) when every image has it; None for mixed or unrecorded sizes."""
        return self.sizes[0].shape if len(self.sizes) == 1 else None

    def class_name(self, class_id: int) -> str:
        return self.class_names[int(class_id) - 1]

    def to_dict(self) -> dict:
        out: dict[str, Any] = {VERSION_KEY: FORMAT_VERSION}
        if self.name:
            out["name"] = self.name
        out["classes"] = [{"id": i, "name": n} for i, n in zip(self.class_ids, self.class_names)]
        out["image_sizes"] = [{"height": s.height, "width": s.width, "images": s.images} for s in self.sizes]
        if self.source:
            out["source"] = dict(self.source)
        return out


def rle_columns(n_classes: int) -> tuple[str, ...]:
    """Label-table columns for ``n_classes`` classes: ``rle_1`` .. ``rle_<n>``."""
    return tuple(f"rle_{c}" for c in range(1, int(n_classes) + 1))


KAGGLE = DatasetSpec(class_names=tuple(f"class {c}" for c in CLASS_IDS),
                     sizes=(ImageSize(*IMAGE_SHAPE),), name="severstal")


def default_class_names(n_classes: int) -> tuple[str, ...]:
    """``class_1`` .. ``class_<n>``: the names of classes nobody named."""
    return tuple(f"class_{c}" for c in range(1, int(n_classes) + 1))


def check_class_names(names, source: str) -> tuple[str, ...]:
    """``names`` as a tuple of stripped strings; one line naming ``source`` when empty, too many,
    blank or repeated."""
    names = tuple(str(n).strip() for n in names)
    if not names:
        raise SteelDefectError(f"{source}: no classes (a dataset needs at least one)")
    if len(names) > MAX_CLASSES:
        raise SteelDefectError(f"{source}: {len(names)} classes; at most {MAX_CLASSES} are supported")
    if any(not n for n in names):
        raise SteelDefectError(f"{source}: class {names.index('') + 1} has an empty name")
    dup = sorted({n for n in names if names.count(n) > 1})
    if dup:
        raise SteelDefectError(f"{source}: class name {dup[0]!r} is used twice")
    return names


def _int(value, what: str, source: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise SteelDefectError(f"{source}: {what} {value!r} is not a whole number >= 0")
    return value


def spec_from_dict(data: Any, source: str = DATASET_FILE) -> DatasetSpec:
    """A DatasetSpec from parsed dataset.yaml; one SteelDefectError line naming ``source`` when wrong."""
    if not isinstance(data, dict):
        raise SteelDefectError(f"{source}: expected a mapping with 'classes', got {type(data).__name__}")
    check_version(source, data.get(VERSION_KEY), FORMAT_VERSION)
    classes = data.get("classes")
    if not isinstance(classes, list) or not all(isinstance(c, dict) for c in classes):
        raise SteelDefectError(f"{source}: 'classes' must be a list of {{id, name}} entries")
    for k, entry in enumerate(classes, start=1):
        if isinstance(entry.get("id"), bool) or entry.get("id") != k:
            raise SteelDefectError(f"{source}: class entry {k} has id {entry.get('id')!r}; ids must be 1..K in order")
    names = check_class_names([c.get("name", "") or "" for c in classes], source)
    sizes = []
    for entry in data.get("image_sizes") or []:
        if not isinstance(entry, dict):
            raise SteelDefectError(f"{source}: each image_sizes entry needs height, width and images")
        h, w = (_int(entry.get(k), k, source) for k in ("height", "width"))
        if not h or not w:
            raise SteelDefectError(f"{source}: image size {h}x{w} is empty")
        sizes.append(ImageSize(h, w, _int(entry.get("images", 0), "images", source)))
    source_info = data.get("source") or {}
    return DatasetSpec(names, tuple(sizes), data.get("name"), dict(source_info) if isinstance(source_info, dict) else {})


def dataset_path(data_dir: str | os.PathLike) -> Path:
    return Path(data_dir) / DATASET_FILE


def has_dataset_file(data_dir: str | os.PathLike | None) -> bool:
    return data_dir is not None and "://" not in str(data_dir) and dataset_path(data_dir).is_file()


def read_dataset(data_dir: str | os.PathLike | None) -> DatasetSpec:
    """The spec of a dataset folder: its dataset.yaml, or ``KAGGLE`` when it has none (or no folder)."""
    if not has_dataset_file(data_dir):
        return KAGGLE
    path = dataset_path(data_dir)
    return spec_from_dict(read_yaml(path, "dataset file"), str(path))


def write_dataset(spec: DatasetSpec, path: str | os.PathLike) -> None:
    """Write ``spec`` as dataset.yaml at ``path`` (a file or a dataset folder), atomically."""
    path = Path(path)
    if path.is_dir():
        path = path / DATASET_FILE
    with atomic_write(path) as tmp:
        tmp.write_text(yaml.safe_dump(spec.to_dict(), sort_keys=False, allow_unicode=True))


def models_dataset(run_dirs, data: Path | None = None) -> DatasetSpec:
    """The dataset models were trained on: ``data``'s dataset.yaml when given; else that of the dataset
    folder the runs' meta names; else the class names their meta records (sizes unknown); else KAGGLE
    (Severstal: four classes, 256x1600)."""
    if data is not None:
        return read_dataset(data)
    for run_dir in run_dirs:
        meta = read_meta(run_dir)
        if has_dataset_file(meta.data):
            return read_dataset(meta.data)
        if meta.class_names:
            return DatasetSpec(class_names=tuple(meta.class_names))
    return KAGGLE


def runs_dataset(runs: Path | None, data: Path | None = None, models: tuple[Path, ...] = ()) -> DatasetSpec:
    """``models_dataset`` of the runs under ``runs`` (both kinds) and the run folders ``models``."""
    run_dirs = [r.path for kind in KINDS for r in find_runs(runs, kind)] if runs else []
    return models_dataset([*run_dirs, *map(Path, models)], data)

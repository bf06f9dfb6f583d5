"""What the app knows, built once at start: the truth, the loaded submissions, their per-image indexes.

A ``LabelSet`` is the truth or one submission: its image ids, presence and areas per class (areas from
the RLE run lengths, nothing decoded) and, when it has masks, its label table. ``AppData`` holds them
all with the image folders and the optional metadata; images are rendered lazily elsewhere. A dataset
folder with test labels beside it (the synthetic ``test_labels.csv``) gives a second truth set, the one a
submission of the test images is compared with.
"""

from __future__ import annotations

import os
import threading
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from steeldefect.artifacts.dataset_file import DatasetSpec
from steeldefect.analysis.app.upload import MAX_UPLOADED_MEMORY, MAX_UPLOADED_SETS
from steeldefect.analysis.app.metadata import load_metadata
from steeldefect.data.kaggle_folder import SAMPLE_SUBMISSION, TEST_IMAGES, TEST_LABELS, TRAIN_IMAGES
from steeldefect.data.io import require_dir
from steeldefect.data.labels import table_rle_columns
from steeldefect.data.submission import read_submission
from steeldefect.analysis.eda.label_sources import (LabelSource, from_table, labels_dataset, load_label_source,
                                                    resolve_inputs)
from steeldefect.analysis.eda.label_stats import combination_names
from steeldefect.errors import SteelDefectError

TRUTH = "truth"  # key of the ground-truth label set
TEST_TRUTH = "test"  # key of the test labels, when the dataset folder has them
TRUTH_KEYS = (TRUTH, TEST_TRUTH)  # label sets that are truths, not submissions


@dataclass(frozen=True, eq=False)
class LabelSet:
    """The truth or one submission, indexed: rows follow ``image_ids``; ``table`` None without masks.

    Compared and hashed by identity, so results about a set can be cached.
    """

    key: str
    name: str
    source: LabelSource
    row_of: dict[str, int]
    combinations: np.ndarray

    @property
    def image_ids(self) -> np.ndarray:
        return self.source.image_ids

    @property
    def presence(self) -> np.ndarray:
        return self.source.presence

    @property
    def areas(self) -> np.ndarray | None:
        return self.source.areas

    @property
    def has_masks(self) -> bool:
        return self.source.has_masks

    def rles(self, image_id: str) -> list[str] | None:
        """The RLE per class of one image; None if the image is not in the set or it has no masks."""
        row = self.row_of.get(image_id)
        if row is None or not self.has_masks:
            return None
        return self.source.table.iloc[row][list(table_rle_columns(self.source.table))].tolist()


def unique_name(name: str, taken) -> str:
    """``name``, or 'name (2)', 'name (3)', ... when a loaded set already has it."""
    taken = set(taken)
    k, candidate = 1, name
    while candidate in taken:
        k += 1
        candidate = f"{name} ({k})"
    return candidate


def table_bytes(table: pd.DataFrame) -> int:
    """Memory a label table holds, strings included (what an upload costs the server)."""
    return int(table.memory_usage(deep=True).sum())


def index_labels(key: str, name: str, source: LabelSource) -> LabelSet:
    """Index a label source: row of each image id and class-combination name of each image."""
    row_of = {str(i): k for k, i in enumerate(source.image_ids)}
    return LabelSet(key, name, source, row_of, combination_names(source.presence))


@dataclass
class AppData:
    """Everything the app serves. Submissions may be added at run time (uploads), under a lock; the
    uploads are capped in number and in memory, for as long as the server runs."""

    truth: LabelSet
    image_dirs: tuple[Path, ...]
    sample_path: Path | None = None
    metadata: "Metadata | None" = None  # noqa: F821 (steeldefect.analysis.app.metadata.Metadata)
    test_truth: LabelSet | None = None
    preds: dict[str, LabelSet] = field(default_factory=dict)
    max_uploads: int = MAX_UPLOADED_SETS
    max_upload_bytes: int = MAX_UPLOADED_MEMORY
    upload_bytes: dict[str, int] = field(default_factory=dict)  # key of each uploaded set -> its bytes
    lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    @property
    def class_names(self) -> tuple[str, ...]:
        """The dataset's class names, in id order (the truth's)."""
        return self.truth.source.names

    @property
    def n_classes(self) -> int:
        return len(self.class_names)

    def image_shapes(self) -> dict | tuple | None:
        """Each image's (height, width) as the truths know them: a dict by id (mixed sizes), one shape for
        all, or None (unknown: 256x1600 is assumed)."""
        shapes = [s.source.shapes for s in (self.truth, self.test_truth) if s is not None and s.source.shapes]
        if not shapes or all(isinstance(s, tuple) for s in shapes):
            return shapes[0] if shapes else None
        return {k: v for s in shapes if isinstance(s, dict) for k, v in s.items()}

    def sets(self) -> dict[str, LabelSet]:
        """The truth first, then the test labels if any, then the submissions in load order."""
        with self.lock:
            return self._sets()

    def _sets(self) -> dict[str, LabelSet]:
        test = {TEST_TRUTH: self.test_truth} if self.test_truth is not None else {}
        return {TRUTH: self.truth, **test, **self.preds}

    def get(self, key: str) -> LabelSet:
        found = self.sets().get(key)
        if found is None:
            raise SteelDefectError(f"unknown label set {key!r}; loaded: {', '.join(self.sets())}")
        return found

    def add_prediction(self, name: str, table: pd.DataFrame, uploaded: bool = False) -> LabelSet:
        """Index and add a submission's label table; returns its LabelSet (keys pred1, pred2, ...), named
        ``name`` or, if a loaded set has that name, 'name (2)'. An upload beyond the caps is refused."""
        with self.lock:
            size = table_bytes(table) if uploaded else 0
            if uploaded:
                self._check_room(size)
            key = f"pred{len(self.preds) + 1}"
            name = unique_name(name, (s.name for s in self._sets().values()))
            if len(table_rle_columns(table)) != self.n_classes:
                raise SteelDefectError(f"{name} has {len(table_rle_columns(table))} classes; the dataset has "
                                       f"{self.n_classes}")
            labels = index_labels(key, name, from_table(table, name, class_names=self.class_names,
                                                        shapes=self.image_shapes()))
            self.preds[key] = labels
            if uploaded:
                self.upload_bytes[key] = size
            return labels

    def _check_room(self, size: int) -> None:
        if len(self.upload_bytes) >= self.max_uploads:
            raise SteelDefectError(f"upload refused: {len(self.upload_bytes)} uploaded sets are already loaded "
                                   "(the limit); restart the app to clear them")
        used = sum(self.upload_bytes.values())
        if used + size > self.max_upload_bytes:
            raise SteelDefectError(f"upload refused: uploads would hold {(used + size) / 2**20:,.1f} MB of memory, "
                                   f"over the {self.max_upload_bytes / 2**20:,.1f} MB limit; restart the app to "
                                   "clear them")

    def is_known(self, image_id: str) -> bool:
        """Whether any loaded label set lists ``image_id`` (only those are ever served)."""
        return any(image_id in s.row_of for s in self.sets().values())


def build_app_data(data_dir: str | os.PathLike | None = None, labels: str | os.PathLike | None = None,
                   images: str | os.PathLike | None = None, preds: list[str] | tuple[str, ...] = (),
                   sample: str | os.PathLike | None = None,
                   metadata: str | os.PathLike | None = None, metadata_column: str | None = None,
                   spec: DatasetSpec | None = None) -> AppData:
    """Read the truth, the submissions and the metadata; index them (the app's start-up work). The
    classes and image sizes are ``spec``'s (default: the dataset.yaml of DATA or beside the labels)."""
    label_path, images_dir = resolve_inputs(data_dir, labels, images)
    spec = spec or labels_dataset(data_dir, labels)
    truth = index_labels(TRUTH, f"truth ({label_path.name})", load_label_source(label_path, images_dir, spec))
    dirs = [images_dir] if images_dir is not None else []
    if data_dir is not None:
        dirs += [d for d in (Path(data_dir) / TRAIN_IMAGES, Path(data_dir) / TEST_IMAGES)
                 if d.is_dir() and d not in dirs]
    if sample is None and data_dir is not None and (Path(data_dir) / SAMPLE_SUBMISSION).is_file():
        sample = Path(data_dir) / SAMPLE_SUBMISSION
    data = AppData(truth, tuple(require_dir(d, "image folder") for d in dirs),
                   Path(sample) if sample is not None else None)
    data.test_truth = _test_labels(data_dir, label_path, spec)
    for path in preds:
        table = read_submission(path, n_classes=spec.n_classes, shapes=data.image_shapes())
        data.add_prediction(Path(path).name, table)
    if metadata is not None:
        data.metadata = load_metadata(metadata, metadata_column)
    return data


def _test_labels(data_dir: str | os.PathLike | None, label_path: Path, spec: DatasetSpec) -> LabelSet | None:
    """DATA/test_labels.csv as a truth set, unless absent or already the truth."""
    path = Path(data_dir) / TEST_LABELS if data_dir is not None else None
    if path is None or not path.is_file() or path.resolve() == label_path.resolve():
        return None
    images = Path(data_dir) / TEST_IMAGES
    source = load_label_source(path, images if images.is_dir() else None, spec)
    return index_labels(TEST_TRUTH, f"test labels ({TEST_LABELS})", source)

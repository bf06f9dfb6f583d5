"""What the app knows, built once at start: the truth, the loaded submissions, their per-image indexes.

A ``LabelSet`` is the truth or one submission: its image ids, presence and areas per class (areas from
the RLE run lengths, nothing decoded) and, when it has masks, its label table. ``AppData`` holds them
all with the image folders and the optional metadata; images are rendered lazily elsewhere.
"""

from __future__ import annotations

import os
import threading
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from steeldefect.constants import RLE_COLUMNS
from steeldefect.data.kaggle_folder import SAMPLE_SUBMISSION, TEST_IMAGES, TRAIN_IMAGES
from steeldefect.data.io import require_dir
from steeldefect.data.submission import read_submission
from steeldefect.eda.label_sources import LabelSource, from_table, load_label_source, resolve_inputs
from steeldefect.eda.label_stats import combination_names
from steeldefect.errors import SteelDefectError

TRUTH = "truth"  # key of the ground-truth label set


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
        return self.source.table.iloc[row][list(RLE_COLUMNS)].tolist()


def index_labels(key: str, name: str, source: LabelSource) -> LabelSet:
    """Index a label source: row of each image id and class-combination name of each image."""
    row_of = {str(i): k for k, i in enumerate(source.image_ids)}
    return LabelSet(key, name, source, row_of, combination_names(source.presence))


@dataclass
class AppData:
    """Everything the app serves. Submissions may be added at run time (uploads), under a lock."""

    truth: LabelSet
    image_dirs: tuple[Path, ...]
    sample_path: Path | None = None
    metadata: "Metadata | None" = None  # noqa: F821 (steeldefect.app.metadata.Metadata)
    preds: dict[str, LabelSet] = field(default_factory=dict)
    lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def sets(self) -> dict[str, LabelSet]:
        """The truth first, then the submissions in load order."""
        with self.lock:
            return {TRUTH: self.truth, **self.preds}

    def get(self, key: str) -> LabelSet:
        found = self.sets().get(key)
        if found is None:
            raise SteelDefectError(f"unknown label set {key!r}; loaded: {', '.join(self.sets())}")
        return found

    def add_prediction(self, name: str, table: pd.DataFrame) -> LabelSet:
        """Index and add a submission's label table; returns its LabelSet (keys pred1, pred2, ...)."""
        with self.lock:
            key = f"pred{len(self.preds) + 1}"
            labels = index_labels(key, name, from_table(table, name))
            self.preds[key] = labels
            return labels

    def is_known(self, image_id: str) -> bool:
        """Whether any loaded label set lists ``image_id`` (only those are ever served)."""
        return any(image_id in s.row_of for s in self.sets().values())


def build_app_data(data_dir: str | os.PathLike | None = None, labels: str | os.PathLike | None = None,
                   images: str | os.PathLike | None = None, preds: list[str] | tuple[str, ...] = (),
                   sample: str | os.PathLike | None = None,
                   metadata: str | os.PathLike | None = None, metadata_column: str | None = None) -> AppData:
    """Read the truth, the submissions and the metadata; index them (the app's start-up work)."""
    from steeldefect.app.metadata import load_metadata

    label_path, images_dir = resolve_inputs(data_dir, labels, images)
    truth = index_labels(TRUTH, f"truth ({label_path.name})", load_label_source(label_path, images_dir))
    dirs = [images_dir] if images_dir is not None else []
    if data_dir is not None:
        dirs += [d for d in (Path(data_dir) / TRAIN_IMAGES, Path(data_dir) / TEST_IMAGES)
                 if d.is_dir() and d not in dirs]
    if sample is None and data_dir is not None and (Path(data_dir) / SAMPLE_SUBMISSION).is_file():
        sample = Path(data_dir) / SAMPLE_SUBMISSION
    data = AppData(truth, tuple(require_dir(d, "image folder") for d in dirs),
                   Path(sample) if sample is not None else None)
    for path in preds:
        data.add_prediction(Path(path).name, read_submission(path))
    if metadata is not None:
        data.metadata = load_metadata(metadata, metadata_column)
    return data

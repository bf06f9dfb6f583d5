"""The per-image prediction CSV, ``<out stem>_images.csv`` beside a submission ``<out>``.

One row per image, in submission order::

    ImageId, cls_prob (one-output classifier) or cls_prob_1..4 (four outputs; neither without one),
    gated (skipped the segmenters), review (its defect probability lies in the review band),
    masks_gated (classes emptied by the gate), max_prob_1..4 (the ensemble's largest probability, NaN
    when gated), area_1..4 (predicted pixels at the image's size), height, width

The column set is the format: a CSV holds no version key, so ``FORMAT_VERSION`` is only checked when a
file carries a ``format_version`` column (none does yet). ``predict`` writes it, ``pseudo-label`` reads
it; ``ensemble.decide`` builds its rows (``image_rows``).
"""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pandas as pd

from steeldefect.artifacts.versions import VERSION_KEY, check_version
from steeldefect.constants import CLASS_IDS
from steeldefect.data.io import require_file

IMAGES_SUFFIX = "_images.csv"  # <out stem>_images.csv beside the submission <out>
FORMAT_VERSION = 1
IMAGE_ID = "ImageId"
CLS_PROB = "cls_prob"  # a one-output classifier's defect probability
GATED = "gated"
REVIEW = "review"
MASKS_GATED = "masks_gated"
HEIGHT, WIDTH = "height", "width"
MAX_PROB, AREA = "max_prob", "area"  # per class: max_prob_1..K, area_1..K


def class_columns(prefix: str, n_classes: int) -> tuple[str, ...]:
    """``<prefix>_1`` .. ``<prefix>_K``: a per-class column group (K = the dataset's classes)."""
    return tuple(f"{prefix}_{c}" for c in range(1, int(n_classes) + 1))


def table_class_columns(table: pd.DataFrame, prefix: str) -> tuple[str, ...]:
    """The ``<prefix>_k`` columns a table has, k = 1, 2, ... in order."""
    k = 0
    while f"{prefix}_{k + 1}" in table.columns:
        k += 1
    return class_columns(prefix, k)


CLS_PROB_COLUMNS = class_columns(CLS_PROB, len(CLASS_IDS))  # Severstal's four-output classifier's probabilities
MAX_PROB_COLUMNS = class_columns(MAX_PROB, len(CLASS_IDS))  # Severstal's; ``table_class_columns`` for any K
AREA_COLUMNS = class_columns(AREA, len(CLASS_IDS))


def images_csv_path(out: str | os.PathLike) -> Path:
    """The per-image CSV beside the submission ``out``: ``<out stem>_images.csv``."""
    out = Path(out)
    return out.with_name(out.stem + IMAGES_SUFFIX)


def image_rows(image_ids: list[str], cls: np.ndarray | None, gated: np.ndarray, review: np.ndarray,
               masks_gated: np.ndarray, max_prob: np.ndarray, areas: np.ndarray,
               shapes: list[tuple[int, int]]) -> pd.DataFrame:
    """The table's rows: ``cls`` (n,), (n, K) or None; ``gated``, ``review`` bool (n,); ``masks_gated``
    (n,); ``max_prob`` and ``areas`` (n, K); ``shapes`` each image's (H, W)."""
    n_classes = areas.shape[1]
    table = pd.DataFrame({IMAGE_ID: image_ids})
    if cls is not None:
        if cls.ndim == 1:
            table[CLS_PROB] = cls
        else:
            for k, col in enumerate(class_columns(CLS_PROB, cls.shape[1])):
                table[col] = cls[:, k]
    table[GATED] = gated
    table[REVIEW] = review
    table[MASKS_GATED] = masks_gated
    for k, col in enumerate(class_columns(MAX_PROB, n_classes)):
        table[col] = max_prob[:, k]
    for k, col in enumerate(class_columns(AREA, n_classes)):
        table[col] = areas[:, k]
    table[HEIGHT] = [s[0] for s in shapes]
    table[WIDTH] = [s[1] for s in shapes]
    return table


def write_rows(table: pd.DataFrame, path: str | os.PathLike) -> None:
    """Write rows of the table (a chunk, or the whole) as CSV to ``path`` (the caller makes it atomic)."""
    table.to_csv(path, index=False)


def read_prediction_table(path: str | os.PathLike) -> pd.DataFrame:
    """The per-image CSV; a newer format version is refused."""
    table = pd.read_csv(require_file(path, "per-image prediction CSV"))
    if VERSION_KEY in table and len(table):
        check_version(path, int(table[VERSION_KEY].max()), FORMAT_VERSION)
    return table


def _flag_count(column: pd.Series) -> int:
    return int(column.astype(str).str.lower().eq("true").sum())


def table_counts(table: pd.DataFrame) -> dict[str, int]:
    """Images gated, images flagged for review, (image, class) masks gated, and masks predicted non-empty."""
    return {"gated": _flag_count(table[GATED]), "review": _flag_count(table[REVIEW]),
            "masks_gated": int(table[MASKS_GATED].sum()),
            "nonempty": int((table[list(table_class_columns(table, AREA))].to_numpy() > 0).sum())}


def has_mask(table: pd.DataFrame) -> np.ndarray:
    """bool (N,): whether any class of the image kept a mask."""
    return (table[list(table_class_columns(table, AREA))].to_numpy() > 0).any(axis=1)


def classifier_probs(table: pd.DataFrame) -> np.ndarray | None:
    """The classifier's probabilities: (N,) for one output, (N, K) for one per class, None without a classifier."""
    if CLS_PROB in table:
        return table[CLS_PROB].to_numpy(np.float64)
    columns = table_class_columns(table, CLS_PROB)
    return table[list(columns)].to_numpy(np.float64) if columns else None

"""Shape of each mask: connected components and bounding box, from the decoded RLE.

Components are counted with 4-connectivity, the convention that reproduces shared/real/STATS.md
(8-connectivity merges diagonally touching blobs: class 3's p90 would be 5 instead of 6).
"""

from __future__ import annotations

import cv2
import numpy as np
import pandas as pd
from tqdm import tqdm

from steeldefect.artifacts.dataset_file import KAGGLE
from steeldefect.data.labels import table_rle_columns
from steeldefect.data.rle import rle_decode

CONNECTIVITY = 4  # pixels touching by an edge belong to one component; diagonal contact does not


def mask_shape(mask: np.ndarray) -> tuple[int, int, int]:
    """(connected components, bounding-box width, bounding-box height) of a 2-D mask; zeros if empty."""
    mask = (np.asarray(mask) != 0).astype(np.uint8)
    x, y, w, h = cv2.boundingRect(mask)
    if w == 0 or h == 0:
        return 0, 0, 0
    n_labels = cv2.connectedComponents(mask[y:y + h, x:x + w], connectivity=CONNECTIVITY)[0]
    return int(n_labels - 1), int(w), int(h)


def image_shape(shapes, image_id: str) -> tuple[int, int]:
    """(height, width) of ``image_id``: ``shapes[image_id]``, or ``shapes`` itself when it is one
    shape for all, or Severstal's 256x1600 when None."""
    if isinstance(shapes, tuple):
        return shapes
    return (shapes or {}).get(image_id, KAGGLE.single_shape)


def table_shapes(table: pd.DataFrame, shape=None, progress: bool = True) -> dict[int, np.ndarray]:
    """Shape rows int64 (M, 3) per class 1..K over the non-empty masks of a label table, each mask
    decoded at its image's size (``shape``: per image id, one for all, or None for 256x1600)."""
    columns = table_rle_columns(table)
    jobs = [(cls, image_id, rle) for cls, col in enumerate(columns, start=1)
            for image_id, rle in zip(table["ImageId"], table[col]) if rle]
    rows: dict[int, list[tuple[int, int, int]]] = {cls: [] for cls in range(1, len(columns) + 1)}
    for cls, image_id, rle in tqdm(jobs, desc="mask shapes", unit="mask", disable=not progress,
                                   leave=False):
        mask = rle_decode(rle, image_shape(shape, image_id), context=f"image {image_id} class {cls}")
        rows[cls].append(mask_shape(mask))
    return {cls: np.array(r, dtype=np.int64).reshape(-1, 3) for cls, r in rows.items()}

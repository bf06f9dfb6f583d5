"""Realistic label tables from the real summary files: real presence, real masks recycled by class.

shared/real holds the presence of every class for all 12,568 training images but real masks for only
2,515 of them. ``recycle_masks`` gives each (image, class) present a real mask of that class (its own
when known), which makes a full-size label table for timing the tools and small folders for tests.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import numpy as np
import pandas as pd

from steeldefect.constants import CLASS_IDS, RLE_COLUMNS
from steeldefect.data.labels import empty_table
from steeldefect.errors import SteelDefectError


def recycle_masks(image_ids, presence: np.ndarray, masks: pd.DataFrame, seed: int = 0) -> pd.DataFrame:
    """A label table of ``image_ids`` whose masks follow ``presence`` bool (N, NUM_CLASSES).

    An image found in the label table ``masks`` keeps its own mask; any other present class gets a
    mask of that class drawn at random (``seed``) from ``masks``.
    """
    table = empty_table(image_ids)
    presence = np.asarray(presence, bool)
    rng = np.random.default_rng(seed)
    own = masks.set_index("ImageId")
    for k, (col, cls) in enumerate(zip(RLE_COLUMNS, CLASS_IDS)):
        pool = masks.loc[masks[col] != "", col].to_numpy(dtype=object)
        rows = np.flatnonzero(presence[:, k])
        if rows.size and not pool.size:
            raise SteelDefectError(f"no mask of class {cls} to recycle")
        values = table[col].to_numpy(dtype=object)
        values[rows] = pool[rng.integers(0, max(pool.size, 1), size=rows.size)] if pool.size else []
        for r in rows:
            image_id = table["ImageId"].iat[r]
            if image_id in own.index and own.at[image_id, col]:
                values[r] = own.at[image_id, col]
        table[col] = values
    return table


def write_demo_folder(real_dir: str | os.PathLike, out: str | os.PathLike, seed: int = 0) -> Path:
    """A small dataset folder from shared/real: out/train_images holds the ten real images and
    out/train.csv their real classes (train_class_flags.csv) with real masks (recycled where unknown)."""
    from steeldefect.data.kaggle_folder import TRAIN_CSV, TRAIN_IMAGES
    from steeldefect.data.images import list_images
    from steeldefect.data.labels import read_labels, write_labels
    from steeldefect.analysis.eda.label_sources import load_label_source

    real_dir, out = Path(real_dir), Path(out)
    images = out / TRAIN_IMAGES
    images.mkdir(parents=True, exist_ok=True)
    ids = list_images(real_dir / "images")
    for name in ids:
        shutil.copyfile(real_dir / "images" / name, images / name)
    flags = load_label_source(real_dir / "train_class_flags.csv")
    row = {i: k for k, i in enumerate(flags.image_ids)}
    presence = flags.presence[[row[i] for i in ids]]
    masks = read_labels(real_dir / "train_masks_2515.csv", check=False)
    write_labels(recycle_masks(ids, presence, masks, seed=seed), out / TRAIN_CSV)
    return out

"""Folds by iterative stratification on the four-class multi-label plus a 'clean' label.

Every image lands in exactly one fold; each fold gets near the same share of every class and of
clean images. Deterministic for a seed.
"""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pandas as pd
from iterstrat.ml_stratifiers import MultilabelStratifiedKFold

from steeldefect.data.io import atomic_write, require_file
from steeldefect.data.labels import label_presence
from steeldefect.errors import SteelDefectError

FOLD_COLUMNS = ("ImageId", "fold")  # the columns of folds.csv


def make_folds(table: pd.DataFrame, k: int = 5, seed: int = 42) -> pd.DataFrame:
    """Assign each image of a label table to one of ``k`` folds; returns columns ImageId, fold."""
    if k < 2:
        raise SteelDefectError(f"--k must be at least 2, got {k}")
    if not 0 <= seed < 2**32:
        raise SteelDefectError(f"--seed must be between 0 and 2**32 - 1, got {seed}")
    if len(table) < k:
        raise SteelDefectError(f"cannot split {len(table)} images into {k} folds")
    presence = label_presence(table)
    targets = np.concatenate([presence, ~presence.any(axis=1, keepdims=True)], axis=1).astype(int)
    folds = np.full(len(table), -1, dtype=int)
    splitter = MultilabelStratifiedKFold(n_splits=k, shuffle=True, random_state=seed)
    for fold, (_, val_idx) in enumerate(splitter.split(np.zeros(len(table)), targets)):
        folds[val_idx] = fold
    return pd.DataFrame({"ImageId": table["ImageId"].to_numpy(), "fold": folds})


def fold_counts(table: pd.DataFrame, folds: pd.DataFrame, class_names=None) -> pd.DataFrame:
    """Per fold: number of images, of clean images and of images holding each class (columns
    ``class_<id>``, or ``class_names`` when given)."""
    merged = table.merge(folds, on="ImageId", how="inner", validate="one_to_one")
    presence = label_presence(merged)
    columns = list(class_names or (f"class_{c}" for c in range(1, presence.shape[1] + 1)))
    frame = pd.DataFrame(presence, columns=columns)
    frame["clean"] = ~presence.any(axis=1)
    frame["images"] = 1
    frame["fold"] = merged["fold"].to_numpy()
    return frame.groupby("fold")[["images", "clean", *columns]].sum()


def write_folds(folds: pd.DataFrame, path: str | os.PathLike) -> None:
    """Write folds.csv atomically."""
    with atomic_write(path) as tmp:
        folds.loc[:, list(FOLD_COLUMNS)].to_csv(tmp, index=False)


def read_folds(path: str | os.PathLike) -> pd.DataFrame:
    """Read folds.csv (ImageId, fold), with a one-line error on a wrong header."""
    path = require_file(path, "folds file")
    folds = pd.read_csv(path, dtype={"ImageId": str})
    if tuple(folds.columns) != FOLD_COLUMNS:
        raise SteelDefectError(f"{path}: header must be {','.join(FOLD_COLUMNS)}, got {','.join(folds.columns)}")
    if folds["ImageId"].duplicated().any():
        raise SteelDefectError(f"{path}: image {folds.loc[folds['ImageId'].duplicated(), 'ImageId'].iloc[0]} "
                               "appears in more than one fold")
    return folds


def ensure_folds(path: str | os.PathLike, table: pd.DataFrame, k: int, seed: int) -> pd.DataFrame:
    """Read the folds file at ``path``, creating it from ``table``, ``k`` and ``seed`` when missing.

    The one place a training run gets its folds: an existing file must have ``k`` folds.
    """
    path = Path(path)
    if not path.is_file():
        write_folds(make_folds(table, k, seed), path)
    folds = read_folds(path)
    found = int(folds["fold"].max()) + 1
    if found != k:
        raise SteelDefectError(f"{path} has {found} folds but the config says folds.k={k}; "
                               f"use a runs folder made with this config or delete {path.name}")
    return folds


def split_fold(folds: pd.DataFrame, fold: int) -> tuple[list[str], list[str]]:
    """(training ids, validation ids) of ``fold``: the other folds train, this one validates."""
    train_ids = folds.loc[folds["fold"] != fold, "ImageId"].tolist()
    val_ids = folds.loc[folds["fold"] == fold, "ImageId"].tolist()
    if not train_ids or not val_ids:
        raise SteelDefectError(f"fold {fold} leaves {len(train_ids)} training and {len(val_ids)} validation "
                               "images; each needs at least one")
    return train_ids, val_ids

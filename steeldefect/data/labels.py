"""Label tables: one row per image, a column of RLE per class, read from any Kaggle layout.

A label table is a pandas DataFrame with the column ``ImageId`` (e.g. ``0002cc93b.jpg``) and one
column per class, ``rle_1`` .. ``rle_K`` (K = 4 for Severstal; a dataset.yaml names other counts), each
an RLE string, ``""`` for an empty mask. Submissions are label tables too. Functions that take a table
read its class count from its columns (``table_rle_columns``).
"""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pandas as pd

from steeldefect.artifacts.dataset_file import rle_columns
from steeldefect.constants import CLASS_IDS, IMAGE_SHAPE, LATER_LAYOUT, NUM_CLASSES, ORIGINAL_LAYOUT
from steeldefect.data.images import list_images
from steeldefect.data.io import atomic_write
from steeldefect.data.layouts import PIVOT_LAYOUT, detect_layout
from steeldefect.data.rle import rle_runs
from steeldefect.errors import SteelDefectError


def empty_table(image_ids, n_classes: int = NUM_CLASSES) -> pd.DataFrame:
    """A label table of ``image_ids`` and ``n_classes`` classes with every mask empty."""
    ids = [str(i) for i in image_ids]
    return pd.DataFrame({"ImageId": ids, **{col: [""] * len(ids) for col in rle_columns(n_classes)}})


def table_rle_columns(table: pd.DataFrame) -> tuple[str, ...]:
    """The RLE columns of a label table, ``rle_1`` .. ``rle_K`` in class order."""
    k = 0
    while f"rle_{k + 1}" in table.columns:
        k += 1
    if not k:
        raise SteelDefectError("a label table needs the columns rle_1 .. rle_K (got "
                               f"{', '.join(map(str, table.columns))})")
    return rle_columns(k)


def table_n_classes(table: pd.DataFrame) -> int:
    """K, the class count of a label table."""
    return len(table_rle_columns(table))


def _read_csv(path: Path) -> pd.DataFrame:
    try:
        df = pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8-sig", index_col=False)
    except (pd.errors.ParserError, UnicodeDecodeError) as err:
        raise SteelDefectError(f"{path}: not a readable CSV file ({str(err).splitlines()[0]})") from None
    df.columns = df.columns.str.strip()
    return df


def _class_of(value: str, path: Path, line: int, n_classes: int) -> int:
    try:
        cls = int(value)
    except ValueError:
        cls = -1
    if not 1 <= cls <= n_classes:
        raise SteelDefectError(f"{path} line {line}: class {value!r} is not one of {list(range(1, n_classes + 1))}")
    return cls


def _fill(ids: list[str], classes: list[int], rles: list[str], path: Path, lines: list[int],
          image_order: list[str] | None, n_classes: int) -> pd.DataFrame:
    """Build a label table from (image, class, rle) triples; reject duplicates."""
    order = image_order if image_order is not None else list(dict.fromkeys(ids))
    table = empty_table(order, n_classes)
    columns = list(rle_columns(n_classes))
    row_of = {image_id: i for i, image_id in enumerate(order)}
    values = table[columns].to_numpy(dtype=object, copy=True)  # one column gives a read-only view
    seen: dict[tuple[str, int], int] = {}
    for image_id, cls, rle, line in zip(ids, classes, rles, lines):
        key = (image_id, cls)
        if key in seen:
            raise SteelDefectError(f"{path} line {line}: duplicate row for image {image_id} class {cls} "
                                   f"(first at line {seen[key]})")
        seen[key] = line
        if image_id not in row_of:
            raise SteelDefectError(f"{path} line {line}: image {image_id} is not in the image folder")
        values[row_of[image_id], cls - 1] = rle.strip()
    table[columns] = values
    return table


Shapes = "dict[str, tuple[int, int]] | tuple[int, int] | None"  # per image, one for all, or 256x1600


def check_rles(table: pd.DataFrame, source: str | os.PathLike = "labels", shapes: Shapes = None) -> None:
    """Raise RLEError naming the file, image and class of the first malformed RLE in ``table``; each
    image's RLE is checked at its (height, width): ``shapes[image]``, or ``shapes`` itself when it is one
    shape for all (default 256x1600)."""
    for cls, col in enumerate(table_rle_columns(table), start=1):
        for image_id, rle in zip(table["ImageId"], table[col]):
            if rle:
                shape = shapes if isinstance(shapes, tuple) else (shapes or {}).get(image_id, IMAGE_SHAPE)
                rle_runs(rle, shape, context=f"{source}, image {image_id} class {cls}")


def read_labels(path: str | os.PathLike, images_dir: str | os.PathLike | None = None,
                check: bool = True, images_from_rows: bool = False, n_classes: int = NUM_CLASSES,
                shapes: Shapes = None) -> pd.DataFrame:
    """Read a train.csv, test_labels.csv or submission in any layout into a label table.

    The later layout lists defect rows only, so the image list then comes from ``images_dir``
    (by default ``train_images/`` beside the CSV), or from the rows themselves when
    ``images_from_rows`` (submissions). Class ids must be 1..``n_classes``. Every RLE is checked,
    at its image's size from ``shapes`` (default 256x1600), unless ``check=False``.
    """
    path = Path(path)
    layout = detect_layout(path)
    df = _read_csv(path)
    lines = list(range(2, len(df) + 2))
    if layout == ORIGINAL_LAYOUT:
        keys = df["ImageId_ClassId"].str.strip()
        split = keys.str.rsplit("_", n=1)
        bad = [i for i, parts in enumerate(split) if len(parts) != 2]
        if bad:
            raise SteelDefectError(f"{path} line {bad[0] + 2}: ImageId_ClassId {keys.iloc[bad[0]]!r} "
                                   "is not of the form <image>_<class>")
        ids = [parts[0] for parts in split]
        classes = [_class_of(parts[1], path, line, n_classes) for parts, line in zip(split, lines)]
        table = _fill(ids, classes, df["EncodedPixels"].tolist(), path, lines, None, n_classes)
    elif layout == LATER_LAYOUT:
        ids = df["ImageId"].str.strip().tolist()
        classes = [_class_of(v, path, line, n_classes) for v, line in zip(df["ClassId"], lines)]
        folder = Path(images_dir) if images_dir is not None else path.parent / "train_images"
        if images_from_rows and images_dir is None:
            table = _fill(ids, classes, df["EncodedPixels"].tolist(), path, lines, None, n_classes)
        elif not folder.is_dir():
            raise SteelDefectError(f"{path} is in the later layout (defect rows only), so the image list "
                                   f"must come from the image folder, which was not found: {folder}")
        else:
            table = _fill(ids, classes, df["EncodedPixels"].tolist(), path, lines, list_images(folder), n_classes)
    else:  # PIVOT_LAYOUT
        table = pd.DataFrame({"ImageId": df["img"].str.strip(),
                              **{col: df[str(c)].str.strip() for col, c in zip(rle_columns(len(CLASS_IDS)), CLASS_IDS)}})
        dup = table["ImageId"].duplicated()
        if dup.any():
            raise SteelDefectError(f"{path} line {int(np.flatnonzero(dup)[0]) + 2}: duplicate image "
                                   f"{table['ImageId'][dup].iloc[0]}")
    if check:
        check_rles(table, path, shapes)
    return table.reset_index(drop=True)


def write_labels(table: pd.DataFrame, path: str | os.PathLike, layout: str = ORIGINAL_LAYOUT) -> None:
    """Write a label table as a train.csv, atomically.

    original: ``ImageId_ClassId,EncodedPixels`` with K rows per image; later:
    ``ImageId,ClassId,EncodedPixels`` with the non-empty masks only.
    """
    rows = long_rows(table)
    if layout == ORIGINAL_LAYOUT:
        out = pd.DataFrame({"ImageId_ClassId": rows["ImageId"] + "_" + rows["ClassId"].astype(str),
                            "EncodedPixels": rows["EncodedPixels"]})
    elif layout == LATER_LAYOUT:
        out = rows[rows["EncodedPixels"] != ""][["ImageId", "ClassId", "EncodedPixels"]]
    else:
        raise SteelDefectError(f"unknown layout {layout!r}; use {ORIGINAL_LAYOUT} or {LATER_LAYOUT}")
    with atomic_write(path) as tmp:
        out.to_csv(tmp, index=False)


def long_rows(table: pd.DataFrame) -> pd.DataFrame:
    """Rows (ImageId, ClassId, EncodedPixels), image-major then class order, empties included."""
    n, columns = len(table), list(table_rle_columns(table))
    return pd.DataFrame({
        "ImageId": np.repeat(table["ImageId"].to_numpy(dtype=object), len(columns)),
        "ClassId": np.tile(np.arange(1, len(columns) + 1), n),
        "EncodedPixels": table[columns].to_numpy(dtype=object).reshape(-1),
    })


def label_presence(table: pd.DataFrame) -> np.ndarray:
    """bool (N, K): whether each image has each class."""
    return np.stack([table[col].str.strip().str.len().to_numpy() > 0 for col in table_rle_columns(table)], axis=1)


def label_areas(table: pd.DataFrame) -> np.ndarray:
    """int64 (N, K): mask area in pixels per image and class (sum of run lengths)."""
    def area(rle: str) -> int:
        values = rle.split()
        return sum(int(v) for v in values[1::2])

    columns = table_rle_columns(table)
    return np.array([[area(r) for r in table[col]] for col in columns], dtype=np.int64).T.reshape(
        len(table), len(columns))

"""Submissions: write them atomically, read them back, and validate them against a sample.

Both layouts are supported. In the original layout a submission has the rows
``<image>_<class>,<rle>`` of the sample; in the later layout (``ImageId,EncodedPixels,ClassId``)
Kaggle asks for num_images x num_classes rows, so each image of the sample has one row per class 1..K
(K = 4 for Severstal; an imported dataset's dataset.yaml names its own).
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from steeldefect.constants import IMAGE_SHAPE, LATER_LAYOUT, NUM_CLASSES, ORIGINAL_LAYOUT
from steeldefect.data.io import atomic_write
from steeldefect.data.labels import _read_csv, long_rows, read_labels
from steeldefect.data.layouts import detect_layout
from steeldefect.data.rle import rle_runs
from steeldefect.errors import RLEError, SteelDefectError


def write_submission(table: pd.DataFrame, path: str | os.PathLike, layout: str = ORIGINAL_LAYOUT) -> None:
    """Write a label table as a submission CSV (all K rows per image), atomically."""
    rows = long_rows(table)
    if layout == ORIGINAL_LAYOUT:
        out = pd.DataFrame({"ImageId_ClassId": rows["ImageId"] + "_" + rows["ClassId"].astype(str),
                            "EncodedPixels": rows["EncodedPixels"]})
    elif layout == LATER_LAYOUT:
        out = rows[["ImageId", "EncodedPixels", "ClassId"]]
    else:
        raise SteelDefectError(f"unknown submission layout {layout!r}; use {ORIGINAL_LAYOUT} or {LATER_LAYOUT}")
    with atomic_write(path) as tmp:
        out.to_csv(tmp, index=False)


def read_submission(path: str | os.PathLike, n_classes: int = NUM_CLASSES, shapes=None) -> pd.DataFrame:
    """Read a submission in either layout into a label table (images as listed in its rows) of
    ``n_classes`` classes, each RLE checked at its image's size (``shapes``: as ``read_labels``)."""
    return read_labels(path, images_from_rows=True, n_classes=n_classes, shapes=shapes)


def sample_image_ids(path: str | os.PathLike) -> tuple[list[str], str]:
    """The test image ids of a sample submission, in order, and its layout."""
    path = Path(path)
    layout = detect_layout(path)
    df = _read_csv(path)
    if layout == ORIGINAL_LAYOUT:
        ids = df["ImageId_ClassId"].str.strip().str.rsplit("_", n=1).str[0]
    elif layout == LATER_LAYOUT:
        ids = df["ImageId"].str.strip()
    else:
        raise SteelDefectError(f"{path}: a sample submission must be in the original or later layout")
    return list(dict.fromkeys(ids)), layout


def expected_rows(path: str | os.PathLike, n_classes: int = NUM_CLASSES) -> set[tuple[str, int]]:
    """(image, class) rows a submission must hold: the sample's own keys in the original layout,
    classes 1..K of every sample image in the later one (whose sample lists images only)."""
    image_ids, layout = sample_image_ids(path)
    if layout == ORIGINAL_LAYOUT:
        keys = _read_csv(Path(path))["ImageId_ClassId"].str.strip().str.rsplit("_", n=1)
        return {(k[0], int(k[1])) for k in keys if len(k) == 2 and k[1].isascii() and k[1].isdigit()}
    return {(i, c) for i in image_ids for c in range(1, n_classes + 1)}


@dataclass
class ValidationReport:
    """The outcome of validating a submission: every problem found (first ones in ``problems``)."""

    path: str
    n_rows: int = 0
    n_problems: int = 0
    problems: list[str] = field(default_factory=list)
    max_listed: int = 20

    def add(self, problem: str) -> None:
        self.n_problems += 1
        if len(self.problems) < self.max_listed:
            self.problems.append(problem)

    @property
    def ok(self) -> bool:
        return self.n_problems == 0


def _row_keys(df: pd.DataFrame, layout: str, report: ValidationReport, n_classes: int) -> list[tuple[str, int] | None]:
    """(image, class) per row, or None for a row whose key is malformed (reported)."""
    keys: list[tuple[str, int] | None] = []
    if layout == ORIGINAL_LAYOUT:
        pairs = [(k.strip().rsplit("_", 1) + [""])[:2] for k in df["ImageId_ClassId"]]
    else:
        pairs = [[i.strip(), c.strip()] for i, c in zip(df["ImageId"], df["ClassId"])]
    for line, (image_id, cls) in enumerate(pairs, start=2):
        if not (cls.isascii() and cls.isdigit()) or not 1 <= int(cls) <= n_classes:
            report.add(f"line {line}: class {cls!r} of image {image_id!r} is not one of {list(range(1, n_classes + 1))}")
            keys.append(None)
        else:
            keys.append((image_id, int(cls)))
    return keys


def validate_submission(path: str | os.PathLike, sample_path: str | os.PathLike | None,
                        max_listed: int = 20, n_classes: int = NUM_CLASSES, shapes=None) -> ValidationReport:
    """Check a submission against a sample: exactly the sample's rows, no extra or duplicate
    rows, every RLE well formed and inside the image. Problems are collected, not raised.

    Without a sample (``None``) the checks are structural: the submission's own images, each with
    one row per class 1..K, in its own layout. ``shapes`` maps images to their (H, W) (default 256x1600).
    """
    path = Path(path)
    if sample_path is None:
        image_ids, sample_layout = sample_image_ids(path)
        expected = {(i, c) for i in image_ids for c in range(1, n_classes + 1)}
    else:
        sample_layout = detect_layout(sample_path)
        expected = expected_rows(sample_path, n_classes)
    report = ValidationReport(str(path), max_listed=max_listed)
    layout = detect_layout(path)
    if layout not in (ORIGINAL_LAYOUT, LATER_LAYOUT):
        raise SteelDefectError(f"{path}: a submission must be in the original or later layout")
    if layout != sample_layout:
        report.add(f"layout is {layout!r} but the sample's is {sample_layout!r}")
    df = _read_csv(path)
    report.n_rows = len(df)
    seen: dict[tuple[str, int], int] = {}
    for line, (key, rle) in enumerate(zip(_row_keys(df, layout, report, n_classes), df["EncodedPixels"]), start=2):
        if key is None:
            continue
        if key in seen:
            report.add(f"line {line}: duplicate row for image {key[0]} class {key[1]} (first at line {seen[key]})")
            continue
        seen[key] = line
        if key not in expected:
            report.add(f"line {line}: row for image {key[0]} class {key[1]} is not in the sample submission")
            continue
        try:
            shape = shapes if isinstance(shapes, tuple) else (shapes or {}).get(key[0], IMAGE_SHAPE)
            rle_runs(rle, shape, context=f"line {line}, image {key[0]} class {key[1]}")
        except RLEError as err:
            report.add(str(err))
    missing = sorted(expected - seen.keys())
    for image_id, cls in missing:
        report.add(f"missing row for image {image_id} class {cls}")
    return report

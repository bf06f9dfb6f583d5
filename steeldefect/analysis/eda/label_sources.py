"""Label sources for the analysis: any label CSV, reduced to what the statistics need.

Besides the label layouts of the data layer (original, later, pivot; ``read_labels``), two per-image
summary files of the real data are accepted, which carry no masks:
- areas: ``image_id,...,area_class_1..area_class_4`` (shared/real/train_mask_areas.csv);
- flags: ``<id column>,1,2,3,4`` with 0/1 per class (shared/real/train_class_flags.csv).
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from steeldefect.constants import CLASS_IDS, LATER_LAYOUT
from steeldefect.data.kaggle_folder import TRAIN_CSV, TRAIN_IMAGES
from steeldefect.data.io import require_dir, require_file
from steeldefect.data.labels import _read_csv, label_areas, label_presence, read_labels
from steeldefect.data.layouts import KNOWN_HEADERS, detect_layout, read_header
from steeldefect.analysis.eda.rle_runs import run_areas
from steeldefect.errors import SteelDefectError

RLE_KIND = "rle"  # masks available (run-length encoded): presence, areas and shapes
AREAS_KIND = "areas"  # per-class pixel areas only
FLAGS_KIND = "flags"  # per-class presence only
AREA_COLUMNS = tuple(f"area_class_{c}" for c in CLASS_IDS)  # columns of a per-image area summary
FLAG_COLUMNS = tuple(str(c) for c in CLASS_IDS)  # columns of a per-image presence summary
ID_COLUMNS = ("ImageId", "image_id", "img", "ImageId_ClassId")  # names an image-id column may have
SUMMARY_HEADERS = ("image_id,...,area_class_1,...,area_class_4", "ImageId,1,2,3,4 (0/1 flags)")


@dataclass(frozen=True)
class LabelSource:
    """Per-image labels as far as a file gives them.

    image_ids: str (N,); presence: bool (N, NUM_CLASSES); areas: int64 (N, NUM_CLASSES) or None;
    table: the label table with RLE masks (``kind == "rle"``) or None; notes: caveats to print.
    """

    path: str
    kind: str
    image_ids: np.ndarray
    presence: np.ndarray
    areas: np.ndarray | None = None
    table: pd.DataFrame | None = None
    notes: tuple[str, ...] = field(default=())

    @property
    def has_masks(self) -> bool:
        return self.table is not None


def from_table(table: pd.DataFrame, path: str = "labels", notes: tuple[str, ...] = (),
               checked: bool = True) -> LabelSource:
    """A LabelSource of a label table (RLE masks): presence and areas from the runs, no decoding.

    ``checked``: the table's RLE were validated (as ``read_labels`` does), so the fast parser is used.
    """
    areas = run_areas(table) if checked else label_areas(table)
    return LabelSource(str(path), RLE_KIND, table["ImageId"].to_numpy(dtype=object),
                       label_presence(table), areas, table, notes)


def _id_column(header: list[str]) -> str:
    return next((h for h in ID_COLUMNS if h in header), header[0])


def _numbers(df: pd.DataFrame, columns: tuple[str, ...], path: Path) -> np.ndarray:
    """The integer matrix of ``columns``; a one-line error naming the first bad cell."""
    try:
        return df[list(columns)].replace("", "0").astype(np.int64).to_numpy()
    except (ValueError, TypeError):
        for col in columns:
            bad = pd.to_numeric(df[col].replace("", "0"), errors="coerce").isna()
            if bad.any():
                i = int(np.flatnonzero(bad.to_numpy())[0])
                raise SteelDefectError(f"{path} line {i + 2}: column {col} holds {df[col].iloc[i]!r}, "
                                       "not a whole number") from None
        raise


def _summary_source(path: Path, header: list[str], kind: str) -> LabelSource:
    df = _read_csv(path)
    ids = df[_id_column(header)].str.strip().to_numpy(dtype=object)
    dup = pd.Series(ids).duplicated().to_numpy()
    if dup.any():
        raise SteelDefectError(f"{path} line {int(np.flatnonzero(dup)[0]) + 2}: duplicate image {ids[dup][0]}")
    if kind == AREAS_KIND:
        areas = _numbers(df, AREA_COLUMNS, path)
        if (areas < 0).any():
            raise SteelDefectError(f"{path}: negative mask area in line {int(np.argwhere(areas < 0)[0, 0]) + 2}")
        return LabelSource(str(path), kind, ids, areas > 0, areas)
    flags = _numbers(df, FLAG_COLUMNS, path)
    if not np.isin(flags, (0, 1)).all():
        line = int(np.argwhere(~np.isin(flags, (0, 1)))[0, 0]) + 2
        raise SteelDefectError(f"{path} line {line}: class flags must be 0 or 1")
    return LabelSource(str(path), kind, ids, flags.astype(bool))


def load_label_source(path: str | os.PathLike, images_dir: str | os.PathLike | None = None) -> LabelSource:
    """Read any supported label CSV (see the module docstring) into a LabelSource.

    A train.csv in the later layout lists defect rows only; without an image folder its clean images
    are unknown, so it is read from its rows with a note saying so.
    """
    path = require_file(path, "label file")
    header = read_header(path)
    if set(AREA_COLUMNS) <= set(header):
        return _summary_source(path, header, AREAS_KIND)
    if set(FLAG_COLUMNS) <= set(header) and "img" not in header:
        return _summary_source(path, header, FLAGS_KIND)
    try:
        layout = detect_layout(path)
    except SteelDefectError:
        raise SteelDefectError(f"{path}: unrecognised CSV header {','.join(header)!r}; expected one of: "
                               + " | ".join(KNOWN_HEADERS + SUMMARY_HEADERS)) from None
    beside = path.parent / TRAIN_IMAGES
    if layout == LATER_LAYOUT and images_dir is None and not beside.is_dir():
        note = (f"{path.name} is in the later layout (defect rows only) and no image folder was given: "
                "images without defects are unknown, so the counts cover defective images only")
        return from_table(read_labels(path, images_from_rows=True), str(path), (note,))
    return from_table(read_labels(path, images_dir=images_dir), str(path))


def resolve_inputs(data_dir: str | os.PathLike | None, labels: str | os.PathLike | None = None,
                   images: str | os.PathLike | None = None) -> tuple[Path, Path | None]:
    """(label file, image folder or None) from a dataset folder and/or explicit paths.

    The labels default to DATA/train.csv and the images to DATA/train_images when it exists.
    """
    if data_dir is None and labels is None:
        raise SteelDefectError("give a dataset folder (--data DIR) or a label file (--labels FILE)")
    data = require_dir(data_dir, "data folder") if data_dir is not None else None
    label_path = require_file(labels, "label file") if labels is not None else require_file(
        data / TRAIN_CSV, f"{TRAIN_CSV} in the data folder")
    if images is not None:
        return label_path, require_dir(images, "image folder")
    if data is not None and (data / TRAIN_IMAGES).is_dir():
        return label_path, data / TRAIN_IMAGES
    return label_path, None


def summary_of(source: LabelSource) -> str:
    """One line: what the source holds."""
    what = {RLE_KIND: "masks (RLE)", AREAS_KIND: "areas per class, no masks",
            FLAGS_KIND: "presence per class only"}[source.kind]
    return f"{source.path}: {len(source.image_ids):,} images, {what}"


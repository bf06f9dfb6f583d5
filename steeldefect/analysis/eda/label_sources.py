"""Label sources for the analysis: any label CSV, reduced to what the statistics need.

Besides the label layouts of the data layer (original, later, pivot; ``read_labels``), two per-image
summary files of the real data are accepted, which carry no masks:
- areas: ``image_id,...,area_class_1..area_class_K`` (shared/real/train_mask_areas.csv);
- flags: ``<id column>,1,2,..,K`` with 0/1 per class (shared/real/train_class_flags.csv).

K, the class names and the image sizes come from the dataset (a ``DatasetSpec``; Severstal's by default).
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from steeldefect.analysis.classes import names_or_default
from steeldefect.artifacts.dataset_file import KAGGLE, DatasetSpec, has_dataset_file, read_dataset
from steeldefect.constants import LATER_LAYOUT
from steeldefect.data.kaggle_folder import TRAIN_CSV, TRAIN_IMAGES, image_shapes
from steeldefect.data.io import require_dir, require_file
from steeldefect.data.labels import _read_csv, check_rles, label_areas, label_presence, read_labels
from steeldefect.data.layouts import KNOWN_HEADERS, detect_layout, read_header
from steeldefect.analysis.eda.rle_runs import run_areas
from steeldefect.errors import SteelDefectError

RLE_KIND = "rle"  # masks available (run-length encoded): presence, areas and shapes
AREAS_KIND = "areas"  # per-class pixel areas only
FLAGS_KIND = "flags"  # per-class presence only
ID_COLUMNS = ("ImageId", "image_id", "img", "ImageId_ClassId")  # names an image-id column may have
SUMMARY_HEADERS = ("image_id,...,area_class_1,...,area_class_K", "ImageId,1,2,...,K (0/1 flags)")


def area_columns(n_classes: int) -> tuple[str, ...]:
    """Columns of a per-image area summary: ``area_class_1`` .. ``area_class_K``."""
    return tuple(f"area_class_{c}" for c in range(1, n_classes + 1))


def flag_columns(n_classes: int) -> tuple[str, ...]:
    """Columns of a per-image presence summary: ``1`` .. ``K``."""
    return tuple(str(c) for c in range(1, n_classes + 1))


@dataclass(frozen=True)
class LabelSource:
    """Per-image labels as far as a file gives them.

    image_ids: str (N,); presence: bool (N, K); areas: int64 (N, K) or None; table: the label table
    with RLE masks (``kind == "rle"``) or None; notes: caveats to print; class_names: K names (empty:
    ``class 1`` ..); shapes: each image's (height, width) (a dict by id, one tuple for all, or None
    when unknown).
    """

    path: str
    kind: str
    image_ids: np.ndarray
    presence: np.ndarray
    areas: np.ndarray | None = None
    table: pd.DataFrame | None = None
    notes: tuple[str, ...] = field(default=())
    class_names: tuple[str, ...] = ()
    shapes: dict | tuple | None = None

    @property
    def has_masks(self) -> bool:
        return self.table is not None

    @property
    def n_classes(self) -> int:
        return int(self.presence.shape[1])

    @property
    def names(self) -> tuple[str, ...]:
        """The K class names, in id order."""
        return names_or_default(self.class_names, self.n_classes)


def from_table(table: pd.DataFrame, path: str = "labels", notes: tuple[str, ...] = (),
               checked: bool = True, class_names: tuple[str, ...] = (), shapes=None) -> LabelSource:
    """A LabelSource of a label table (RLE masks): presence and areas from the runs, no decoding.

    ``checked``: the table's RLE were validated (as ``read_labels`` does), so the fast parser is used.
    """
    areas = run_areas(table) if checked else label_areas(table)
    return LabelSource(str(path), RLE_KIND, table["ImageId"].to_numpy(dtype=object),
                       label_presence(table), areas, table, notes, tuple(class_names), shapes)


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


def _summary_source(path: Path, header: list[str], kind: str, spec: DatasetSpec) -> LabelSource:
    df = _read_csv(path)
    ids = df[_id_column(header)].str.strip().to_numpy(dtype=object)
    dup = pd.Series(ids).duplicated().to_numpy()
    if dup.any():
        raise SteelDefectError(f"{path} line {int(np.flatnonzero(dup)[0]) + 2}: duplicate image {ids[dup][0]}")
    if kind == AREAS_KIND:
        areas = _numbers(df, area_columns(spec.n_classes), path)
        if (areas < 0).any():
            raise SteelDefectError(f"{path}: negative mask area in line {int(np.argwhere(areas < 0)[0, 0]) + 2}")
        return LabelSource(str(path), kind, ids, areas > 0, areas, class_names=spec.class_names)
    flags = _numbers(df, flag_columns(spec.n_classes), path)
    if not np.isin(flags, (0, 1)).all():
        line = int(np.argwhere(~np.isin(flags, (0, 1)))[0, 0]) + 2
        raise SteelDefectError(f"{path} line {line}: class flags must be 0 or 1")
    return LabelSource(str(path), kind, ids, flags.astype(bool), class_names=spec.class_names)


def _image_sizes(table: pd.DataFrame, folder: Path | None, spec: DatasetSpec):
    """Each image's (height, width): the dataset's one size, each file's (sizes mixed), or None when
    the sizes are mixed and there is no image folder."""
    if spec.single_shape is not None:
        return spec.single_shape
    return image_shapes(folder, table["ImageId"], spec) if folder is not None else None


def _rle_source(path: Path, layout: str, images_dir: Path | None, spec: DatasetSpec) -> LabelSource:
    """A LabelSource of a label file with masks, each checked at its image's size when known."""
    beside = path.parent / TRAIN_IMAGES
    notes: list[str] = []
    if layout == LATER_LAYOUT and images_dir is None and not beside.is_dir():
        notes.append(f"{path.name} is in the later layout (defect rows only) and no image folder was given: "
                     "images without defects are unknown, so the counts cover defective images only")
        table = read_labels(path, images_from_rows=True, n_classes=spec.n_classes, check=False)
    else:
        table = read_labels(path, images_dir=images_dir, n_classes=spec.n_classes, check=False)
    folder = Path(images_dir) if images_dir is not None else (beside if beside.is_dir() else None)
    shapes = _image_sizes(table, folder, spec)
    if shapes is None:
        notes.append("the images have several sizes and no image folder was given: masks are not checked "
                     "and their shapes are not measured")
    else:
        check_rles(table, path, shapes)
    return from_table(table, str(path), tuple(notes), checked=shapes is not None,
                      class_names=spec.class_names, shapes=shapes)


def load_label_source(path: str | os.PathLike, images_dir: str | os.PathLike | None = None,
                      spec: DatasetSpec = KAGGLE) -> LabelSource:
    """Read any supported label CSV (see the module docstring) into a LabelSource of ``spec``'s classes.

    A train.csv in the later layout lists defect rows only; without an image folder its clean images
    are unknown, so it is read from its rows with a note saying so.
    """
    path = require_file(path, "label file")
    header = read_header(path)
    if set(area_columns(spec.n_classes)) <= set(header):
        return _summary_source(path, header, AREAS_KIND, spec)
    if set(flag_columns(spec.n_classes)) <= set(header) and "img" not in header:
        return _summary_source(path, header, FLAGS_KIND, spec)
    try:
        layout = detect_layout(path)
    except SteelDefectError:
        raise SteelDefectError(f"{path}: unrecognised CSV header {','.join(header)!r}; expected one of: "
                               + " | ".join(KNOWN_HEADERS + SUMMARY_HEADERS)) from None
    return _rle_source(path, layout, Path(images_dir) if images_dir is not None else None, spec)


def labels_dataset(data_dir: str | os.PathLike | None, labels: str | os.PathLike | None = None) -> DatasetSpec:
    """The classes and sizes of what is analysed: DATA's dataset.yaml, else the one beside the label
    file, else Severstal's (``KAGGLE``)."""
    if data_dir is None and labels is not None and has_dataset_file(Path(labels).parent):
        return read_dataset(Path(labels).parent)
    return read_dataset(data_dir)


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


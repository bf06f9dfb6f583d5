"""Write an ``Imported`` as a dataset folder, all or nothing.

The folder holds ``train_images/`` (copies, or symlinks with ``link``), ``train.csv`` in the later
layout (``ImageId,ClassId,EncodedPixels``, each RLE at its image's own size), ``dataset.yaml`` (classes
and image sizes), and with test images ``test_images/`` and a ``sample_submission.csv`` listing them.
Everything is written into a hidden folder beside ``out`` and renamed into place at the end, so a
failed import leaves nothing half-written; an existing non-empty ``out`` is replaced only with
``force``, and only once the new folder is complete.
"""

from __future__ import annotations

import shutil
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from steeldefect.artifacts.dataset_file import DatasetSpec, ImageSize, rle_columns, write_dataset
from steeldefect.constants import LATER_LAYOUT
from steeldefect.data.images import list_images, read_image_shape
from steeldefect.data.io import require_dir
from steeldefect.data.kaggle_folder import SAMPLE_SUBMISSION, TEST_IMAGES, TRAIN_CSV, TRAIN_IMAGES
from steeldefect.data.labels import empty_table, write_labels
from steeldefect.data.submission import write_submission
from steeldefect.errors import SteelDefectError
from steeldefect.importing.imported import Imported, ImportedImage
from steeldefect.importing.problems import Problems
from steeldefect.importing.staged import staged_folder

@dataclass(frozen=True)
class FolderOptions:
    """Where and how to write the dataset folder."""

    out: Path
    test_images: Path | None = None  # unlabelled images to copy into test_images/
    link: bool = False  # symlink the training images instead of copying them
    force: bool = False  # replace a non-empty ``out``
    name: str | None = None  # the dataset's name in dataset.yaml


@dataclass(frozen=True)
class WrittenDataset:
    """What was written: the folder, its spec, the test images and the test images left out."""

    out: Path
    spec: DatasetSpec
    n_images: int
    n_test: int
    skipped_test: tuple[str, ...] = ()


def label_table(images: tuple[ImportedImage, ...], n_classes: int) -> pd.DataFrame:
    """The label table (ImageId, rle_1 .. rle_K) of imported images."""
    table = empty_table([i.name for i in images], n_classes)
    for k, column in enumerate(rle_columns(n_classes)):
        table[column] = [i.rles[k] for i in images]
    return table


def image_sizes(shapes) -> tuple[ImageSize, ...]:
    """Every (height, width) among ``shapes`` with its count, the most common first (ties: first seen)."""
    return tuple(ImageSize(h, w, n) for (h, w), n in Counter(tuple(s) for s in shapes).most_common())


def check_out(out: Path, force: bool, inputs=()) -> None:
    """Refuse an ``out`` that is a file, a non-empty folder without ``force``, or holds an input."""
    if out.exists() and not out.is_dir():
        raise SteelDefectError(f"--out {out} is a file; give a folder")
    resolved = out.resolve()
    for path in inputs:
        if path is not None and (Path(path).resolve() == resolved or resolved in Path(path).resolve().parents):
            raise SteelDefectError(f"--out {out} holds the input {path}; write the dataset to another folder")
    if out.is_dir() and any(out.iterdir()) and not force:
        raise SteelDefectError(f"--out {out} exists and is not empty; give --force to replace it")


def _place(source: Path, target: Path, link: bool) -> None:
    if link:
        target.symlink_to(source.resolve())
    else:
        shutil.copy2(source, target)


def _write_test(folder: Path, staging: Path, n_classes: int) -> tuple[int, tuple[str, ...]]:
    """Copy the readable test images into staging/test_images and list them in a sample submission."""
    folder = require_dir(folder, "test image folder")
    problems = Problems(skip_bad=True)  # an unreadable test image is left out, never fatal
    good = [name for name in list_images(folder) if problems.guard(read_image_shape, folder / name) is not None]
    (staging / TEST_IMAGES).mkdir()
    for name in good:
        shutil.copy2(folder / name, staging / TEST_IMAGES / name)
    write_submission(empty_table(good, n_classes), staging / SAMPLE_SUBMISSION, layout=LATER_LAYOUT)
    return len(good), tuple(problems.found)


def _fill(staging: Path, imported: Imported, options: FolderOptions) -> WrittenDataset:
    k = len(imported.class_names)
    (staging / TRAIN_IMAGES).mkdir()
    for image in imported.images:
        _place(image.path, staging / TRAIN_IMAGES / image.name, options.link)
    write_labels(label_table(imported.images, k), staging / TRAIN_CSV, layout=LATER_LAYOUT)
    n_test, skipped = _write_test(options.test_images, staging, k) if options.test_images else (0, ())
    source = {**imported.source, **({"test_images": str(options.test_images)} if options.test_images else {})}
    spec = DatasetSpec(imported.class_names, image_sizes(i.shape for i in imported.images), options.name, source)
    write_dataset(spec, staging)
    return WrittenDataset(options.out, spec, len(imported.images), n_test, skipped)


def write_dataset_folder(imported: Imported, options: FolderOptions, inputs=()) -> WrittenDataset:
    """Write ``imported`` as the dataset folder ``options.out`` (see the module docstring)."""
    out = Path(options.out)
    check_out(out, options.force, inputs)
    if not imported.images:
        raise SteelDefectError("no image could be imported" + (f" ({len(imported.skipped)} left out as bad)"
                                                              if imported.skipped else ""))
    with staged_folder(out) as staging:
        written = _fill(staging, imported, options)
    return written

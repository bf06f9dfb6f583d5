"""A dataset folder: train.csv, train_images/, test_images/, samples, and dataset.yaml when imported.

A folder without dataset.yaml is the Severstal task (four classes, 256x1600 images); one written by
``steeldefect import`` names its classes and image sizes there (``artifacts.dataset_file``).
"""

from __future__ import annotations

import os
from pathlib import Path

import pandas as pd

from steeldefect.artifacts.dataset_file import DatasetSpec, read_dataset
from steeldefect.data.images import read_image_shape
from steeldefect.data.io import require_dir, require_file
from steeldefect.data.labels import check_rles, read_labels
from steeldefect.errors import SteelDefectError

TRAIN_CSV = "train.csv"  # training labels, original or later layout
TRAIN_IMAGES = "train_images"  # training image folder
TEST_IMAGES = "test_images"  # test image folder
SAMPLE_SUBMISSION = "sample_submission.csv"  # the test image list, as Kaggle gives it
TEST_LABELS = "test_labels.csv"  # hidden truth of the test images (synthetic data only)


def image_shapes(folder: str | os.PathLike | None, image_ids, spec: DatasetSpec) -> dict[str, tuple[int, int]]:
    """(height, width) of each image: the dataset's one size, or each file's own (read from its header)
    when sizes are mixed or not recorded."""
    ids = [str(i) for i in image_ids]
    if spec.single_shape is not None:
        return dict.fromkeys(ids, spec.single_shape)
    if folder is None:
        raise SteelDefectError(f"the images' sizes are needed and the dataset records {len(spec.sizes)} sizes; "
                               "give the image folder")
    return {i: read_image_shape(Path(folder) / i) for i in ids}


def train_labels(data_dir: str | os.PathLike) -> pd.DataFrame:
    """The label table of a dataset folder's train.csv (one clear error if the folder is wrong), with the
    dataset's class count and every RLE checked at its image's size."""
    data_dir = require_dir(data_dir, "data folder")
    csv_path = require_file(data_dir / TRAIN_CSV, f"{TRAIN_CSV} in the data folder")
    images = data_dir / TRAIN_IMAGES
    spec = read_dataset(data_dir)
    folder = images if images.is_dir() else None
    table = read_labels(csv_path, images_dir=folder, n_classes=spec.n_classes, check=False)
    check_rles(table, csv_path, spec.single_shape or image_shapes(folder, table["ImageId"], spec))
    return table

"""A dataset folder in the Kaggle layout: train.csv, train_images/, test_images/, samples."""

from __future__ import annotations

import os
from pathlib import Path

import pandas as pd

from steeldefect.data.io import require_dir, require_file
from steeldefect.data.labels import read_labels

TRAIN_CSV = "train.csv"  # training labels, original or later layout
TRAIN_IMAGES = "train_images"  # training image folder
TEST_IMAGES = "test_images"  # test image folder
SAMPLE_SUBMISSION = "sample_submission.csv"  # the test image list, as Kaggle gives it
TEST_LABELS = "test_labels.csv"  # hidden truth of the test images (synthetic data only)


def train_labels(data_dir: str | os.PathLike) -> pd.DataFrame:
    """The label table of a dataset folder's train.csv (one clear error if the folder is wrong)."""
    data_dir = require_dir(data_dir, "data folder")
    csv_path = require_file(data_dir / TRAIN_CSV, f"{TRAIN_CSV} in the data folder")
    images = data_dir / TRAIN_IMAGES
    return read_labels(csv_path, images_dir=images if images.is_dir() else None)

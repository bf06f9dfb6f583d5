"""Fixtures shared by the analysis tests: an imported dataset of three named classes and two image sizes."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from steeldefect import rle_encode
from steeldefect.artifacts.dataset_file import DatasetSpec, ImageSize, write_dataset
from steeldefect.data.images import write_jpeg
from steeldefect.data.labels import write_labels

K3_NAMES = ("scratch", "pit", "stain")  # the classes of the K=3 dataset
K3_SIZES = {"a.jpg": (32, 64), "b.jpg": (32, 64), "c.jpg": (48, 96)}  # two sizes in one dataset
K3_BOXES = {"a.jpg": {1: (2, 10, 3, 20)}, "b.jpg": {2: (5, 9, 5, 30), 3: (20, 30, 40, 60)},
            "c.jpg": {1: (10, 40, 10, 90)}}  # image -> class -> (row0, row1, col0, col1) of its mask


def k3_table(boxes=None) -> pd.DataFrame:
    """The K=3 label table of ``boxes`` (default ``K3_BOXES``): one rectangle per listed class."""
    rows = []
    for image_id, (h, w) in K3_SIZES.items():
        rles = []
        for cls in range(1, len(K3_NAMES) + 1):
            mask = np.zeros((h, w), np.uint8)
            box = (boxes or K3_BOXES).get(image_id, {}).get(cls)
            if box:
                mask[box[0]:box[1], box[2]:box[3]] = 1
            rles.append(rle_encode(mask))
        rows.append([image_id, *rles])
    return pd.DataFrame(rows, columns=["ImageId", "rle_1", "rle_2", "rle_3"])


def write_k3_dataset(root: Path) -> Path:
    """A dataset folder as `steeldefect import` writes it: dataset.yaml, train/test images and labels
    (the same three images and masks in both)."""
    sizes = (ImageSize(32, 64, 2), ImageSize(48, 96, 1))
    write_dataset(DatasetSpec(K3_NAMES, sizes, name="line3"), root / "dataset.yaml")
    rng = np.random.default_rng(0)
    for folder in ("train_images", "test_images"):
        (root / folder).mkdir(parents=True, exist_ok=True)
        for image_id, (h, w) in K3_SIZES.items():
            write_jpeg(root / folder / image_id, rng.integers(0, 255, (h, w, 3), dtype=np.uint8))
    write_labels(k3_table(), root / "train.csv")
    write_labels(k3_table(), root / "test_labels.csv")
    return root


@pytest.fixture(scope="session")
def k3_dataset(tmp_path_factory) -> Path:
    """An imported dataset: classes scratch, pit, stain; images of 32x64 and 48x96."""
    return write_k3_dataset(tmp_path_factory.mktemp("k3_dataset"))


@pytest.fixture(scope="session")
def make_k3_table():
    """``k3_table``: the K=3 label table of given boxes (a fixture, as conftest modules are not imported)."""
    return k3_table

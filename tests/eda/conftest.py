"""Fixtures of the EDA tests: a small dataset folder made of the ten real images."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from steeldefect.data.dataset import TRAIN_CSV, TRAIN_IMAGES
from steeldefect.data.images import list_images
from steeldefect.data.labels import read_labels, write_labels
from steeldefect.eda.recycle import recycle_masks
from steeldefect.eda.sources import load_label_source


def build_real_folder(real: Path, out: Path) -> Path:
    """out/train_images = the ten real images; out/train.csv = their real classes with real masks."""
    images = out / TRAIN_IMAGES
    images.mkdir(parents=True)
    ids = list_images(real / "images")
    for name in ids:
        shutil.copy(real / "images" / name, images / name)
    flags = load_label_source(real / "train_class_flags.csv")
    row = {i: k for k, i in enumerate(flags.image_ids)}
    presence = flags.presence[[row[i] for i in ids]]
    masks = read_labels(real / "train_masks_2515.csv", check=False)
    write_labels(recycle_masks(ids, presence, masks, seed=0), out / TRAIN_CSV)
    return out


@pytest.fixture(scope="session")
def real_folder(real_dir, tmp_path_factory) -> Path:
    return build_real_folder(real_dir, tmp_path_factory.mktemp("real_folder"))

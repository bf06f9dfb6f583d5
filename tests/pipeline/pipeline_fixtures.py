"""A tiny dataset folder whose defects are bright rectangles on a dark strip, so alignment shows."""

from __future__ import annotations

from dataclasses import replace

import cv2
import numpy as np
import pandas as pd

from steeldefect.config import AugmentationConfig, Config, DataConfig
from steeldefect.constants import RLE_COLUMNS
from steeldefect.data.labels import write_labels
from steeldefect.data.rle import rle_encode

TINY_IMAGE = (64, 256)  # (height, width) of the test images: the strip's aspect ratio, shrunk
TINY_INPUT = (32, 128)  # training size of the tests
BRIGHT, DARK = 230, 40  # pixel values of defects and background


def write_painted_dataset(root, n: int = 12, seed: int = 0):
    """n images (PNG bytes under .jpg names, as some real files are); defects are bright rectangles."""
    rng = np.random.default_rng(seed)
    (root / "train_images").mkdir(parents=True)
    rows = []
    for i in range(n):
        image = np.full((*TINY_IMAGE, 3), DARK, np.uint8)
        rles = [""] * len(RLE_COLUMNS)
        if i % 4:  # every fourth image is clean
            cls = i % len(RLE_COLUMNS)
            mask = np.zeros(TINY_IMAGE, np.uint8)
            y, x = rng.integers(4, TINY_IMAGE[0] - 28), rng.integers(4, TINY_IMAGE[1] - 60)
            mask[y:y + 24, x:x + 56] = 1
            image[mask > 0] = BRIGHT
            rles[cls] = rle_encode(mask)
        image_id = f"{i:09x}.jpg"
        cv2.imwrite(str(root / "train_images" / f"{image_id}.png"), image)
        (root / "train_images" / f"{image_id}.png").rename(root / "train_images" / image_id)
        rows.append([image_id, *rles])
    write_labels(pd.DataFrame(rows, columns=["ImageId", *RLE_COLUMNS]), root / "train.csv")
    return root


def tiny_config(augmentations=(), **data) -> Config:
    base = DataConfig(height=TINY_INPUT[0], width=TINY_INPUT[1], batch_size=4, shuffle_buffer=8,
                      augmentations=tuple(augmentations), oversample={1: 2, 2: 3})
    return replace(Config(name="tiny"), data=replace(base, **data))


ALL_AUGMENTATIONS = (
    AugmentationConfig("HorizontalFlip", {"p": 0.5}),
    AugmentationConfig("VerticalFlip", {"p": 0.5}),
    AugmentationConfig("Affine", {"translate_percent": [-0.1, 0.1], "rotate": [-10, 10], "scale": [0.9, 1.1], "p": 1.0}),
    AugmentationConfig("RandomBrightnessContrast", {"brightness_limit": 0.05, "contrast_limit": 0.05, "p": 1.0}),
    AugmentationConfig("GaussNoise", {"std_range": [0.01, 0.02], "p": 1.0}),
)

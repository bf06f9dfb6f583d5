"""Augmenter crops: a crop of a defective image holds the defect, however small and out of the way."""

from __future__ import annotations

import numpy as np

from steeldefect.config import AugmentationConfig
from steeldefect.pipeline.augment import build_augmenter

CROP = (16, 32)  # a quarter of the 32 x 128 test image's width, half its height


def _corner_defect():
    image = np.full((32, 128, 3), 40, np.uint8)
    mask = np.zeros((32, 128, 4), np.uint8)
    mask[28:31, 122:126, 3] = 1  # 12 px in the bottom-right corner: a random crop holds it ~1 time in 26
    image[mask[..., 3] > 0] = 230
    return image, mask


def test_crop_holds_the_defect_for_every_seed_and_keeps_it_aligned():
    image, mask = _corner_defect()
    augment = build_augmenter((AugmentationConfig("HorizontalFlip", {"p": 0.5}),), crop=CROP)
    for seed in range(40):
        out_image, out_mask = augment(image, mask, seed)
        assert out_image.shape == (*CROP, 3) and out_mask.shape == (*CROP, 4)
        assert out_mask[..., 3].any(), f"seed {seed}: the crop missed the defect"
        assert np.array_equal(out_image[..., 0] > 128, out_mask[..., 3] > 0)


def test_crop_without_a_mask_is_a_random_crop_and_seeded():
    image, _ = _corner_defect()
    augment = build_augmenter((), crop=CROP)
    first, none = augment(image, None, 3)
    assert first.shape == (*CROP, 3) and none is None
    assert np.array_equal(first, augment(image, None, 3)[0])
    clean_mask = np.zeros((32, 128, 4), np.uint8)  # a clean image: any crop, defect-free
    _, out_mask = augment(image, clean_mask, 5)
    assert out_mask.shape == (*CROP, 4) and not out_mask.any()

"""Class-aware crops: the class is drawn by weight among those present, then a pixel of it."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings, strategies as st

from steeldefect.config import AugmentationConfig
from steeldefect.pipeline.augment import build_augmenter
from steeldefect.pipeline.crops import class_aware_window, pick_class, window_around

CROP = (16, 32)


def _two_class_image():
    """A small class-1 defect beside a class-3 area 40x its size (the case uniform pixels get wrong)."""
    mask = np.zeros((32, 128, 4), np.uint8)
    mask[2:6, 4:8, 0] = 1  # 16 px of class 1, top left
    mask[8:32, 60:86, 2] = 1  # 624 px of class 3
    return mask


def test_class_is_drawn_by_weight_among_present_classes():
    mask = _two_class_image()
    rng = np.random.default_rng(0)
    draws = np.array([pick_class(mask, (3.0, 4.0, 1.0, 3.0), rng) for _ in range(4000)])
    assert set(draws) == {0, 2}  # classes 2 and 4 are absent: never drawn
    assert np.mean(draws == 0) == pytest.approx(3 / 4, abs=0.03)
    assert pick_class(np.zeros((4, 4, 4), np.uint8), (1, 1, 1, 1), rng) is None
    assert pick_class(mask, (0, 1, 0, 1), rng) is None  # only zero-weight classes present


def test_rare_class_wins_crops_that_uniform_pixels_give_the_large_class():
    mask = _two_class_image()
    rng = np.random.default_rng(1)
    hits = [mask[t:t + CROP[0], l:l + CROP[1], 0].any()
            for t, l in (class_aware_window(mask, CROP, (1, 1, 1, 1), rng) for _ in range(1000))]
    assert np.mean(hits) == pytest.approx(0.5, abs=0.05)  # equal weights: half the crops on class 1
    # the uniform defect-pixel crop (albumentations) centres on class 1 only ~16/640 of the time
    plain = build_augmenter((), crop=CROP)
    plain_hits = np.mean([plain(np.zeros((32, 128, 3), np.uint8), mask, s)[1][..., 0].any() for s in range(300)])
    assert plain_hits < 0.15


@settings(max_examples=200, deadline=None)
@given(st.integers(0, 31), st.integers(0, 127), st.integers(1, 32), st.integers(1, 128), st.integers(0, 10**6))
def test_window_holds_the_pixel_and_stays_inside(row, col, ch, cw, seed):
    top, left = window_around((row, col), (32, 128), (ch, cw), np.random.default_rng(seed))
    assert 0 <= top <= 32 - ch and 0 <= left <= 128 - cw
    assert top <= row < top + ch and left <= col < left + cw


def test_augmenter_with_class_weights_is_seeded_aligned_and_sized():
    mask = _two_class_image()
    image = np.where(mask.any(axis=-1, keepdims=True), 230, 40).astype(np.uint8).repeat(3, axis=-1)
    augment = build_augmenter((AugmentationConfig("HorizontalFlip", {"p": 0.5}),), crop=CROP,
                              crop_class_weights=(1, 0, 0, 0))
    for seed in range(30):
        out_image, out_mask = augment(image, mask, seed)
        assert out_image.shape == (*CROP, 3) and out_mask.shape == (*CROP, 4)
        assert out_mask[..., 0].any(), f"seed {seed}: weight only on class 1, the crop must hold it"
        assert np.array_equal(out_image[..., 0] > 128, out_mask.any(axis=-1))
        again = augment(image, mask, seed)
        assert np.array_equal(again[0], out_image) and np.array_equal(again[1], out_mask)
    clean = augment(image, np.zeros_like(mask), 3)[1]
    assert clean.shape == (*CROP, 4) and not clean.any()

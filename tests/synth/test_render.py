"""One synthetic sample: deterministic, three equal grey channels, and masks that are exactly what was painted."""

from __future__ import annotations

import cv2
import numpy as np
import pytest

from steeldefect.constants import IMAGE_SHAPE, NUM_CLASSES
from steeldefect.synth import render_layers, render_sample, sample_masks, sample_rng

CHANGE = 0.5  # grey levels: a painted change smaller than this is invisible after rounding
COARSE_MARGIN = 20  # px: how far a mask (a coarse polygon) may reach beyond the painted change
SEEDS = range(24)


def _indices(seed: int) -> list[int]:
    """The first 24 images of ``seed`` and the first image holding each class."""
    chosen, seen = set(SEEDS), set()
    for i in range(1000):
        classes = {k + 1 for k, m in enumerate(sample_masks(sample_rng(seed, "train", i))) if m.any()}
        if classes - seen:
            chosen.add(i)
            seen |= classes
        if len(seen) == 4:
            break
    return sorted(chosen)


def test_same_generator_same_sample():
    a_img, a_masks = render_sample(np.random.default_rng([3, 1]))
    b_img, b_masks = render_sample(np.random.default_rng([3, 1]))
    c_img, _ = render_sample(np.random.default_rng([3, 2]))
    assert np.array_equal(a_img, b_img) and np.array_equal(a_masks, b_masks)
    assert not np.array_equal(a_img, c_img)


def test_image_is_grey_in_three_channels():
    image, masks = render_sample(np.random.default_rng(0))
    assert image.shape == (*IMAGE_SHAPE, 3) and image.dtype == np.uint8
    assert np.array_equal(image[..., 0], image[..., 1]) and np.array_equal(image[..., 0], image[..., 2])
    assert masks.shape == (NUM_CLASSES, *IMAGE_SHAPE) and masks.dtype == np.uint8
    assert set(np.unique(masks)) <= {0, 1}


def test_masks_without_rendering_are_the_same():
    for i in range(8):
        _, masks = render_sample(sample_rng(0, "train", i))
        assert np.array_equal(masks, sample_masks(sample_rng(0, "train", i)))


@pytest.mark.parametrize("seed", [0, 1])
def test_masks_are_what_was_painted(seed):
    """Changed pixels lie inside the union of the masks; every mask pixel lies within COARSE_MARGIN
    pixels of a changed pixel (the mask is a coarse polygon around the painted defect)."""
    seen = set()
    kernel = cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (2 * COARSE_MARGIN + 1,) * 2)
    for i in _indices(seed):
        layers = render_layers(sample_rng(seed, "train", i))
        changed = (np.abs(layers.painted - layers.clean) > CHANGE).astype(np.uint8)
        union = layers.masks.max(axis=0)
        assert not (changed & (1 - union)).any(), f"image {i}: paint outside the masks"
        near = cv2.dilate(changed, kernel)
        for cls, mask in enumerate(layers.masks, start=1):
            if mask.any():
                seen.add(cls)
                stray = int((mask & (1 - near)).sum())
                assert stray == 0, f"image {i} class {cls}: {stray} mask pixels far from any painted change"
    assert seen == {1, 2, 3, 4}


def test_contrast_scales_the_painted_change_only():
    index = next(i for i in SEEDS if sample_masks(sample_rng(0, "train", i)).any())  # a defective strip
    plain = render_layers(sample_rng(0, "train", index))
    strong = render_layers(sample_rng(0, "train", index), contrast=2.0)
    assert np.array_equal(plain.clean, strong.clean) and np.array_equal(plain.masks, strong.masks)
    change = plain.painted - plain.clean
    assert np.abs(change).max() > CHANGE  # this sample has defects
    np.testing.assert_allclose(strong.painted - strong.clean, 2.0 * change, atol=1e-3)

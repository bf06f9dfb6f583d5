"""Post-processing of probability levels into masks: thresholds, components, minimum area, resize."""

from __future__ import annotations

import numpy as np
import pytest

from steeldefect.constants import IMAGE_SHAPE

from steeldefect.postprocess.masks import (area_passes, area_scale, postprocess_class, postprocess_image,
                                           remove_small_components, resize_nearest, threshold_level)
from steeldefect.artifacts.oof import quantise


def test_quantise_and_levels():
    np.testing.assert_array_equal(quantise(np.array([0.0, 0.5, 0.502, 1.0, 1.2, -0.1])), [0, 128, 128, 255, 255, 0])
    assert threshold_level(0.5) == 128 and threshold_level(0.0) == 0 and threshold_level(1.0) == 255
    q = quantise(np.array([0.49, 0.5, 0.51]))
    assert list(q >= threshold_level(0.5)) == [False, True, True]
    with pytest.raises(ValueError):
        threshold_level(1.5)


def test_area_scale_is_full_resolution_pixels_per_pixel():
    assert area_scale((128, 800)) == 4.0 and area_scale(IMAGE_SHAPE) == 1.0
    assert list(area_passes([99, 100, 101], 400, 4.0)) == [False, True, True]


def test_remove_small_components_keeps_large_ones():
    mask = np.zeros((10, 20), bool)
    mask[0:2, 0:2] = True  # 4 px
    mask[5:9, 5:15] = True  # 40 px
    mask[9, 19] = True  # 1 px, diagonal to nothing
    out = remove_small_components(mask, min_component=5 * 4.0, scale=4.0)  # 5 px at this resolution
    assert out.sum() == 40 and out[5:9, 5:15].all()
    assert (remove_small_components(mask, 0, 4.0) == mask).all()
    diag = np.eye(4, dtype=bool)  # 8-connected: one component of 4
    assert remove_small_components(diag, 4, 1.0).sum() == 4


def test_postprocess_class_order_components_then_area():
    q = np.zeros((10, 20), np.uint8)
    q[0:3, 0:3] = 200  # 9 px
    q[5:7, 5:7] = 200  # 4 px
    q[8, 8] = 100  # below the threshold
    assert postprocess_class(q, 128, 0, 0, 1.0).sum() == 13
    assert postprocess_class(q, 128, 0, 5, 1.0).sum() == 9
    assert postprocess_class(q, 128, 10, 5, 1.0).sum() == 0  # 9 left after removal < 10
    assert postprocess_class(q, 128, 10, 0, 1.0).sum() == 13
    assert postprocess_class(q, 90, 0, 0, 1.0).sum() == 14


def test_resize_nearest_upscales_blocks():
    small = np.array([[1, 0], [0, 1]], np.uint8)
    big = resize_nearest(small, (4, 6))
    assert big.shape == (4, 6) and big[:2, :3].all() and not big[:2, 3:].any() and big[2:, 3:].all()


def test_postprocess_image_full_resolution_and_gate():
    q = np.zeros((16, 100, 4), np.uint8)
    q[2:6, 10:30, :] = 255
    masks, areas = postprocess_image(q, [128] * 4, [0, 0, 10**6, 0], [0] * 4, np.array([True, False, True, True]))
    assert masks.shape == (4, 256, 1600) and masks.dtype == np.uint8
    assert areas[0] == 4 * 20 * 256 == masks[0].sum()
    assert areas[1] == 0 and areas[2] == 0 and areas[3] == areas[0]
    assert masks[0][32:96, 160:480].all()


def test_survival_level_and_area_factor():
    scale = area_scale((16, 100))  # 256 full-resolution pixels per pixel
    q = np.zeros((16, 100), np.uint8)
    q[0:4, 0:10] = 100  # 40 faint pixels ...
    q[1:3, 2:4] = 240  # ... around 4 confident ones
    drawn = postprocess_class(q, 90, 40 * scale, 0, scale)
    assert drawn.sum() == 40
    assert postprocess_class(q, 90, 40 * scale, 0, scale, survival_level=200).sum() == 0  # 4 < 40 survive
    assert postprocess_class(q, 90, 4 * scale, 0, scale, survival_level=200).sum() == 40  # drawn low
    assert postprocess_class(q, 90, 20 * scale, 0, scale, area_factor=2.0).sum() == 40  # 40 >= 2 * 20
    assert postprocess_class(q, 90, 21 * scale, 0, scale, area_factor=2.0).sum() == 0
    assert postprocess_class(q, 90, 0, 0, scale, area_factor=np.inf).sum() == 0  # the hard gate
    q3 = np.repeat(q[:, :, None], 4, axis=2)
    by_factor, _ = postprocess_image(q3, [90] * 4, [20 * scale] * 4, [0] * 4, np.array([1.0, 2.0, 3.0, np.inf]))
    by_bool, _ = postprocess_image(q3, [90] * 4, [20 * scale] * 4, [0] * 4, np.array([True, True, False, False]))
    assert [bool(m.any()) for m in by_factor] == [True, True, False, False]
    assert [bool(m.any()) for m in by_bool] == [True, True, False, False]
    two_level, _ = postprocess_image(q3, [90] * 4, [4 * scale] * 4, [0] * 4, np.ones(4),
                                     survival_levels=[200, 250, None, 90])
    assert [int(m.sum()) for m in two_level] == [40 * 256, 0, 40 * 256, 40 * 256]

"""The synthetic labels land near the real ones (shared/real/STATS.md).

Masks of N_IMAGES training images of seed 0 are drawn without rendering (``sample_masks`` gives
exactly the masks of the rendered images). Tolerances:
  - clean share within 4 points of the real 47.0%; multi-class share within 1.5 points of 3.4%;
  - share of images per class within 4 points (class 3) or 1.5 points (classes 1, 2, 4);
  - per class: median area within a factor 1.6 of the real median, p10 and p90 within a factor 2;
  - median connected-component count within 1 of the real median, p90 within a factor 2;
  - median bounding-box width and height within a factor 1.6;
  - class 2 narrow and tall: median height at least 4x its median width.
"""

from __future__ import annotations

import numpy as np
import pytest

from steeldefect.synth import MaskStatistics, sample_masks, sample_rng

N_IMAGES = 2000
REAL_IMAGES = 12568  # STATS.md: images of the real training set
REAL_CLEAN = 5902  # STATS.md: images without defects
REAL_MULTI = 425 + 2  # STATS.md: images with two or three classes
REAL_PER_CLASS = {1: 897, 2: 247, 3: 5150, 4: 801}  # STATS.md: images holding each class
# STATS.md, per class: (p10, median, p90) of mask area, component count, bbox width, bbox height.
REAL_AREA = {1: (1062, 3326, 8989), 2: (1212, 2944, 5858), 3: (2785, 11953, 62019), 4: (7090, 25357, 75187)}
REAL_COMPONENTS = {1: (1, 2, 10), 2: (1, 1, 2), 3: (1, 2, 6), 4: (1, 2, 5)}
REAL_WIDTH = {1: (24, 60, 1128), 2: (13, 20, 40), 3: (28, 278, 1219), 4: (116, 360, 1162)}
REAL_HEIGHT = {1: (52, 183, 256), 2: (118, 191, 256), 3: (97, 255, 256), 4: (89, 212, 256)}
CLASS_SHARE_POINTS = {1: 1.5, 2: 1.5, 3: 4.0, 4: 1.5}
MEDIAN_FACTOR, TAIL_FACTOR = 1.6, 2.0


@pytest.fixture(scope="module")
def stats() -> MaskStatistics:
    return MaskStatistics().extend(sample_masks(sample_rng(0, "train", i)) for i in range(N_IMAGES))


def within(value: float, real: float, factor: float) -> bool:
    return real / factor <= value <= real * factor


def test_image_level_shares(stats):
    assert abs(stats.clean_share - REAL_CLEAN / REAL_IMAGES) <= 0.04
    assert abs(stats.multi_share - REAL_MULTI / REAL_IMAGES) <= 0.015
    for cls, n in REAL_PER_CLASS.items():
        assert abs(stats.class_share(cls) - n / REAL_IMAGES) <= CLASS_SHARE_POINTS[cls] / 100, cls


@pytest.mark.parametrize("cls", [1, 2, 3, 4])
def test_areas(stats, cls):
    p10, median, p90 = stats.percentiles("areas", cls)
    real = REAL_AREA[cls]
    assert within(median, real[1], MEDIAN_FACTOR), (median, real)
    assert within(p10, real[0], TAIL_FACTOR) and within(p90, real[2], TAIL_FACTOR), (p10, p90, real)


@pytest.mark.parametrize("cls", [1, 2, 3, 4])
def test_components_and_boxes(stats, cls):
    _, median, p90 = stats.percentiles("components", cls)
    assert abs(median - REAL_COMPONENTS[cls][1]) <= 1
    assert within(p90, REAL_COMPONENTS[cls][2], TAIL_FACTOR)
    for what, real in (("widths", REAL_WIDTH), ("heights", REAL_HEIGHT)):
        median = stats.percentiles(what, cls)[1]
        assert within(median, real[cls][1], MEDIAN_FACTOR), (what, median, real[cls])


def test_class_2_is_narrow_and_tall(stats):
    assert stats.percentiles("heights", 2)[1] >= 4 * stats.percentiles("widths", 2)[1]


def test_combinations_are_the_real_ones(stats):
    real = {(), (3,), (1,), (4,), (3, 4), (2,), (1, 3), (1, 2), (2, 3), (1, 2, 3), (2, 4)}  # STATS.md
    assert set(stats.combos) <= real
    assert np.isclose(sum(stats.combos.values()), N_IMAGES)

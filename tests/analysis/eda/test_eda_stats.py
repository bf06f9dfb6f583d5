"""EDA statistics: pure functions, and the real figures of shared/real/STATS.md reproduced exactly."""

from __future__ import annotations

import numpy as np
import pytest

from steeldefect.analysis.eda import compute_eda, load_label_source
from steeldefect.analysis.eda import label_stats as stats
from steeldefect.analysis.eda.mask_shapes import mask_shape

REAL_LABELS_PER_IMAGE = {0: 5902, 1: 6239, 2: 425, 3: 2, 4: 0}
REAL_PER_CLASS = {1: 897, 2: 247, 3: 5150, 4: 801}
REAL_COMBINATIONS = [("none", 5902), ("3", 4759), ("1", 769), ("4", 516), ("3+4", 284), ("2", 195),
                     ("1+3", 91), ("1+2", 35), ("2+3", 14), ("1+2+3", 2), ("2+4", 1)]
# STATS.md: class -> masks, p10, median, p90, mean of the non-empty mask areas
REAL_AREAS = {1: (897, 1062, 3326, 8989, 4361), 2: (247, 1212, 2944, 5858, 3378),
              3: (5150, 2785, 11953, 62019, 25496), 4: (801, 7090, 25357, 75187, 34373)}
# STATS.md: class -> masks, (components), (bbox width), (bbox height) as p10, median, p90
REAL_SHAPES = {1: (181, (1, 2, 10), (24, 60, 1128), (52, 183, 256)),
               2: (50, (1, 1, 2), (13, 20, 40), (118, 191, 256)),
               3: (1039, (1, 2, 6), (28, 278, 1219), (97, 255, 256)),
               4: (160, (1, 2, 5), (116, 360, 1162), (89, 212, 256))}


@pytest.mark.parametrize("name", ["train_mask_areas.csv", "train_class_flags.csv"])
def test_real_image_counts(real_dir, name):
    source = load_label_source(real_dir / name)
    assert len(source.image_ids) == 12568
    assert stats.labels_per_image(source.presence) == REAL_LABELS_PER_IMAGE
    assert stats.images_per_class(source.presence) == REAL_PER_CLASS
    assert stats.class_combinations(source.presence) == REAL_COMBINATIONS


def test_real_area_figures(real_dir):
    source = load_label_source(real_dir / "train_mask_areas.csv")
    per_class = stats.area_stats(source.areas, source.presence)
    for cls, (count, p10, median, p90, mean) in REAL_AREAS.items():
        d = per_class[cls]
        got = [stats.reported_area(d[k]) for k in ("p10", "median", "p90", "mean")]
        assert (d["count"], *got) == (count, p10, median, p90, mean), cls


def test_real_shape_figures(real_dir):
    source = load_label_source(real_dir / "train_masks_2515.csv")
    result = compute_eda(source, progress=False)
    for cls, (count, *expected) in REAL_SHAPES.items():
        d = result["shape_stats"][str(cls)]
        assert d["components"]["count"] == count
        for field, want in zip(stats.SHAPE_FIELDS, expected):
            got = tuple(stats.reported_shape(d[field][k]) for k in ("p10", "median", "p90"))
            assert got == want, (cls, field)


def test_flags_source_has_no_areas(real_dir):
    result = compute_eda(load_label_source(real_dir / "train_class_flags.csv"), progress=False)
    assert result["area_stats"] is None and result["shape_stats"] is None
    assert any("no mask areas" in n for n in result["notes"])


def test_mask_shape_uses_4_connectivity():
    mask = np.zeros((8, 10), np.uint8)
    mask[1, 1] = mask[2, 2] = 1  # diagonal neighbours: two 4-connected components
    mask[5:7, 4:9] = 1
    assert mask_shape(mask) == (3, 8, 6)
    assert mask_shape(np.zeros((4, 4))) == (0, 0, 0)


def test_distribution_and_conventions():
    d = stats.distribution(np.array([1, 2, 3, 4, 100]))
    assert d["count"] == 5 and d["median"] == 3 and d["mean"] == 22
    assert d["p10"] == pytest.approx(1.4) and d["p90"] == pytest.approx(61.6)
    assert stats.distribution(np.array([]))["p10"] is None
    assert stats.reported_area(1062.8) == 1062 and stats.reported_shape(1218.8) == 1219
    assert stats.reported_shape(20.5) == 20 and stats.reported_shape(212.5) == 212


def test_combination_names():
    presence = np.array([[0, 0, 0, 0], [1, 0, 1, 0], [0, 0, 1, 0], [1, 0, 1, 0]], bool)
    assert stats.combination_names(presence).tolist() == ["none", "1+3", "3", "1+3"]
    assert stats.class_combinations(presence) == [("1+3", 2), ("3", 1), ("none", 1)]


def test_fast_run_areas_match_the_data_layer(real_dir):
    from steeldefect.data.labels import label_areas, read_labels
    from steeldefect.analysis.eda.rle_runs import run_areas

    table = read_labels(real_dir / "train_masks_2515.csv")
    assert np.array_equal(run_areas(table), label_areas(table))

"""``decide`` for an imported dataset: K comes from the thresholds (3 here), each image's masks at its own
size, and segmenters of another class count are refused."""

from __future__ import annotations

import numpy as np
import pytest

from steeldefect.artifacts.prediction_table import (AREA, CLS_PROB, MAX_PROB, classifier_probs, has_mask,
                                                    table_class_columns, table_counts)
from steeldefect.data.labels import table_rle_columns
from steeldefect.data.rle import rle_decode
from steeldefect.ensemble.decide import decide
from steeldefect.errors import SteelDefectError
from steeldefect.postprocess.rules import ClassThresholds, Thresholds, default_thresholds

OUT = (8, 32)  # (h, w) of the fake segmenter's probabilities
SHAPES = [(16, 64), (24, 96)]  # two images of different sizes, 2x and 3x the model's


def _segment(n_channels: int, seen: list | None = None):
    def segment(idx):
        if seen is not None:
            seen.extend(int(i) for i in idx)
        probs = np.full((len(idx), *OUT, n_channels), 0.1, np.float32)
        probs[:, 2:4, 10:20, 0] = 0.9  # class 1: 2x10 model pixels
        if n_channels > 2:
            probs[:, 5:8, 0:4, 2] = 0.8  # class 3: 3x4 model pixels
        return probs
    return segment


def test_k3_tables_and_masks_at_each_images_size():
    table = decide(["a.png", "b.png"], None, _segment(3), default_thresholds(3), shapes=SHAPES)
    assert table_rle_columns(table) == ("rle_1", "rle_2", "rle_3") and "rle_4" not in table.columns
    assert list(table.columns[:4]) == ["ImageId", "rle_1", "rle_2", "rle_3"]
    assert table_class_columns(table, MAX_PROB) == ("max_prob_1", "max_prob_2", "max_prob_3")
    assert table_class_columns(table, AREA) == ("area_1", "area_2", "area_3")
    assert table_class_columns(table, CLS_PROB) == () and classifier_probs(table) is None
    for i, (h, w) in enumerate(SHAPES):
        f = h // OUT[0]
        assert (table.loc[i, "height"], table.loc[i, "width"]) == (h, w)
        one = rle_decode(table.loc[i, "rle_1"], (h, w))
        expected = np.zeros((h, w), np.uint8)
        expected[2 * f:4 * f, 10 * f:20 * f] = 1
        np.testing.assert_array_equal(one, expected)
        assert table.loc[i, "rle_2"] == ""
        three = rle_decode(table.loc[i, "rle_3"], (h, w))
        assert three.sum() == 12 * f * f and three[5 * f:8 * f, 0:4 * f].all()
        assert [table.loc[i, c] for c in ("area_1", "area_2", "area_3")] == [20 * f * f, 0, 12 * f * f]
        assert table.loc[i, "max_prob_1"] == np.float32(0.9) and table.loc[i, "max_prob_3"] == np.float32(0.8)
    assert has_mask(table).tolist() == [True, True]
    assert table_counts(table)["nonempty"] == 4


def test_k3_class_gates_and_min_area_in_reference_pixels():
    # class 1: 20 model pixels = 20 * area_scale((8, 32), (16, 64)) = 80 reference pixels
    keep = Thresholds(classes=(ClassThresholds(0.5, 80, 0.5), ClassThresholds(0.5, 0, 0.5), ClassThresholds(0.5, 0, 0.5)),
                      gate_kind="class", area_reference=(16, 64))
    drop = Thresholds(classes=(ClassThresholds(0.5, 81, 0.5), ClassThresholds(0.5, 0, 0.5), ClassThresholds(0.5, 0, 0.5)),
                      gate_kind="class", area_reference=(16, 64))
    cls = np.array([[0.9, 0.9, 0.1], [0.1, 0.1, 0.1]])
    seen: list = []
    kept = decide(["a.png", "b.png"], cls, _segment(3, seen), keep, shapes=SHAPES)
    assert seen == [0]  # b.png: every class below its hard gate
    assert kept.loc[0, "area_1"] > 0 and kept.loc[0, "area_3"] == 0  # class 3 gated on a.png
    assert kept["gated"].tolist() == [False, True] and kept["masks_gated"].tolist() == [1, 3]
    assert table_class_columns(kept, CLS_PROB) == ("cls_prob_1", "cls_prob_2", "cls_prob_3")
    np.testing.assert_allclose(classifier_probs(kept), cls)
    dropped = decide(["a.png", "b.png"], cls, _segment(3), drop, shapes=SHAPES)
    assert dropped.loc[0, "area_1"] == 0 and dropped.loc[0, "rle_1"] == ""


@pytest.mark.parametrize("n_channels", [4, 2])
def test_segmenters_of_another_k_are_refused_in_one_line(n_channels):
    with pytest.raises(SteelDefectError, match=f"predict {n_channels} classes and the thresholds have 3") as err:
        decide(["a.png", "b.png"], None, _segment(n_channels), default_thresholds(3), shapes=SHAPES)
    assert "\n" not in str(err.value)


def test_k1_decide():
    table = decide(["a.png"], None, _segment(1), default_thresholds(1), shapes=SHAPES[:1])
    assert table_rle_columns(table) == ("rle_1",) and table.loc[0, "area_1"] == 80

"""Plant metrics and the general (K classes, mixed sizes) competition Dice against hand-computed values."""

from __future__ import annotations

import json

import pandas as pd
import pytest

from steeldefect.errors import SteelDefectError
from steeldefect.metric import plant_metrics, score_tables
from steeldefect.metric.plant import PlantMetrics, format_plant
from steeldefect.metric.pairs import table_pairs

NAMES = ("scratch", "pit", "stain")
SHAPES = {"a": (2, 3), "b": (4, 2)}  # 6 and 8 pixels: mixed sizes in one dataset


def _table(rows, k=3):
    return pd.DataFrame(rows, columns=["ImageId", *(f"rle_{c}" for c in range(1, k + 1))])


TRUTH = _table([["a", "1 4", "", "2 2"], ["b", "", "1 8", ""]])
PRED = _table([["a", "3 4", "5 1", ""], ["b", "", "5 4", ""]])


def test_k3_mixed_sizes_hand_computed():
    plant = plant_metrics(TRUTH, PRED, NAMES, SHAPES).to_dict()
    assert list(plant) == list(NAMES)
    # scratch: a overlaps on pixels 3, 4 -> Σ∩ 2, Σ|A| 4, Σ|B| 4; b empty vs empty
    assert plant["scratch"]["dice"] == pytest.approx(0.5)
    assert plant["scratch"]["iou"] == pytest.approx(1 / 3)
    assert plant["scratch"]["mean_image_dice"] == pytest.approx(0.75)
    assert (plant["scratch"]["precision"], plant["scratch"]["recall"]) == (1.0, 1.0)
    # pit: a false positive of 1 px; b 4 of 8 px -> Σ∩ 4, Σ|A| 8, Σ|B| 5
    assert plant["pit"]["dice"] == pytest.approx(8 / 13)
    assert plant["pit"]["iou"] == pytest.approx(4 / 9)
    assert plant["pit"]["mean_image_dice"] == pytest.approx((0 + 2 / 3) / 2)
    assert {k: plant["pit"][k] for k in ("tp", "fp", "fn", "tn")} == {"tp": 1, "fp": 1, "fn": 0, "tn": 0}
    assert (plant["pit"]["precision"], plant["pit"]["recall"]) == (0.5, 1.0)
    # stain: missed on a, nothing predicted anywhere -> precision undefined
    assert (plant["stain"]["dice"], plant["stain"]["iou"], plant["stain"]["mean_image_dice"]) == (0.0, 0.0, 0.5)
    assert plant["stain"]["precision"] is None and plant["stain"]["recall"] == 0.0
    assert (plant["stain"]["truth_pixels"], plant["stain"]["pred_pixels"]) == (2, 0)
    json.dumps(plant)  # JSON-ready


def test_k3_score_tables_keys_classes_by_id():
    report = score_tables(TRUTH, PRED, SHAPES)
    assert report["mean"] == pytest.approx((0.5 + 1 + 0 + 2 / 3 + 0 + 1) / 6)
    assert list(report["per_class"]) == ["1", "2", "3"]
    assert report["n_pairs"] == 6
    assert report["counts"] == {"tp": 2, "fp": 1, "fn": 1, "tn": 2}


def test_per_image_sizes_check_runs():
    too_long = _table([["a", "1 7", "", ""], ["b", "", "", ""]])  # 7 px in a 2x3 image
    with pytest.raises(SteelDefectError, match="image a class 1"):
        score_tables(TRUTH, too_long, SHAPES)
    assert score_tables(TRUTH, too_long)["n_images"] == 2  # at the default 256x1600 it fits


def test_class_count_mismatch_is_one_line():
    with pytest.raises(SteelDefectError, match="the truth has 3 classes and the prediction 4") as err:
        score_tables(TRUTH, _table([["a", "", "", "", ""], ["b", "", "", "", ""]], k=4))
    assert "\n" not in str(err.value)


def test_unknown_image_size_and_wrong_names():
    with pytest.raises(SteelDefectError, match="size of image b"):
        score_tables(TRUTH, PRED, {"a": (2, 3)})
    with pytest.raises(SteelDefectError, match="2 class names for a table of 3 classes"):
        plant_metrics(TRUTH, PRED, NAMES[:2], SHAPES)


def test_empty_class_everywhere_scores_one_and_default_names():
    truth = _table([["a", "", "", ""]])
    plant = plant_metrics(truth, truth)
    assert plant.class_names == ("class 1", "class 2", "class 3")
    first = plant.classes[0]
    assert (first.dice, first.iou, first.mean_image_dice, first.precision, first.recall) == (1.0, 1.0, 1.0, None, None)
    assert first.tn == 1


def test_round_trip_and_terminal_table():
    plant = plant_metrics(TRUTH, PRED, NAMES, SHAPES)
    assert PlantMetrics.from_dict(plant.to_dict(), plant.n_images) == plant
    text = format_plant(plant)
    assert all(name in text for name in NAMES) and "n/a" in text


def test_pairs_are_in_truth_order_and_count_extras():
    pred = pd.concat([PRED.iloc[::-1], _table([["c", "", "", ""]])])
    pairs = table_pairs(TRUTH, pred, SHAPES)
    assert pairs.image_ids == ("a", "b") and pairs.n_extra == 1
    assert pairs.inter.tolist() == [[2, 0, 0], [0, 4, 0]]

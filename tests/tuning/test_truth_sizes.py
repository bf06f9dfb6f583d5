"""Tuning on an imported dataset: truth decoded at each image's own size, K taken from the labels and
checked against the segmenters, minimum areas counted in pixels of Thresholds.area_reference."""

from __future__ import annotations

import numpy as np
import pytest
import yaml

from steeldefect.artifacts.thresholds_file import load_thresholds, save_thresholds
from steeldefect.constants import IMAGE_SHAPE
from steeldefect.data.labels import empty_table
from steeldefect.data.rle import rle_decode, rle_encode
from steeldefect.errors import SteelDefectError
from steeldefect.postprocess.masks import area_scale
from steeldefect.postprocess.rules import ClassThresholds, Thresholds, default_thresholds
from steeldefect.tuning.histograms import build_stats, stats_from_arrays, truth_masks
from steeldefect.tuning.oof_stream import OOFPlan
from steeldefect.tuning.truth import Truth, as_truth
from steeldefect.tuning.tune import tune_stats

BIG, SMALL, OUT = (192, 768), (96, 384), (96, 384)  # OUT: BIG halves exactly, SMALL stays


def _mask(shape, rows, cols) -> np.ndarray:
    mask = np.zeros(shape, np.uint8)
    mask[rows, cols] = 1
    return mask


def _truth() -> Truth:
    table = empty_table(["big.png", "small.png"], 3)
    table.loc[0, "rle_1"] = rle_encode(_mask(BIG, slice(10, 50), slice(100, 300)))
    table.loc[0, "rle_3"] = rle_encode(_mask(BIG, slice(150, 192), slice(0, 40)))
    table.loc[1, "rle_2"] = rle_encode(_mask(SMALL, slice(5, 60), slice(200, 380)))
    return Truth(table, {"big.png": BIG, "small.png": SMALL}, BIG)


def test_truth_masks_decode_each_image_at_its_own_size():
    truth = _truth()
    got = truth_masks(truth, ["small.png", "big.png"], OUT)
    assert got.shape == (2, *OUT, 3) and got.dtype == bool
    table = truth.table.set_index("ImageId")
    for i, (image_id, shape) in enumerate([("small.png", SMALL), ("big.png", BIG)]):
        step = shape[0] // OUT[0]
        for c in range(3):
            full = rle_decode(table.loc[image_id, f"rle_{c + 1}"], shape)
            np.testing.assert_array_equal(got[i, :, :, c], full[::step, ::step] != 0, err_msg=f"{image_id} {c}")
    assert got[0, :, :, 1].sum() == 55 * 180 and got[1, :, :, 0].sum() == 20 * 100


def test_truth_masks_of_a_bare_table_are_at_256x1600():
    table = empty_table(["a.jpg"], 1)
    table.loc[0, "rle_1"] = rle_encode(_mask(IMAGE_SHAPE, slice(0, 256), slice(1500, 1600)))
    got = truth_masks(table, ["a.jpg"], (128, 800))
    assert got.shape == (1, 128, 800, 1) and got[0, :, 750:, 0].all() and not got[0, :, :750, 0].any()
    assert as_truth(table).reference == IMAGE_SHAPE and as_truth(table).n_classes == 1


def test_truth_masks_refuse_images_the_labels_lack():
    with pytest.raises(SteelDefectError, match="lack 1 OOF images, e.g. nope.png"):
        truth_masks(_truth(), ["big.png", "nope.png"], OUT)


def _plan(n_classes: int, image_ids=()) -> OOFPlan:
    return OOFPlan(image_ids=list(image_ids), shape=OUT, folds=[], cls_probs=None, segmenter_runs=[],
                   classifier_runs=[], n_classes=n_classes)


def test_build_stats_refuses_labels_of_another_k():
    with pytest.raises(SteelDefectError, match="labels have 3 classes and the segmenters predict 4") as err:
        build_stats(_plan(4, ["big.png"]), _truth())
    assert "\n" not in str(err.value)


def test_build_stats_records_the_truth_reference():
    stats = build_stats(_plan(3), _truth())
    assert stats.reference == BIG and stats.n_classes == 3
    assert stats.scale == pytest.approx(4.0)  # a 96x384 pixel counts four 192x768 pixels


def test_stats_and_tune_of_k3_give_three_classes():
    truth = truth_masks(_truth(), ["big.png", "small.png"], OUT)
    q = np.where(truth, 230, 20).astype(np.uint8)
    stats = stats_from_arrays(["big.png", "small.png"], q, truth)
    assert stats.n_classes == 3 and stats.pred_area.shape == (2, 3, 256)
    np.testing.assert_array_equal(stats.truth_area, truth.sum(axis=(1, 2)))
    result = tune_stats(stats)
    assert [c.class_id for c in result.classes] == [1, 2, 3]
    assert all(c.dice == pytest.approx(1.0) for c in result.classes)
    th = result.thresholds()
    assert len(th.classes) == 3 and th.resolution == OUT and sorted(th.tuned["per_class"]) == [1, 2, 3]


def test_area_scale_with_a_reference():
    assert area_scale((128, 800)) == pytest.approx(4.0)  # Severstal's 256x1600
    assert area_scale((96, 384), BIG) == pytest.approx(4.0)
    assert area_scale((192, 768), BIG) == pytest.approx(1.0)
    assert area_scale((96, 384), (96, 384 * 3)) == pytest.approx(3.0)


def test_thresholds_with_an_area_reference_round_trip(tmp_path):
    th = Thresholds(classes=(ClassThresholds(0.6, 100, 0.2), ClassThresholds(), ClassThresholds(0.4, 7)),
                    resolution=OUT, area_reference=BIG, tuned={"oof_mean_dice": 0.5})
    path = tmp_path / "thresholds.yaml"
    save_thresholds(th, path)
    data = yaml.safe_load(path.read_text())
    assert data["area_reference"] == list(BIG) and sorted(data["classes"]) == [1, 2, 3]
    back = load_thresholds(path)
    assert back == th and back.area_reference == BIG and len(back.classes) == 3


def test_a_severstal_thresholds_file_has_no_area_reference(tmp_path):
    path = tmp_path / "thresholds.yaml"
    save_thresholds(default_thresholds(), path)
    data = yaml.safe_load(path.read_text())
    assert "area_reference" not in data and sorted(data["classes"]) == [1, 2, 3, 4]
    assert load_thresholds(path).area_reference == IMAGE_SHAPE


def test_one_class_thresholds_round_trip(tmp_path):
    th = default_thresholds(1)
    path = tmp_path / "thresholds.yaml"
    save_thresholds(th, path)
    assert load_thresholds(path) == th and len(th.classes) == 1


@pytest.mark.parametrize("key", [0, -1])
def test_a_class_key_outside_1_to_k_is_refused(tmp_path, key):
    path = tmp_path / "thresholds.yaml"
    save_thresholds(default_thresholds(2), path)
    data = yaml.safe_load(path.read_text())
    data["classes"][key] = dict(data["classes"][1])  # e.g. a file numbering classes from 0
    path.write_text(yaml.safe_dump(data))
    with pytest.raises(SteelDefectError, match="1..K"):
        load_thresholds(path)

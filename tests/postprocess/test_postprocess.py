"""Post-processing units: quantising, thresholds, components, minimum area, resize, gates, thresholds.yaml."""

from __future__ import annotations

import numpy as np
import pytest

from steeldefect.constants import IMAGE_SHAPE
from steeldefect.postprocess.gating import check_gate, class_keep, needs_segmenter
from steeldefect.errors import SteelDefectError
from steeldefect.postprocess.masks import (area_passes, area_scale, postprocess_class, postprocess_image,
                                           remove_small_components, resize_nearest, threshold_level)
from steeldefect.postprocess.thresholds import (ClassThresholds, Thresholds, check_resolution, load_thresholds,
                                                save_thresholds)
from steeldefect.runfolder import quantise


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


def test_gates_image_and_class():
    th = Thresholds(classes=tuple(ClassThresholds(gate=g) for g in (0.3, 0.5, 0.0, 0.7)))
    assert th.global_gate == 0.0
    keep = class_keep(np.array([0.2, 0.6]), th, 2)
    assert keep.tolist() == [[False, False, True, False], [True, True, True, False]]
    th2 = Thresholds(classes=tuple(ClassThresholds(gate=g) for g in (0.3, 0.5, 0.4, 0.7)))
    assert th2.global_gate == 0.3
    keep = class_keep(np.array([0.29, 0.3, 0.9]), th2, 3)
    assert needs_segmenter(keep).tolist() == [False, True, True]
    th4 = Thresholds(classes=th2.classes, gate_kind="class")
    assert th4.global_gate is None
    keep = class_keep(np.array([[0.2, 0.4, 0.3, 0.6], [0.2, 0.6, 0.1, 0.1]]), th4, 2)
    assert needs_segmenter(keep).tolist() == [False, True] and keep[1].tolist() == [False, True, False, False]
    assert class_keep(None, th4, 3).all()
    check_gate(4, th4)
    with pytest.raises(SteelDefectError, match="4-output"):
        check_gate(1, th4)
    with pytest.raises(SteelDefectError, match="--no-gate"):
        check_gate(None, th2)
    check_gate(None, Thresholds())


def test_thresholds_yaml_round_trip_and_errors(tmp_path):
    th = Thresholds(classes=(ClassThresholds(0.45, 800, 0.3, 200), ClassThresholds(), ClassThresholds(0.6, 0, 0.5),
                             ClassThresholds(0.55, 3000, 0.4, 0)), resolution=(128, 800), tuned={"oof_mean_dice": 0.9})
    save_thresholds(th, tmp_path / "t.yaml")
    back = load_thresholds(tmp_path / "t.yaml")
    assert back == th and back.global_gate == 0.0 and back.levels[0] == threshold_level(0.45)
    text = (tmp_path / "t.yaml").read_text()
    (tmp_path / "bad.yaml").write_text(text.replace("min_component: 200", "min_comp: 200"))
    with pytest.raises(SteelDefectError, match="unknown key"):
        load_thresholds(tmp_path / "bad.yaml")
    (tmp_path / "bad2.yaml").write_text(text.replace("pixel_threshold: 0.6", "pixel_threshold: 1.6"))
    with pytest.raises(SteelDefectError, match="outside"):
        load_thresholds(tmp_path / "bad2.yaml")
    with pytest.raises(SteelDefectError, match="not found"):
        load_thresholds(tmp_path / "none.yaml")
    (tmp_path / "other.yaml").write_text("a: 1\n")
    with pytest.raises(SteelDefectError, match="not a thresholds file"):
        load_thresholds(tmp_path / "other.yaml")


def test_predicting_at_another_resolution_than_tuned_is_an_error():
    tuned = Thresholds(classes=tuple(ClassThresholds(0.5, 0, 0.0) for _ in range(4)), resolution=(128, 800))
    check_resolution(tuned, (128, 800))
    check_resolution(Thresholds(classes=tuned.classes), (64, 384))  # older files record no resolution
    with pytest.raises(SteelDefectError, match=r"tuned at 128x800 but the segmenters predict at 64x384; run "
                                               r"`steeldefect tune`"):
        check_resolution(tuned, (64, 384))

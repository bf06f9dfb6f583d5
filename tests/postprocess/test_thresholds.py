"""thresholds.yaml: round trip, refusals, and the resolution it was tuned at."""

from __future__ import annotations

import pytest

from steeldefect.errors import SteelDefectError
from steeldefect.postprocess.masks import threshold_level
from steeldefect.postprocess.thresholds import (ClassThresholds, Thresholds, check_resolution, load_thresholds,
                                                save_thresholds)


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

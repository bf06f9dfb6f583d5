"""thresholds.yaml: round trip, refusals, and the resolution it was tuned at."""

from __future__ import annotations

import pytest
import yaml

from steeldefect.errors import SteelDefectError
from steeldefect.postprocess.masks import threshold_level
from steeldefect.artifacts.thresholds_file import load_thresholds, save_thresholds
from steeldefect.postprocess.rules import ClassThresholds, Thresholds, check_resolution


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


def test_two_level_and_soft_gate_keys_round_trip_and_old_files_load(tmp_path):
    th = Thresholds(classes=(ClassThresholds(0.4, 800, 0.3, 0, survival_threshold=0.7, gate_area_factor=5.0),
                             ClassThresholds(), ClassThresholds(0.5, 600, 0.2, gate_area_factor=1.0),
                             ClassThresholds(0.5, 0, 0.0, survival_threshold=0.9)))
    save_thresholds(th, tmp_path / "t.yaml")
    assert load_thresholds(tmp_path / "t.yaml") == th
    text = (tmp_path / "t.yaml").read_text()
    assert text.count("survival_threshold:") == 4 and text.count("gate_area_factor:") == 4
    assert th.classes[0].survival_level == threshold_level(0.7) and th.classes[1].survival_level is None
    assert th.classes[1].gated_area_factor == float("inf") and th.classes[2].gated_area_factor == 1.0
    data = yaml.safe_load(text)
    for entry in data["classes"].values():  # a file written before the two keys existed
        del entry["survival_threshold"], entry["gate_area_factor"]
    (tmp_path / "old.yaml").write_text(yaml.safe_dump(data))
    loaded = load_thresholds(tmp_path / "old.yaml")
    assert all(c.survival_threshold is None and c.gate_area_factor is None for c in loaded.classes)
    for bad, message in (("gate_area_factor: 5.0", "gate_area_factor: 0.5"), ("survival_threshold: 0.7",
                                                                              "survival_threshold: 1.7")):
        (tmp_path / "bad.yaml").write_text(text.replace(bad, message))
        with pytest.raises(SteelDefectError, match=message.split(":")[0]):
            load_thresholds(tmp_path / "bad.yaml")

"""thresholds.yaml: rules written and read back, an old file (no format_version), a newer one."""

from __future__ import annotations

import pytest
import yaml

from steeldefect.artifacts.thresholds_file import (FORMAT, THRESHOLDS_FILE, load_thresholds, rules_to_dict,
                                                   save_thresholds)
from steeldefect.constants import CLASS_IDS
from steeldefect.errors import SteelDefectError
from steeldefect.postprocess.rules import ClassThresholds, Thresholds

RULES = Thresholds(classes=(ClassThresholds(0.55, 600, 0.35, 10, 0.7, 5.0),) + (ClassThresholds(),) * 3,
                   resolution=(128, 800), tuned={"oof_mean_dice": 0.9})


def test_write_then_read(tmp_path):
    path = tmp_path / THRESHOLDS_FILE
    save_thresholds(RULES, path)
    assert load_thresholds(path) == RULES
    data = yaml.safe_load(path.read_text())
    assert list(data)[:3] == ["format", "format_version", "gate_kind"] and data["format_version"] == 1
    assert "tuned" not in rules_to_dict(RULES) and "format" not in rules_to_dict(RULES)


def test_an_old_file_without_a_version_loads(tmp_path):
    path = tmp_path / THRESHOLDS_FILE
    classes = {c: {"pixel_threshold": 0.5, "min_area": 0, "gate": 0.0, "min_component": 0} for c in CLASS_IDS}
    path.write_text(yaml.safe_dump({"format": FORMAT, "gate_kind": "image", "resolution": [128, 800],
                                    "classes": classes}))
    old = load_thresholds(path)
    assert old.resolution == (128, 800) and old.classes[0].gate_area_factor is None  # the hard gate


def test_a_newer_file_is_refused_in_one_line(tmp_path, refused):
    path = tmp_path / THRESHOLDS_FILE
    save_thresholds(RULES, path)
    path.write_text(path.read_text().replace("format_version: 1", "format_version: 2"))
    refused(path, lambda: load_thresholds(path))
    path.write_text(path.read_text().replace("steeldefect-thresholds/1", "steeldefect-thresholds/2")
                    .replace("format_version: 2\n", ""))
    refused(path, lambda: load_thresholds(path))  # the version in the format tag counts too
    path.write_text("format: something-else\n")
    with pytest.raises(SteelDefectError, match="not a thresholds file"):
        load_thresholds(path)

"""summary.json: a Summary written and read back, an old file (no format_version), a newer one."""

from __future__ import annotations

import json

from steeldefect.artifacts.devices_file import StageDevices
from steeldefect.artifacts.summary_file import (SUMMARY_FILE, OofFigures, Summary, HeldOutFigures, read_summary,
                                                write_summary)

SUMMARY = Summary(submission="runs/submission.csv",
                  oof=OofFigures(10, 0.9, 0.8, "128x800", {"1": 0.9}),
                  test=HeldOutFigures(0.95, 0.85, 0.1, {"1": {"dice": 0.95}}, {"tp": 1}, 12),
                  stage_seconds={"train": 3.0}, total_seconds=3.0,
                  devices={"predict": StageDevices(("CPU",), "default", "float32", "2026-01-01T00:00:00+0000")})


def test_write_then_read(tmp_path):
    path = write_summary(SUMMARY, tmp_path / SUMMARY_FILE)
    assert read_summary(path) == SUMMARY
    data = json.loads(path.read_text())
    assert list(data) == ["format_version", "submission", "oof", "test", "stage_seconds", "total_seconds", "devices"]


def test_an_old_file_without_a_version_loads(tmp_path):
    path = tmp_path / SUMMARY_FILE
    path.write_text(json.dumps({"submission": "s.csv", "stage_seconds": {}, "total_seconds": 0, "devices": {}}))
    old = read_summary(path)
    assert old.submission == "s.csv" and old.oof is None and old.test is None


def test_a_newer_file_is_refused_in_one_line(tmp_path, refused):
    path = tmp_path / SUMMARY_FILE
    path.write_text(json.dumps({"format_version": 2, "submission": "s.csv"}))
    refused(path, lambda: read_summary(path))


def test_plant_metrics_round_trip_and_are_optional(tmp_path):
    plant = {"scratch": {"dice": 0.5, "iou": 1 / 3, "precision": None, "recall": 1.0, "tp": 1}}
    test = HeldOutFigures(0.95, 0.85, 0.1, {"1": {"dice": 0.95}}, {"tp": 1}, 12, plant=plant)
    path = write_summary(Summary(submission="s.csv", test=test), tmp_path / SUMMARY_FILE)
    assert read_summary(path).test.plant == plant
    assert json.loads(path.read_text())["test"]["plant"]["scratch"]["precision"] is None
    assert SUMMARY.test.plant is None  # a file written before plant metrics reads as none

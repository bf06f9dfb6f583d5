"""devices.json: stages written and read back, an old file, a newer one."""

from __future__ import annotations

import json

from steeldefect.artifacts.devices_file import (DEVICES_FILE, StageDevices, read_devices, record_stage,
                                                write_devices)


def test_write_then_read(tmp_path):
    record_stage(tmp_path, "predict", ("CPU",), "default", "float32")
    record_stage(tmp_path, "tune", ("GPU:0",), "default", "mixed_float16")
    stages = read_devices(tmp_path)
    assert list(stages) == ["predict", "tune"] and stages["tune"].devices == ("GPU:0",)
    assert stages["predict"].recorded  # stamped
    data = json.loads((tmp_path / DEVICES_FILE).read_text())
    assert data["version"] == 1 and data["stages"]["predict"]["strategy"] == "default"


def test_an_old_file_loads(tmp_path):
    (tmp_path / DEVICES_FILE).write_text(json.dumps({"stages": {"train": {"devices": ["CPU"], "strategy": "default",
                                                                         "precision": "float32"}}}))
    assert read_devices(tmp_path) == {"train": StageDevices(("CPU",), "default", "float32")}
    assert read_devices(tmp_path / "absent") == {}


def test_a_newer_file_is_refused_in_one_line(tmp_path, refused):
    write_devices(tmp_path, {})
    path = tmp_path / DEVICES_FILE
    path.write_text(json.dumps({"version": 2, "stages": {}}))
    refused(path, lambda: read_devices(tmp_path))

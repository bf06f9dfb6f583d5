"""Where models run: the device line, the devices.json contract and the precision read from runs."""

from __future__ import annotations

import json

from steeldefect.artifacts.devices_file import DEVICES_FILE
from steeldefect.artifacts.run_folder import Run
from steeldefect.artifacts.run_meta import META_FILE, run_precision
from steeldefect.devices import (DeviceReport, announce, inference_report, read_stages, record_stage,
                                 training_report)


def test_line_and_accelerated():
    cpu = DeviceReport(("CPU (2 cores, x86_64)",), "default", "float32")
    assert cpu.line("train classifier") == ("[device] train classifier: CPU (2 cores, x86_64) | strategy default | "
                                            "precision float32")
    assert not cpu.accelerated
    gpus = DeviceReport(("GPU:0 (NVIDIA H200)", "GPU:1 (NVIDIA H200)"), "mirrored", "mixed_float16")
    assert gpus.accelerated and DeviceReport.from_dict(gpus.to_dict()) == gpus


def test_record_keeps_other_stages_and_replaces_its_own(tmp_path):
    first = DeviceReport(("CPU",), "default", "float32")
    record_stage(tmp_path, "tune", first)
    record_stage(tmp_path, "predict", first)
    record_stage(tmp_path, "predict", DeviceReport(("GPU:0",), "default", "mixed_float16"))
    stages = read_stages(tmp_path)
    assert set(stages) == {"tune", "predict"}
    assert stages["predict"]["precision"] == "mixed_float16" and stages["tune"]["devices"] == ["CPU"]
    assert json.loads((tmp_path / DEVICES_FILE).read_text())["version"] == 1
    (tmp_path / DEVICES_FILE).write_text("not json")
    assert read_stages(tmp_path) == {} and read_stages(tmp_path / "absent") == {}


def test_announce_prints_one_line_and_records(tmp_path, capsys):
    announce("export", DeviceReport(("CPU",), "default", "float32"), tmp_path)
    err = capsys.readouterr().err
    assert err == "[device] export: CPU | strategy default | precision float32\n"
    assert "export" in read_stages(tmp_path)


def test_this_machine_trains_and_predicts_on_the_cpu():
    report = training_report("default", 1, 0, "float32")
    assert len(report.devices) == 1 and report.devices[0].startswith("CPU") and not report.accelerated
    assert inference_report([]).precision == "float32"


def test_precision_comes_from_the_runs_meta(tmp_path):
    runs = []
    for i, meta in enumerate([{"precision": "mixed_float16"}, {"device": {"dtype_policy": "mixed_bfloat16"}}, {}]):
        path = tmp_path / "segmenter" / f"m{i}" / "fold0"
        path.mkdir(parents=True)
        (path / META_FILE).write_text(json.dumps(meta))  # as older runs wrote it
        runs.append(Run("segmenter", f"m{i}", 0, path))
    assert [run_precision(r) for r in runs] == ["mixed_float16", "mixed_bfloat16", "float32"]  # new, legacy, none
    assert inference_report(runs).precision == "float32+mixed_bfloat16+mixed_float16"
    assert inference_report(runs[:1]).precision == "mixed_float16"

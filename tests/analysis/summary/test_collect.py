"""summary.json: stage seconds, test Dice against the all-empty baseline, and where each stage ran."""

from __future__ import annotations

import json

from steeldefect.analysis.summary import build_summary, format_summary
from steeldefect.cli.main import main
from steeldefect.data.labels import empty_table
from steeldefect.data.submission import sample_image_ids, write_submission
from steeldefect.devices import DeviceReport, record_stage


def test_summary_records_devices_per_stage(tiny_dataset, tmp_path, capsys):
    out = tmp_path / "run"
    out.mkdir()
    ids, _ = sample_image_ids(tiny_dataset / "sample_submission.csv")
    write_submission(empty_table(ids), out / "submission.csv")  # all empty: scores the baseline
    (out / "stage_times.tsv").write_text("train_classifiers\t3\npredict\t2\n")
    cpu = DeviceReport(("CPU (2 cores, x86_64)",), "default", "float32")
    record_stage(out, "train classifier", cpu)
    record_stage(out, "predict", cpu)
    assert main(["summary", "--out", str(out), "--data", str(tiny_dataset)]) == 0
    summary = json.loads((out / "summary.json").read_text())
    assert set(summary["devices"]) == {"train classifier", "predict"}
    assert summary["devices"]["predict"]["strategy"] == "default"
    assert summary["devices"]["train classifier"]["devices"] == ["CPU (2 cores, x86_64)"]
    assert summary["test"]["dice"] == summary["test"]["all_empty_baseline"]
    assert summary["stage_seconds"] == {"train_classifiers": 3.0, "predict": 2.0}
    printed = capsys.readouterr().out
    assert "predict" in printed and "on CPU (2 cores, x86_64), strategy default, precision float32" in printed


def test_summary_of_an_imported_dataset_has_plant_metrics_by_class_name(k3_dataset, tmp_path):
    out = tmp_path / "k3run"
    out.mkdir()
    write_submission(empty_table(["a.jpg", "b.jpg", "c.jpg"], 3), out / "submission.csv")
    summary = build_summary(out, out / "submission.csv", k3_dataset)
    test = summary.test
    assert test.n_images == 3 and list(test.per_class) == ["1", "2", "3"]
    assert list(test.plant) == ["scratch", "pit", "stain"]
    assert test.plant["pit"]["recall"] == 0.0 and test.plant["pit"]["precision"] is None
    assert test.plant["scratch"]["fn"] == 2 and test.plant["scratch"]["tn"] == 1
    text = format_summary(summary)
    assert "scratch" in text and "recall 0.0000" in text
    assert json.loads(json.dumps(summary.to_dict()))["test"]["plant"]["stain"]["tp"] == 0

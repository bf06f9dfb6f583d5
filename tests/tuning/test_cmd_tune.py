"""`steeldefect tune` end to end on a fake RUNS tree: YAML, figures, printed table."""

from __future__ import annotations

import numpy as np
import pytest

from steeldefect.cli.main import main
from steeldefect.data.labels import write_labels
from steeldefect.artifacts.thresholds_file import load_thresholds


def test_tune_cli_writes_thresholds_and_figures(tmp_path, oof_case, oof_runs, capsys):
    case = oof_case(5, n=20, n_seg=2, n_cls=1, cls_outputs=4)
    runs = oof_runs(tmp_path / "runs", case, k=2)
    write_labels(case.labels(), tmp_path / "train.csv")
    out = tmp_path / "tuned" / "thresholds.yaml"
    code = main(["tune", "--runs", str(runs), "--labels", str(tmp_path / "train.csv"), "--out", str(out),
                 "--pixel-thresholds", "0.2:0.8:0.1", "--min-areas", "0,2000,8000", "--gates", "0,0.3,0.6",
                 "--min-components", "0,1500"])
    assert code == 0
    printed = capsys.readouterr().out
    assert "default" in printed and "mean" in printed and "16x40" in printed
    th = load_thresholds(out)
    assert th.gate_kind == "class" and th.resolution == (16, 40)
    assert th.tuned["oof_images"] == 20
    assert th.tuned["runs"]["segmenter"] == ["segmenter/bb0/fold0", "segmenter/bb0/fold1", "segmenter/bb1/fold0",
                                     "segmenter/bb1/fold1"]
    assert th.tuned["oof_mean_dice"] >= th.tuned["default_mean_dice"]
    for c in th.classes:
        assert c.pixel_threshold in (0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8) and c.min_area in (0, 2000, 8000)
    assert (tmp_path / "tuned" / "thresholds_dice.png").stat().st_size > 1000
    surfaces = np.load(tmp_path / "tuned" / "thresholds_surfaces.npz")
    assert surfaces["dice"].shape == (4, 7, 3, 3)
    assert th.tuned["grid"]["survival_thresholds"][0] is None and th.tuned["grid"]["gate_area_factors"][0] is None
    for c, entry in th.tuned["per_class"].items():
        families = entry["rule_families"]
        assert set(families) == {"none", "hard_gate", "soft_gate", "two_level", "both"}
        assert families["both"] == pytest.approx(entry["dice"], abs=1e-6)
    assert "best OOF Dice per rule family" in printed
    band = th.tuned["review_band"]
    assert band["n_images"] == 20 and band["missed"] <= 1 and band["false_alarms"] <= 1
    assert f"{band['flagged']} of 20 OOF images flagged" in printed


def test_tune_cli_can_search_the_rules_of_before(tmp_path, oof_case, oof_runs):
    case = oof_case(5, n=20, n_seg=1, n_cls=1)
    runs = oof_runs(tmp_path / "runs", case, k=2)
    write_labels(case.labels(), tmp_path / "train.csv")
    out = tmp_path / "thresholds.yaml"
    assert main(["tune", "--runs", str(runs), "--labels", str(tmp_path / "train.csv"), "--out", str(out),
                 "--survival-thresholds", "none", "--gate-area-factors", "none", "--no-plots"]) == 0
    th = load_thresholds(out)
    assert all(c.survival_threshold is None and c.gate_area_factor is None for c in th.classes)
    assert th.tuned["grid"]["survival_thresholds"] == [None] and th.tuned["grid"]["gate_area_factors"] == [None]
    families = th.tuned["per_class"][1]["rule_families"]
    assert families["both"] == families["hard_gate"] and families["two_level"] == families["hard_gate"]


def test_tune_cli_needs_the_truth(tmp_path, oof_case, oof_runs, capsys):
    runs = oof_runs(tmp_path / "runs", oof_case(1, n=8), k=2)
    assert main(["tune", "--runs", str(runs), "--out", str(tmp_path / "t.yaml")]) == 2
    assert "--labels" in capsys.readouterr().err


def test_tune_cli_refuses_negative_review_targets_before_the_work(tmp_path, capsys):
    assert main(["tune", "--runs", str(tmp_path), "--labels", "x.csv", "--out", str(tmp_path / "t.yaml"),
                 "--review-max-missed", "-1"]) == 2
    assert "--review-max-missed and --review-max-false-alarms must be >= 0" in capsys.readouterr().err

"""Sections without their inputs say so: no classifier runs, no submission, no images, a gate without a classifier."""

from __future__ import annotations

import json

import pytest
from report_helpers import direct_oof_dice, is_png

from steeldefect.data.labels import read_labels
from steeldefect.artifacts.thresholds_file import save_thresholds
from steeldefect.postprocess.rules import ClassThresholds, Thresholds
from steeldefect.analysis.report import ReportInputs, build_report

GATED = Thresholds(classes=tuple(ClassThresholds(0.5, 250, 0.4, 0) for _ in range(4)))


@pytest.fixture(scope="module")
def degraded(synth_data, runs_no_classifier, tmp_path_factory):
    tmp = tmp_path_factory.mktemp("report_degraded")
    save_thresholds(GATED, tmp / "thresholds.yaml")
    inputs = ReportInputs(runs_no_classifier, labels=synth_data / "train.csv", thresholds=tmp / "thresholds.yaml")
    result = build_report(inputs, tmp / "out", worst=1, histogram_thresholds=(0.5,))
    return result, tmp / "out"


def test_sections_say_what_is_missing(degraded):
    result, out = degraded
    html = (out / "index.html").read_text()
    assert "no finished classifier runs" in html
    assert "no --pred/--truth given" in html
    assert "grey placeholders: no --data folder given" in html
    assert "gate ignored" in html and any("gate ignored" in n for n in result.notes)
    assert not any(n.startswith(("classifier_", "decisions_submission")) for n in result.files)
    pngs = [n for n in result.files if n.endswith(".png")]
    assert len(pngs) == 9 and all(is_png(out / n) for n in pngs)
    numbers = json.loads((out / "report.json").read_text())
    assert numbers["classifier"] is None and numbers["submission"] is None


def test_ignored_gate_scores_the_ungated_masks(degraded, runs_no_classifier, synth_data):
    _, out = degraded
    numbers = json.loads((out / "report.json").read_text())
    _, dice, _ = direct_oof_dice(runs_no_classifier, read_labels(synth_data / "train.csv"), GATED, use_gate=False)
    assert [numbers["oof"]["per_class"][str(c)]["dice"] for c in (1, 2, 3, 4)] == pytest.approx(dice.mean(0), abs=1e-12)


def test_default_thresholds_agree_with_the_tuner(synth_data, runs_no_classifier, tmp_path):
    """Without --thresholds the OOF Dice is the tuner's default Dice (pixel threshold 0.5, nothing else)."""
    from steeldefect.tuning.oof_stream import plan_oof
    from steeldefect.tuning.tune import default_dice
    from steeldefect.analysis.report.gather import gather_oof
    from steeldefect.analysis.report.metrics import image_scores

    labels = read_labels(synth_data / "train.csv")
    plan = plan_oof(runs_no_classifier)
    small = gather_oof(plan, labels, Thresholds(), chunk_size=3, worst=3)
    big = gather_oof(plan, labels, Thresholds(), chunk_size=100, worst=3)
    scores = image_scores(small.dice, small.truth_pos, small.pred_pos)
    for c in range(4):
        assert scores["per_class"][str(c + 1)]["dice"] == pytest.approx(default_dice(small.stats, c), abs=1e-12)
    assert (small.dice == big.dice).all()
    assert [[w.image_id for w in small.worst[c]] for c in (1, 2, 3, 4)] == \
           [[w.image_id for w in big.worst[c]] for c in (1, 2, 3, 4)]


"""The full report on a fake RUNS tree: every section, valid PNGs, and numbers equal to direct computations."""

from __future__ import annotations

import json
import re

import numpy as np
import pytest
from report_helpers import direct_oof_dice, is_png, load_oof
from sklearn.metrics import roc_auc_score

from steeldefect.data.labels import label_presence, read_labels
from steeldefect.data.submission import write_submission
from steeldefect.artifacts.thresholds_file import save_thresholds
from steeldefect.postprocess.rules import ClassThresholds, Thresholds
from steeldefect.metric.dice import score_tables
from steeldefect.metric.plant import plant_metrics
from steeldefect.analysis.report import ReportInputs, build_report

THRESHOLDS = Thresholds(classes=(ClassThresholds(0.55, 3000, 0.3, 0, survival_threshold=0.7, gate_area_factor=3.0),
                                 ClassThresholds(0.5, 0, 0.3, 0),
                                 ClassThresholds(0.45, 1000, 0.3, 300, gate_area_factor=8.0),
                                 ClassThresholds(0.6, 0, 0.3, 0)))  # two-level (1), soft gates (1, 3)
SECTIONS = ("runs", "scores", "classifier", "pixels", "areas", "worst", "surfaces")


@pytest.fixture(scope="module")
def report(synth_data, runs_tree, tmp_path_factory):
    tmp = tmp_path_factory.mktemp("report_full")
    truth = read_labels(synth_data / "test_labels.csv")
    pred = truth.copy()
    pred.loc[::2, "rle_3"] = ""  # drop some masks, move others to another class
    pred.loc[1::3, "rle_1"] = pred.loc[1::3, "rle_3"]
    write_submission(pred, tmp / "submission.csv")
    save_thresholds(THRESHOLDS, tmp / "thresholds.yaml")
    # no truth given: it defaults to DATA/test_labels.csv
    inputs = ReportInputs(runs_tree, synth_data, pred=tmp / "submission.csv",
                          thresholds=tmp / "thresholds.yaml")
    calls = []
    result = build_report(inputs, tmp / "out", chunk_size=7, worst=2,
                          progress=lambda n, total: calls.append((n, total)))
    return result, tmp, calls


def test_every_section_and_valid_figures(report):
    result, tmp, calls = report
    out = tmp / "out"
    html = (out / "index.html").read_text()
    for key in SECTIONS:
        assert f'id="{key}"' in html
    pngs = [n for n in result.files if n.endswith(".png")]
    assert {"dice_per_class.png", "decisions_oof.png", "decisions_submission.png", "classifier_roc.png",
            "classifier_confusion.png", "pixel_confusion.png", "area_histograms.png", "dice_surfaces.png",
            *[f"worst_class_{c}.png" for c in (1, 2, 3, 4)]} == set(pngs)
    assert all(is_png(out / n) for n in pngs)
    assert set(re.findall(r'<img src="([^"]+)"', html)) == set(pngs)
    assert not (out / ".partial").exists()
    assert "placeholder" not in html  # the synth images exist
    assert sum(n for n, _ in calls) == result.n_images == 40 and {t for _, t in calls} == {40}
    assert len(calls) > 2  # streamed in chunks of 7


def test_submission_scores_equal_score_tables(report, synth_data):
    _, tmp, _ = report
    numbers = json.loads((tmp / "out" / "report.json").read_text())
    expected = score_tables(read_labels(synth_data / "test_labels.csv"), read_labels(tmp / "submission.csv"))
    submission = dict(numbers["submission"])
    plant = submission.pop("plant")
    assert submission == json.loads(json.dumps(expected))
    html = (tmp / "out" / "index.html").read_text()
    for cls, row in expected["per_class"].items():
        assert f"{row['dice']:.5f}" in html
    direct = plant_metrics(read_labels(synth_data / "test_labels.csv"), read_labels(tmp / "submission.csv"))
    assert plant == json.loads(json.dumps(direct.to_dict()))
    assert list(plant) == ["class 1", "class 2", "class 3", "class 4"]
    assert set(numbers["plant"]) == {"OOF", "submission"}
    assert "Plant metrics" in html and f"{plant['class 3']['iou']:.4f}" in html


def test_oof_dice_equals_direct_computation(report, runs_tree, synth_data):
    _, tmp, _ = report
    numbers = json.loads((tmp / "out" / "report.json").read_text())
    labels = read_labels(synth_data / "train.csv")
    ids, dice, truth = direct_oof_dice(runs_tree, labels, THRESHOLDS)
    per_class = numbers["oof"]["per_class"]
    assert np.allclose([per_class[str(c)]["dice"] for c in (1, 2, 3, 4)], dice.mean(axis=0), atol=1e-12)
    assert numbers["oof"]["mean"] == pytest.approx(dice.mean(), abs=1e-12)
    t_pos = truth.any(axis=(1, 2))
    for c in range(4):
        assert per_class[str(c + 1)]["tp"] + per_class[str(c + 1)]["fn"] == int(t_pos[:, c].sum())
    worst = numbers["worst"]["3"]
    candidates = [d for d, t, i in zip(dice[:, 2], t_pos[:, 2], ids) if t or d < 1]
    assert [w["dice"] for w in worst] == pytest.approx(sorted(candidates)[:2])


def test_auc_equals_sklearn(report, runs_tree, synth_data):
    _, tmp, _ = report
    numbers = json.loads((tmp / "out" / "report.json").read_text())
    labels = read_labels(synth_data / "train.csv").set_index("ImageId")
    ids, probs = load_oof(runs_tree, "classifier")
    present = label_presence(labels.loc[ids].reset_index()).any(axis=1)
    (score,) = numbers["classifier"]
    assert score["auc"] == pytest.approx(roc_auc_score(present, probs), abs=1e-12)
    assert score["gate"] == 0.3 and score["gate_tuned"]
    passed = probs >= 0.3
    assert score["confusion"] == [[int((~present & ~passed).sum()), int((~present & passed).sum())],
                                  [int((present & ~passed).sum()), int((present & passed).sum())]]
    assert f"{score['auc']:.5f}" in (tmp / "out" / "index.html").read_text()
    band = numbers["review_band"]  # none recorded in THRESHOLDS: proposed for at most 1 and 1
    assert band["source"].startswith("proposed here")
    assert band["missed"] == int((present & (probs < band["lo"])).sum()) <= 1
    assert band["false_alarms"] == int((~present & (probs > band["hi"])).sum()) <= 1
    assert band["flagged"] == int(((probs >= band["lo"]) & (probs <= band["hi"])).sum())


def test_pixel_confusion_equals_direct_counts(report, runs_tree, synth_data):
    _, tmp, _ = report
    numbers = json.loads((tmp / "out" / "report.json").read_text())
    ids, q = load_oof(runs_tree, "segmenter")
    from steeldefect.tuning.histograms import truth_masks

    truth = truth_masks(read_labels(synth_data / "train.csv"), ids, q.shape[1:3])
    for c, th in enumerate(THRESHOLDS.classes):
        pred = q[..., c] >= th.level
        t = truth[..., c]
        expected = [[int((~t & ~pred).sum()), int((~t & pred).sum())], [int((t & ~pred).sum()), int((t & pred).sum())]]
        assert numbers["pixel_confusion"]["thresholded"][c] == expected


def test_failed_build_leaves_the_previous_report(report, synth_data, runs_tree, tmp_path):
    """A build that fails (labels lacking the OOF images) writes nothing and keeps what was there."""
    result, tmp, _ = report
    out = tmp / "out"
    before = {n: (out / n).read_bytes() for n in result.files}
    with pytest.raises(Exception, match="the labels lack"):
        build_report(ReportInputs(runs_tree, labels=synth_data / "test_labels.csv"), out)
    assert {n: (out / n).read_bytes() for n in result.files} == before
    assert not (out / ".partial").exists()

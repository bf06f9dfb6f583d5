"""The report with a dataset's own classes: names in tables and figures, the plant metrics table."""

from __future__ import annotations

import json

import numpy as np
import pytest

from steeldefect.analysis.report import figures_masks as fm
from steeldefect.analysis.report import figures_scores as fs
from steeldefect.analysis.report.gather import OOFSummary
from steeldefect.analysis.report.metrics import oof_plant
from steeldefect.analysis.report.sections_scores import PLANT_COLUMNS, scores_part
from steeldefect.data.kaggle_folder import TEST_LABELS
from steeldefect.data.labels import read_labels
from steeldefect.data.submission import write_submission
from steeldefect.postprocess.rules import Thresholds
from steeldefect.stages.report_stage import ReportArgs, report

NAMES = ("scratch", "pit", "stain")
# three images, three classes: per-image Dice, whether truth / prediction are non-empty
DICE = np.array([[0.5, 1.0, 1.0], [1.0, 0.0, 1.0], [0.0, 1.0, 1.0]])
TRUTH = np.array([[1, 0, 0], [0, 0, 0], [1, 0, 0]], bool)
PRED = np.array([[1, 0, 0], [0, 1, 0], [0, 0, 0]], bool)
POST = np.array([[10, 10, 30], [0, 5, 0], [0, 0, 0]], np.int64)  # pixel tp, fp, fn per class


def _summary() -> OOFSummary:
    return OOFSummary(plan=None, stats=None, thresholds=Thresholds(), dice=DICE, truth_pos=TRUTH, pred_pos=PRED,
                      post_counts=POST, worst={}, gated=False, class_names=NAMES)


def test_oof_plant_metrics_hand_computed():
    plant = oof_plant(DICE, TRUTH, PRED, POST, NAMES).to_dict()
    assert list(plant) == list(NAMES)
    scratch = plant["scratch"]
    assert scratch["dice"] == pytest.approx(20 / 60) and scratch["iou"] == pytest.approx(10 / 50)
    assert scratch["mean_image_dice"] == pytest.approx(0.5)
    assert (scratch["tp"], scratch["fp"], scratch["fn"], scratch["tn"]) == (1, 0, 1, 1)
    assert (scratch["precision"], scratch["recall"]) == (1.0, 0.5)
    assert plant["pit"]["precision"] == 0.0 and plant["pit"]["recall"] is None
    assert plant["stain"]["dice"] == 1.0  # absent from truth and prediction


def test_scores_section_shows_names_and_the_plant_table():
    submission = {"mean": 0.9, "n_images": 3, "n_pairs": 9, "n_extra_pred_images": 0,
                  "counts": {"tp": 1, "fp": 0, "fn": 0, "tn": 8},
                  "per_class": {str(k): {"dice": 0.9, "tp": 0, "fp": 0, "fn": 0, "tn": 3} for k in (1, 2, 3)},
                  "plant": oof_plant(DICE, TRUTH, PRED, POST, NAMES).to_dict()}
    part = scores_part(_summary(), submission, "")
    tables = {t.caption.split(":")[0]: t for t in part.section.tables}
    plant = tables["Plant metrics"]
    assert plant.headers == list(PLANT_COLUMNS)
    assert [r[:2] for r in plant.rows] == [[n, s] for s in ("OOF", "submission") for n in NAMES]
    assert [r[0] for r in tables["OOF at the thresholds in use"].rows] == [*NAMES, "all"]
    assert set(part.numbers["plant"]) == {"OOF", "submission"}
    assert list(part.numbers["plant"]["OOF"]) == list(NAMES)
    ticks = [t.get_text() for t in part.figures["dice_per_class.png"].axes[0].get_xticklabels()]
    assert ticks == list(NAMES)


def test_figures_follow_the_class_count():
    bars = fs.dice_bars({"OOF": {1: 0.5, 2: 0.6, 3: 0.7}}, NAMES)
    assert len(bars.axes[0].patches) == 3
    areas = {0.5: np.array([[10, 0, 5], [0, 0, 0], [3, 2, 1]])}
    hist = fm.area_histograms(areas, TRUTH, NAMES)
    assert [ax.get_title() for ax in hist.axes] == [f"{n}, pixel threshold 0.5" for n in NAMES]
    assert fm.placeholder_image(shape=(40, 96)).shape == (40, 96, 3)
    assert fm.placeholder_image().shape == (256, 1600, 3)


def test_report_of_a_three_class_dataset(k3_synth_data, k3_runs_tree, tmp_path):
    pred = read_labels(k3_synth_data / TEST_LABELS, n_classes=3)
    pred.loc[::2, "rle_2"] = ""
    write_submission(pred, tmp_path / "submission.csv")
    built = report(ReportArgs(runs=k3_runs_tree, out=tmp_path / "out", data=k3_synth_data,
                              pred=tmp_path / "submission.csv", worst=1, chunk_size=16)).result
    html = built.index.read_text()
    assert "Plant metrics" in html and all(f"<td>{n}</td>" in html for n in NAMES)
    assert {f"worst_class_{c}.png" for c in (1, 2, 3)} <= set(built.files)
    assert "worst_class_4.png" not in built.files
    numbers = json.loads((tmp_path / "out" / "report.json").read_text())
    assert list(numbers["plant"]["OOF"]) == list(NAMES) and list(numbers["plant"]["submission"]) == list(NAMES)
    assert list(numbers["oof"]["per_class"]) == ["1", "2", "3"]
    assert numbers["plant"]["submission"]["scratch"]["dice"] == 1.0

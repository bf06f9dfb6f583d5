"""Gather a run folder's figures into summary.json (``steeldefect.artifacts.summary_file``).

Reads what the stages left behind: the stage times (written by run_all.sh), the devices each
model-running stage ran on (``steeldefect.artifacts.devices_file``), the tuned thresholds (OOF Dice)
and the submission, which it scores against the dataset's test labels when they exist, next to the
all-empty submission's score.
"""

from __future__ import annotations

import os
from pathlib import Path

from steeldefect.artifacts.devices_file import read_devices
from steeldefect.artifacts.summary_file import OofFigures, Summary, HeldOutFigures, read_stage_times, stage_times_path
from steeldefect.artifacts.thresholds_file import load_thresholds
from steeldefect.artifacts.dataset_file import read_dataset
from steeldefect.data.io import require_file
from steeldefect.data.kaggle_folder import TEST_IMAGES, TEST_LABELS, image_shapes
from steeldefect.data.labels import check_rles, empty_table, read_labels
from steeldefect.data.submission import read_submission
from steeldefect.metric.dice import summarise_pairs
from steeldefect.metric.pairs import table_pairs
from steeldefect.metric.plant import plant_from_pairs

__all__ = ["build_summary", "format_summary"]


def _test_figures(data_dir: str | os.PathLike | None, submission: Path) -> HeldOutFigures | None:
    """The submission's Dice on the dataset's test labels next to the all-empty one's, if it has them."""
    labels = Path(data_dir) / TEST_LABELS if data_dir else None
    if labels is None or not labels.is_file():
        return None
    spec = read_dataset(data_dir)
    folder = Path(data_dir) / TEST_IMAGES
    truth = read_labels(labels, images_dir=folder if folder.is_dir() else None, n_classes=spec.n_classes,
                        check=False)
    shapes = spec.single_shape or image_shapes(folder if folder.is_dir() else None, truth["ImageId"], spec)
    check_rles(truth, labels, shapes)
    pairs = table_pairs(truth, read_submission(submission, n_classes=spec.n_classes, shapes=shapes), shapes)
    test = summarise_pairs(pairs)
    baseline = summarise_pairs(table_pairs(truth, empty_table(truth["ImageId"], spec.n_classes), shapes))
    return HeldOutFigures(dice=test["mean"], all_empty_baseline=baseline["mean"],
                          gain_over_baseline=test["mean"] - baseline["mean"], per_class=test["per_class"],
                          counts=test["counts"], n_images=test["n_images"],
                          plant=plant_from_pairs(pairs, spec.class_names).to_dict())


def build_summary(out_dir: str | os.PathLike, submission: str | os.PathLike,
                  data_dir: str | os.PathLike | None = None,
                  thresholds: str | os.PathLike | None = None) -> Summary:
    """The summary of one run_all.sh output folder."""
    submission = require_file(submission, "submission")
    oof = None
    if thresholds and Path(thresholds).is_file():
        oof = OofFigures.from_tuned(load_thresholds(thresholds).tuned)
    times = read_stage_times(stage_times_path(out_dir))
    return Summary(submission=str(submission), oof=oof, test=_test_figures(data_dir, submission),
                   stage_seconds=times, total_seconds=sum(times.values()), devices=read_devices(out_dir))


def _plant_lines(plant: dict) -> list[str]:
    """One line per class of the plant metrics: pixel Dice, IoU, image precision and recall."""
    def fmt(v):
        return "n/a" if v is None else f"{v:.4f}"

    return [f"  {name:<18}Dice {fmt(m['dice'])}  IoU {fmt(m['iou'])}  precision {fmt(m['precision'])}"
            f"  recall {fmt(m['recall'])}" for name, m in plant.items()]


def format_summary(summary: Summary) -> str:
    """A few lines for the terminal."""
    lines = ["== summary"]
    oof = summary.oof
    if oof and oof.oof_mean_dice is not None:
        lines.append(f"OOF Dice (tuned)    {oof.oof_mean_dice:.5f}   at defaults {oof.default_mean_dice:.5f}"
                     f"   on {oof.oof_images} images, {oof.dice_measured_at}")
    test = summary.test
    if test:
        lines.append(f"test Dice           {test.dice:.5f}   all-empty baseline {test.all_empty_baseline:.5f}"
                     f"   gain {test.gain_over_baseline:+.5f}   ({test.n_images} images)")
        lines.append("test per class      " + "  ".join(f"{c}: {v['dice']:.4f}" for c, v in test.per_class.items()))
        lines.extend(_plant_lines(test.plant or {}))
    else:
        lines.append(f"test Dice           n/a (no {TEST_LABELS} in the data folder)")
    for name, seconds in summary.stage_seconds.items():
        lines.append(f"  {name:<18}{seconds:8.0f} s")
    lines.append(f"  {'total':<18}{summary.total_seconds:8.0f} s")
    for stage, where in summary.devices.items():
        lines.append(f"  {stage:<18}on {', '.join(where.devices)}, strategy {where.strategy}, "
                     f"precision {where.precision}")
    return "\n".join(lines)

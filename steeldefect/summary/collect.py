"""Gather a run folder's figures into summary.json.

Reads what the stages left behind: ``stage_times.tsv`` (written by run_all.sh), ``devices.json``
(where each model-running stage ran, ``steeldefect.devices``), the tuned
``thresholds.yaml`` (OOF Dice) and the submission, which it scores against the dataset's
``test_labels.csv`` when that exists, next to the all-empty submission's score.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

from steeldefect.data.kaggle_folder import TEST_LABELS
from steeldefect.data.io import atomic_write, require_file
from steeldefect.data.labels import empty_table, read_labels
from steeldefect.devices import read_stages
from steeldefect.data.submission import read_submission
from steeldefect.metric import score_tables

STAGE_TIMES = "stage_times.tsv"  # name<TAB>seconds per stage, written by run_all.sh
SUMMARY = "summary.json"  # written beside the submission


def read_stage_times(path: Path) -> dict[str, float]:
    """Stage name -> seconds from a two-column TSV; missing file -> {}."""
    if not path.is_file():
        return {}
    times: dict[str, float] = {}
    for line in path.read_text().splitlines():
        name, _, seconds = line.partition("\t")
        if name and seconds.strip():
            times[name] = times.get(name, 0.0) + float(seconds)
    return times


def build_summary(out_dir: str | os.PathLike, submission: str | os.PathLike,
                  data_dir: str | os.PathLike | None = None,
                  thresholds: str | os.PathLike | None = None) -> dict:
    """The summary of one run_all.sh output folder, as a JSON-ready dict."""
    out_dir = Path(out_dir)
    submission = require_file(submission, "submission")
    summary: dict = {"submission": str(submission)}
    if thresholds and Path(thresholds).is_file():
        from steeldefect.postprocess.thresholds import load_thresholds

        tuned = load_thresholds(thresholds).tuned
        summary["oof"] = {key: tuned.get(key) for key in
                          ("oof_images", "oof_mean_dice", "default_mean_dice", "dice_measured_at", "per_class")}
    labels = Path(data_dir) / TEST_LABELS if data_dir else None
    if labels is not None and labels.is_file():
        truth = read_labels(labels)
        test = score_tables(truth, read_submission(submission))
        baseline = score_tables(truth, empty_table(truth["ImageId"]))
        summary["test"] = {"dice": test["mean"], "all_empty_baseline": baseline["mean"],
                           "gain_over_baseline": test["mean"] - baseline["mean"],
                           "per_class": test["per_class"], "counts": test["counts"],
                           "n_images": test["n_images"]}
    times = read_stage_times(out_dir / STAGE_TIMES)
    summary["stage_seconds"] = times
    summary["total_seconds"] = sum(times.values())
    summary["devices"] = read_stages(out_dir)  # per model-running stage: devices, strategy, precision
    return summary


def format_summary(summary: dict) -> str:
    """A few lines for the terminal."""
    lines = ["== summary"]
    oof = summary.get("oof")
    if oof and oof.get("oof_mean_dice") is not None:
        lines.append(f"OOF Dice (tuned)    {oof['oof_mean_dice']:.5f}   at defaults {oof['default_mean_dice']:.5f}"
                     f"   on {oof['oof_images']} images, {oof['dice_measured_at']}")
    test = summary.get("test")
    if test:
        lines.append(f"test Dice           {test['dice']:.5f}   all-empty baseline {test['all_empty_baseline']:.5f}"
                     f"   gain {test['gain_over_baseline']:+.5f}   ({test['n_images']} images)")
        lines.append("test per class      " + "  ".join(f"{c}: {v['dice']:.4f}" for c, v in test["per_class"].items()))
    else:
        lines.append("test Dice           n/a (no test_labels.csv in the data folder)")
    for name, seconds in summary["stage_seconds"].items():
        lines.append(f"  {name:<18}{seconds:8.0f} s")
    lines.append(f"  {'total':<18}{summary['total_seconds']:8.0f} s")
    for stage, where in summary.get("devices", {}).items():
        lines.append(f"  {stage:<18}on {', '.join(where.get('devices', []))}, strategy {where.get('strategy')}, "
                     f"precision {where.get('precision')}")
    return "\n".join(lines)


def write_summary(summary: dict, path: str | os.PathLike) -> None:
    """Write summary.json atomically."""
    with atomic_write(path) as tmp:
        tmp.write_text(json.dumps(summary, indent=2) + "\n")

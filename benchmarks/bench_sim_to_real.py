"""Sim-to-real: how a model trained on synthetic strips only does on real Severstal strips.

    python benchmarks/bench_sim_to_real.py --runs runs/demo [--real ../shared/real] [--out FILE.json]

Predicts the real training strips of ../shared/real/strips (136, with class flags) with every finished
run of --runs and its thresholds.yaml (`steeldefect predict`), then reports, for the tune part, the
measure part (steeldefect.synth.look.split) and both:
- gate AUC: the classifier's defect probability, defective (any class flag) vs clean strips;
- per-class AUC: the segmenters' maximum probability of the class vs that class's flag;
- how often a clean strip gets a mask and a defective one gets none;
- on the strips with full real masks (train_masks_2515.csv): mean Dice and per-class Dice, beside the
  all-empty prediction's.
Prints JSON (and writes it with --out). Needs nothing but the runs and the real files.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import tempfile
from pathlib import Path

import numpy as np
import pandas as pd

FLAGS = ["class_1", "class_2", "class_3", "class_4"]


def _auc(y: np.ndarray, score: np.ndarray) -> float | None:
    from sklearn.metrics import roc_auc_score

    return round(float(roc_auc_score(y, score)), 4) if 0 < y.sum() < len(y) else None


def predict_strips(runs: Path, strips_dir: Path, ids: list[str], work: Path) -> tuple[pd.DataFrame, Path]:
    """(predict's per-image table, submission path) for the strips ``ids``."""
    images = work / "images"
    images.mkdir()
    for image_id in ids:
        (images / image_id).symlink_to((strips_dir / image_id).resolve())
    out = work / "submission.csv"
    subprocess.run([sys.executable, "-m", "steeldefect", "-q", "predict", "--runs", str(runs), "--images", str(images),
                    "--thresholds", str(runs / "thresholds.yaml"), "--out", str(out)], check=True)
    per_image = next(p for p in work.glob("submission*.csv") if p != out)
    return pd.read_csv(per_image), out


def part_report(strips: pd.DataFrame, per_image: pd.DataFrame) -> dict:
    """Gate and per-class AUC, and mask decisions, of the strips in ``strips``."""
    table = strips.merge(per_image, on="ImageId", how="left")
    flags = table[FLAGS].to_numpy().astype(bool)
    defective = flags.any(axis=1)
    masked = table[[f"area_{k}" for k in range(1, 5)]].to_numpy() > 0
    report = {"strips": int(len(table)), "defective": int(defective.sum()), "clean": int((~defective).sum()),
              "gate_auc": _auc(defective, table["cls_prob"].to_numpy()),
              "class_auc": {str(k + 1): _auc(flags[:, k], table[f"max_prob_{k + 1}"].to_numpy()) for k in range(4)},
              "clean_with_a_mask": round(float(masked[~defective].any(axis=1).mean()), 4) if (~defective).any() else None,
              "defective_without_mask": round(float((~masked[defective].any(axis=1)).mean()), 4) if defective.any() else None}
    return report


def dice_report(truth: pd.DataFrame, submission: Path, ids: list[str]) -> dict | None:
    from steeldefect.data.labels import read_labels
    from steeldefect.metric.dice import score_tables

    if not ids:
        return None
    truth = truth[truth["ImageId"].isin(ids)].reset_index(drop=True)
    pred = read_labels(submission, images_from_rows=True)
    pred = pred[pred["ImageId"].isin(ids)].reset_index(drop=True)
    empty = truth.copy()
    empty[[c for c in truth.columns if c.startswith("rle_")]] = ""
    scored, baseline = score_tables(truth, pred), score_tables(truth, empty)
    return {"strips": len(ids), "dice": round(scored["mean"], 4), "all_empty_dice": round(baseline["mean"], 4),
            "class_dice": {k: round(v["dice"], 4) for k, v in scored["per_class"].items()}}


def main() -> None:
    from steeldefect.data.labels import read_labels
    from steeldefect.synth.look.split import split_real

    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--runs", required=True, type=Path, help="runs folder of a model trained on synthetic data")
    p.add_argument("--real", type=Path, default=Path(__file__).resolve().parents[1].parent / "shared" / "real")
    p.add_argument("--out", type=Path, help="also write the JSON here")
    args = p.parse_args()
    strips = pd.read_csv(args.real / "strips.csv")
    strips["part"] = split_real(strips)
    train = strips[strips["split"] == "train"].reset_index(drop=True)
    truth = read_labels(args.real / "train_masks_2515.csv", check=False)
    with tempfile.TemporaryDirectory() as tmp:
        per_image, submission = predict_strips(args.runs, args.real / "strips", list(train["ImageId"]), Path(tmp))
        result = {"machine": f"{platform.machine()}, {os.cpu_count()} CPU cores", "runs": str(args.runs)}
        for part in ("tune", "measure", "all"):
            rows = train if part == "all" else train[train["part"] == part]
            masked = list(rows.loc[rows["has_masks"] == 1, "ImageId"])
            result[part] = {**part_report(rows, per_image), "masks": dice_report(truth, submission, masked)}
    text = json.dumps(result, indent=1)
    print(text)
    if args.out:
        args.out.write_text(text + "\n")


if __name__ == "__main__":
    main()

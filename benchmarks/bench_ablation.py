"""Ablation of the training recipe: every trick is one row, on the same data, folds and seed.

    .venv/bin/python benchmarks/bench_ablation.py --base-runs runs/demo --data runs/demo/data \
        --work /tmp/ablation [--rows lovasz,averaging] [--markdown]

The base row is a finished ``./run_all.sh`` folder (its config, folds, models, thresholds and
submission are reused as they are; by default configs/demo.yaml, whose recipe already holds the
pretrained Lite0, the stride-4 FPN, Lovasz and class-aware crops). Every other row changes one thing
in that config and, through the CLI as a user runs it, trains what the change touches into
WORK/<row> (the other model kind is copied from the base, so its seconds are not counted again),
tunes on the OOF predictions and predicts the hidden test images:

- ``no_lovasz``: the segmenter loss bce_dice instead of bce_lovasz (Lovasz: several teams' best loss);
- ``no_class_crops``: the segmenter trained on whole images instead of class-aware crops (1st place
  trained on crops);
- ``full_res_unet``: the plain UNet decoder to full resolution instead of the stride-4 FPN;
- ``scratch``: both kinds from random weights instead of ImageNet;
- ``averaging``: segmenter checkpoint weight averaging of the best 3 epochs (12th place);
- ``blackout``: classifier defect blackout on 30% of defective images (1st place);
- ``pseudo``: one round of pseudo labels from the base ensemble, both kinds retrained (khornlund, 1st).

Each row: OOF Dice and hidden-test Dice per class (test_labels.csv), test true/false positive
images per class, and the training seconds. Writes WORK/ablation.json and prints the Markdown table.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import sys
import time
from pathlib import Path

import yaml

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_selection import cli, test_dice  # noqa: E402  (the same CLI runner and test scoring)

CLASSES = ("1", "2", "3", "4")
ROWS = {  # row -> (what it changes, model kinds it retrains, config patch)
    "no_lovasz": ("segmenter loss bce_dice", ("segmenter",), {"segmenter": {"train": {"loss": "bce_dice"}}}),
    "no_class_crops": ("segmenter on whole images, no crops", ("segmenter",),
                       {"segmenter": {"crop": None, "crop_class_weights": None}}),
    "full_res_unet": ("segmenter decoder: UNet to full resolution", ("segmenter",),
                      {"segmenter": {"decoder": "unet", "decoder_filters": [128, 64, 32, 16, 8], "output_stride": 1}}),
    "scratch": ("both kinds from random weights", ("classifier", "segmenter"),
                {"classifier": {"weights": "none"}, "segmenter": {"weights": "none"}}),
    "averaging": ("segmenter weights: mean of the best 3 epochs", ("segmenter",),
                  {"segmenter": {"train": {"average_weights": 3, "average_of": "best"}}}),
    "blackout": ("classifier defect blackout 0.3", ("classifier",), {"classifier": {"blackout": 0.3}}),
    "pseudo": ("one round of pseudo labels (both kinds retrained)", ("classifier", "segmenter"), {}),
}


def merge(base: dict, patch: dict) -> dict:
    """``base`` with ``patch`` laid over it, nested dicts merged key by key."""
    out = dict(base)
    for key, value in patch.items():
        out[key] = merge(base.get(key, {}), value) if isinstance(value, dict) else value
    return out


def scores(runs: Path, thresholds: Path, submission: Path, data: Path) -> dict:
    tuned = yaml.safe_load(thresholds.read_text())["tuned"]
    return {"oof": {"mean": tuned["oof_mean_dice"], **{str(c): v["dice"] for c, v in tuned["per_class"].items()}},
            "test": test_dice(submission, data)}


def train_seconds(runs: Path, kinds) -> float:
    """Training wall seconds recorded in the runs' history (every epoch of every fold)."""
    import pandas as pd

    return round(sum(pd.read_csv(h)["time_s"].sum() for kind in kinds
                     for h in (runs / kind).glob("*/fold*/history.csv")), 1)


def run_row(name: str, base_runs: Path, data: Path, work: Path) -> dict:
    label, kinds, patch = ROWS[name]
    base_config = yaml.safe_load(next((base_runs / "segmenter").glob("*/fold*/config.yaml")).read_text())
    runs = work / name
    runs.mkdir(parents=True, exist_ok=True)
    shutil.copy(base_runs / "folds.csv", runs / "folds.csv")
    config_path = runs / "config.yaml"
    config_path.write_text(yaml.safe_dump(merge(base_config, patch), sort_keys=False))
    extra = []
    if name == "pseudo":
        pseudo = runs / "pseudo_labels.csv"
        if not pseudo.exists():
            cli("pseudo-label", "--runs", str(base_runs), "--images", str(data / "test_images"), "--thresholds",
                str(base_runs / "thresholds.yaml"), "--out", str(pseudo), "--truth", str(data / "test_labels.csv"))
        extra = ["--pseudo-labels", str(pseudo), "--pseudo-images", str(data / "test_images")]
    for kind in ("classifier", "segmenter"):
        if kind in kinds:
            cli("train", kind, "--config", str(config_path), "--data", str(data), "--out", str(runs), *extra)
        elif not (runs / kind).exists():
            shutil.copytree(base_runs / kind, runs / kind)
    thresholds, submission = runs / "thresholds.yaml", runs / "submission.csv"
    cli("tune", "--runs", str(runs), "--data", str(data), "--out", str(thresholds), "--no-plots")
    cli("predict", "--runs", str(runs), "--images", str(data / "test_images"), "--sample",
        str(data / "sample_submission.csv"), "--thresholds", str(thresholds), "--out", str(submission))
    return {"label": label, "train_s": train_seconds(runs, kinds), "retrained": list(kinds),
            **scores(runs, thresholds, submission, data)}


def markdown(out: dict) -> str:
    head = ("| row | change | train s | OOF mean | " + " | ".join(f"OOF {c}" for c in CLASSES) + " | test mean | "
            + " | ".join(f"test {c}" for c in CLASSES) + " | test TP/FP per class |")
    lines = [head, "|---|---|" + "---:|" * 11 + "---|"]
    for name, r in out["rows"].items():
        tpfp = " ".join(f"{tp}/{fp}" for tp, fp in (r["test"]["tp_fp"][c] for c in CLASSES))
        lines.append(f"| {name} | {r['label']} | {r['train_s']:.0f} | {r['oof']['mean']:.5f} | "
                     + " | ".join(f"{r['oof'][c]:.4f}" for c in CLASSES) + f" | {r['test']['mean']:.5f} | "
                     + " | ".join(f"{r['test'][c]:.4f}" for c in CLASSES) + f" | {tpfp} |")
    return "\n".join(lines)


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--base-runs", type=Path, required=True, help="a finished ./run_all.sh output folder")
    p.add_argument("--data", type=Path, required=True, help="its data folder (with test_labels.csv)")
    p.add_argument("--work", type=Path, required=True)
    p.add_argument("--rows", default=",".join(ROWS), help=f"comma-separated rows (default all: {','.join(ROWS)})")
    p.add_argument("--markdown", action="store_true", help="print the table of an earlier WORK/ablation.json")
    args = p.parse_args()
    result_path = args.work / "ablation.json"
    if args.markdown:
        print(markdown(json.loads(result_path.read_text())))
        return
    unknown = sorted(set(args.rows.split(",")) - set(ROWS))
    if unknown:
        p.error(f"unknown row {unknown[0]}; rows are {', '.join(ROWS)}")
    args.work.mkdir(parents=True, exist_ok=True)
    out = json.loads(result_path.read_text()) if result_path.exists() else {"rows": {}}
    out["machine"] = f"{os.cpu_count()}-core {platform.machine()}"
    kinds = ("classifier", "segmenter")
    out["rows"]["base"] = {"label": "the base config as run_all.sh ran it", "retrained": list(kinds),
                           "train_s": train_seconds(args.base_runs, kinds),
                           **scores(args.base_runs, args.base_runs / "thresholds.yaml",
                                    args.base_runs / "submission.csv", args.data)}
    for name in args.rows.split(","):
        t0 = time.perf_counter()
        out["rows"][name] = run_row(name, args.base_runs, args.data, args.work)
        out["rows"][name]["wall_s"] = round(time.perf_counter() - t0, 1)
        result_path.write_text(json.dumps(out, indent=1))  # a row at a time: an interrupted ablation keeps its rows
        print(f"{name}: OOF {out['rows'][name]['oof']['mean']:.5f} test {out['rows'][name]['test']['mean']:.5f}",
              flush=True)
    result_path.write_text(json.dumps(out, indent=1))
    print(markdown(out))


if __name__ == "__main__":
    main()

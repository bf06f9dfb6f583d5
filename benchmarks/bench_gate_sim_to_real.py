"""Gate-only sim-to-real, fast: train the demo's classifier on a synthetic dataset (fold 0) and rank
the real training strips of ../shared/real with it, in about 2.5 minutes on a 2-core CPU.

    python benchmarks/bench_gate_sim_to_real.py --data DIR --work WORK [--config configs/demo.yaml]
    python benchmarks/bench_gate_sim_to_real.py --runs RUNS      # score a finished run's classifier

With --data, writes WORK/folds.csv and WORK/classifier/ (`steeldefect folds`, `steeldefect train
classifier`; an existing run there is resumed or kept), then scores it. Reports the gate AUC
(defective vs clean strips by their class flags) on the tune part, the measure part
(steeldefect.synth.look.split) and all 136 strips, each class's strips against the clean ones, and the
mean defect probability of clean and defective strips. The full demo's figures come from
bench_sim_to_real.py; this one trains only the gate, so several runs show how much one run varies
(docs/SYNTHETIC.md, "Sim-to-real"). Prints JSON.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd

REAL = Path(__file__).resolve().parents[1].parent / "shared" / "real"


def train_gate(data: Path, work: Path, config: Path) -> None:
    """Fold 0 of ``config``'s classifier on ``data``, into ``work``."""
    steeldefect = [sys.executable, "-m", "steeldefect", "-q"]
    subprocess.run([*steeldefect, "folds", "--data", str(data), "--config", str(config), "--out",
                    str(work / "folds.csv")], check=True)
    subprocess.run([*steeldefect, "train", "classifier", "--config", str(config), "--data", str(data), "--out",
                    str(work)], check=True)


def gate_probabilities(runs: Path, paths: list[Path]) -> np.ndarray:
    """The defect probability of each strip by the first finished classifier run under ``runs``."""
    from steeldefect.artifacts.run_folder import find_runs
    from steeldefect.data.images import read_image
    from steeldefect.models.model_io import load_model
    from steeldefect.pipeline.preprocess import resize_image

    classifiers = find_runs(runs, "classifier")
    if not classifiers:
        raise SystemExit(f"{runs}: no finished classifier run")
    model = load_model(classifiers[0].model_path)
    size = tuple(int(v) for v in model.input_shape[1:3])
    images = np.stack([resize_image(read_image(p), size) for p in paths]).astype(np.float32)
    return np.asarray(model.predict(images, batch_size=8, verbose=0))[:, 0]


def report(strips: pd.DataFrame, probs: np.ndarray) -> dict:
    from sklearn.metrics import roc_auc_score

    from steeldefect.synth.look.split import FLAG_COLUMNS

    flags = list(FLAG_COLUMNS)

    defective = strips[flags].to_numpy().sum(axis=1) > 0
    out: dict = {}
    for part in ("tune", "measure", "all"):
        rows = np.ones(len(strips), bool) if part == "all" else (strips["part"] == part).to_numpy()
        out[part] = round(float(roc_auc_score(defective[rows], probs[rows])), 4)
    clean = probs[~defective]
    out["class_vs_clean"] = {}
    for k, flag in enumerate(flags, start=1):
        hits = probs[strips[flag].to_numpy() > 0]
        y = np.r_[np.ones(len(hits)), np.zeros(len(clean))]
        out["class_vs_clean"][str(k)] = round(float(roc_auc_score(y, np.r_[hits, clean])), 4)
    out["mean_probability"] = {"clean": round(float(clean.mean()), 4), "defective": round(float(probs[defective].mean()), 4)}
    return out


def main() -> None:
    from steeldefect.synth.look.split import split_real

    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    source = p.add_mutually_exclusive_group(required=True)
    source.add_argument("--data", type=Path, help="synthetic dataset folder to train the gate on")
    source.add_argument("--runs", type=Path, help="a runs folder with a finished classifier: only score it")
    p.add_argument("--work", type=Path, help="with --data: where the gate is trained")
    p.add_argument("--config", type=Path, default=Path("configs/demo.yaml"))
    p.add_argument("--real", type=Path, default=REAL)
    args = p.parse_args()
    if args.data and not args.work:
        p.error("--data needs --work")
    if args.data:
        train_gate(args.data, args.work, args.config)
    strips = pd.read_csv(args.real / "strips.csv")
    strips["part"] = split_real(strips)
    strips = strips[strips["split"] == "train"].reset_index(drop=True)
    probs = gate_probabilities(args.runs or args.work, [args.real / "strips" / i for i in strips["ImageId"]])
    result = {"machine": f"{platform.machine()}, {os.cpu_count()} CPU cores", "runs": str(args.runs or args.work),
              "strips": len(strips), "gate_auc": report(strips, probs)}
    print(json.dumps(result, indent=1))


if __name__ == "__main__":
    main()

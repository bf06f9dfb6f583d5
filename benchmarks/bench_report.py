"""Benchmark of `steeldefect report` at a realistic resolution (not collected by pytest).

Writes a fake RUNS tree whose OOF predictions are the real masks of shared/real/train_masks_2515.csv
at 128x800 plus noise (one segmenter and one classifier backbone, 5 folds, oof.npz compressed as
training writes it), then times the CLI in a subprocess and reports its peak memory.

    .venv/bin/python benchmarks/bench_report.py --work /tmp/report_bench [--images 2515]
"""

from __future__ import annotations

import argparse
import resource
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
# The report tests' run writer lives in their conftest: tests/analysis/report/ goes first, ahead of tests/ (which
# holds a conftest.py of its own, and testkit), then the project root for steeldefect.
sys.path[:0] = [str(ROOT / "tests" / "report"), str(ROOT / "tests"), str(ROOT)]

from conftest import _config, _write_run  # noqa: E402  (tests/analysis/report/conftest.py)

from steeldefect.data.labels import label_presence, read_labels, write_labels  # noqa: E402
from steeldefect.artifacts.run_folder import FOLDS_FILE  # noqa: E402
from steeldefect.artifacts.oof import OOF_FILE, quantise
from steeldefect.tuning.histograms import truth_masks  # noqa: E402
from steeldefect.folds import make_folds, write_folds  # noqa: E402

REAL_MASKS = ROOT.parent / "shared" / "real" / "train_masks_2515.csv"
SHAPE = (128, 800)  # the usual training resolution
K = 5


def make(work: Path, n_images: int, seed: int = 0) -> Path:
    from dataclasses import replace

    rng = np.random.default_rng(seed)
    table = read_labels(REAL_MASKS).iloc[:n_images].reset_index(drop=True)
    write_labels(table, work / "train.csv")
    runs = work / "runs"
    runs.mkdir(parents=True)
    folds = make_folds(table, K, 42)
    write_folds(folds, runs / FOLDS_FILE)
    config = _config()
    config = replace(config, data=replace(config.data, height=SHAPE[0], width=SHAPE[1]),
                     folds=replace(config.folds, k=K))
    for fold in range(K):
        ids = folds.loc[folds["fold"] == fold, "ImageId"].tolist()
        truth = truth_masks(table, ids, SHAPE)
        n = len(ids)
        noise = (rng.uniform(0, 0.5, truth.shape).astype(np.float32)
                 * rng.uniform(0.2, 1, (n, 1, 1, 4)).astype(np.float32))
        probs = np.clip(truth * rng.uniform(0.3, 0.8, (n, 1, 1, 4)).astype(np.float32) + noise, 0, 1)
        _write_run(runs, "segmenter", fold, ids, quantise(probs) / np.float32(255), config)
        present = label_presence(table.set_index("ImageId").loc[ids].reset_index()).any(axis=1)
        _write_run(runs, "classifier", fold, ids,
                   np.clip(0.4 * present + rng.uniform(0, 0.6, n), 0, 1).astype(np.float32)[:, None], config)
        print(f"fold {fold}: {n} images written", flush=True)
    return runs


def main() -> None:
    p = argparse.ArgumentParser()
    p.add_argument("--work", required=True, type=Path)
    p.add_argument("--images", type=int, default=2515)
    args = p.parse_args()
    if not (args.work / "runs").is_dir():
        t = time.perf_counter()
        make(args.work, args.images)
        print(f"fake runs written in {time.perf_counter() - t:.1f} s")
    t = time.perf_counter()
    subprocess.run([sys.executable, "-m", "steeldefect", "report", "--runs", str(args.work / "runs"),
                    "--labels", str(args.work / "train.csv"), "--out", str(args.work / "report")], check=True)
    peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    oof_mb = sum(f.stat().st_size for f in (args.work / "runs").rglob(OOF_FILE)) / 2**20
    raw_mb = args.images * SHAPE[0] * SHAPE[1] * 4 / 2**20
    print(f"report of {args.images} OOF images at {SHAPE[0]}x{SHAPE[1]}: {time.perf_counter() - t:.1f} s wall, "
          f"peak RSS {peak:.0f} MB (OOF levels {raw_mb:.0f} MB uncompressed, {oof_mb:.0f} MB on disk)")


if __name__ == "__main__":
    main()

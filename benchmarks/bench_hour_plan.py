"""The Kaggle-hour plan: estimated kernel time for the 5,506 test images per ensemble and TTA choice.

    nice -n 19 .venv/bin/python benchmarks/bench_hour_plan.py [--shapes benchmarks/results/full_shapes.json]

1. Measures the CPU side per image on this machine: read a 256 x 1600 JPEG, resize it to the model
   size (128 x 800), post-process four probability maps (threshold, minimum area, upsampling to
   256 x 1600) and run-length encode them, through the prediction code (``load_views`` and
   ``decide_views`` with select's stand-in forward returning the images' own label masks as
   probabilities, 0.9 inside and 0.02 outside, so the RLE strings are realistic).
2. Checks the utilisation ``hour_plan.UTILISATION`` against Keras Applications' published A100
   inference step times (batch 32, native sizes): graph FLOPs of B0 / B3 / B5 at 224 / 300 / 456
   over the step time, as a share of the A100's 19.5 TFLOP/s float32 peak.
3. Reads each model's graph FLOPs per image from the full-shape benchmark and writes the costs of
   full.yaml's and winners.yaml's members on a Kaggle P100 and T4 as costs files that
   ``steeldefect select --costs`` and ``kaggle-package --costs`` read
   (benchmarks/results/costs_kaggle_<gpu>_<config>.yaml).
4. Prints the plan: estimated seconds per ensemble x TTA x GPU.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "benchmarks" / "results"
MODEL_SIZE = (128, 800)  # full.yaml's input size
OVERHEAD_IMAGES = 96
KERAS_A100_ANCHORS = {"efficientnetb0": (224, 4.9e-3), "efficientnetb3": (300, 8.8e-3), "efficientnetb5": (456, 25.3e-3)}
ANCHOR_BATCH = 32
A100_FP32_TFLOPS = 19.5
TTA_VIEWS = {"none": 1, "hflip": 2, "both": 3}
FOLDS = 5


def measure_overhead(work: Path, n: int = OVERHEAD_IMAGES) -> tuple[float, float]:
    """(CPU seconds, wall seconds) per image besides the models (decode, resize, post-process, RLE).

    The CPU time of this process is what the work costs a dedicated core; the wall time here is
    inflated by the other jobs sharing the machine."""
    import cv2

    from steeldefect.constants import NUM_CLASSES
    from steeldefect.data.labels import read_labels
    from steeldefect.data.rle import rle_decode
    from steeldefect.postprocess.rules import Thresholds
    from steeldefect.ensemble.decide import decide_views
    from steeldefect.prediction.predict import load_views
    from steeldefect.selection.costs import _OOFForward  # the stand-in forward select's overhead timing uses
    from steeldefect.synth import generate_dataset

    data = work / "data"
    generate_dataset(data, n, 0, seed=0, progress=False)
    labels = read_labels(data / "train.csv")
    ids = labels["ImageId"].tolist()[:n]
    masks = np.full((len(ids), *MODEL_SIZE, NUM_CLASSES), 0.02, np.float32)
    for i, row in enumerate(labels.head(n).itertuples(index=False)):
        for c in range(NUM_CLASSES):
            full = rle_decode(getattr(row, f"rle_{c + 1}"))
            small = cv2.resize(full, MODEL_SIZE[::-1], interpolation=cv2.INTER_NEAREST) > 0
            masks[i, ..., c][small] = 0.9
    paths = [data / "train_images" / i for i in ids]
    t0, c0 = time.perf_counter(), time.process_time()
    views = load_views(paths, [MODEL_SIZE])
    table = decide_views(ids, views, _OOFForward(masks), Thresholds(), use_gate=False)
    cpu, wall = (time.process_time() - c0) / len(ids), (time.perf_counter() - t0) / len(ids)
    assert len(table) == len(ids)
    return cpu, wall


def anchor_utilisation() -> dict:
    """Achieved share of the A100 float32 peak in Keras's published step times, per anchor model."""
    from steeldefect.models.classifier import build_classifier
    from steeldefect.scale.graph_stats import graph_stats

    out = {}
    for backbone, (side, step_s) in KERAS_A100_ANCHORS.items():
        flops = graph_stats(build_classifier(backbone, (side, side, 3), n_outputs=1000, dropout=0.0), (side, side)).flops
        achieved = flops * ANCHOR_BATCH / step_s / 1e12
        out[backbone] = {"size": side, "gflops": round(flops / 1e9, 3), "achieved_tflops": round(achieved, 2),
                         "share_of_fp32_peak": round(achieved / A100_FP32_TFLOPS, 3)}
    return out


def member_flops_of(shapes: Path) -> dict[str, dict[str, float]]:
    """{config name: {kind/backbone: FLOPs per image}} from the graph rows of the full-shape benchmark."""
    rows = json.loads(shapes.read_text())["rows"]
    out: dict[str, dict[str, float]] = {}
    for key, row in rows.items():
        if key.startswith("graph:") and row.get("measured"):
            config, kind, backbone = row["case"].split("/")
            out.setdefault(config, {})[f"{kind}/{backbone}"] = row["gflops_per_image"] * 1e9
    return out


def ensembles(flops: dict[str, dict[str, float]]) -> list[tuple[str, str, list[tuple[str, str, int]]]]:
    """(label, config, members) rows of the plan, from one member up to the whole design card."""
    rows = []
    full = flops.get("full", {})
    seg = [k.split("/")[1] for k in full if k.startswith("segmenter/")]
    cls = [k.split("/")[1] for k in full if k.startswith("classifier/")]
    for n_seg, n_cls in ((1, 0), (1, 1), (2, 2), (3, 3), (4, 4), (6, 0), (6, 6)):
        if n_seg <= len(seg) and n_cls <= len(cls):
            members = [("segmenter", b, FOLDS) for b in seg[:n_seg]] + [("classifier", b, FOLDS) for b in cls[:n_cls]]
            label = f"{n_cls} gates B0-B{n_cls - 1} + {n_seg} UNet++ B0-B{n_seg - 1}" if n_cls else \
                f"{n_seg} UNet++ B0-B{n_seg - 1}"
            rows.append((f"{label}, x{FOLDS} folds", "full", members))
    win = flops.get("winners", {})
    if win:
        members = [(k.split("/")[0], k.split("/")[1], FOLDS) for k in win]
        rows.append((f"winners.yaml: {len(members)} members at 256x1600, x{FOLDS} folds", "winners", members))
        seg1 = [m for m in members if m[0] == "segmenter"][:1]
        rows.append((f"winners.yaml: 1 UNet {seg1[0][1]} at 256x1600, x{FOLDS} folds", "winners", seg1))
    return rows


def main(argv=None) -> int:
    from steeldefect.delivery.kaggle.hour_plan import (KAGGLE_GPUS, KAGGLE_LIMIT_S, KAGGLE_TEST_IMAGES, UTILISATION,
                                              plan_costs)
    from steeldefect.selection.costs import machine_text, save_costs

    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--shapes", type=Path, default=RESULTS / "full_shapes.json")
    p.add_argument("--overhead-s", type=float, default=None, help="skip the overhead measurement and use this")
    args = p.parse_args(argv)
    result = {"machine": f"{machine_text()}, shared with other jobs, niced"}
    if args.overhead_s is None:
        with tempfile.TemporaryDirectory(prefix="hour-plan-") as tmp:
            overhead, wall = measure_overhead(Path(tmp))
        result["overhead_wall_s"] = round(wall, 5)
        print(f"CPU side per image (decode, resize, post-process, RLE): {overhead * 1e3:.1f} ms CPU time "
              f"({wall * 1e3:.1f} ms wall on the shared machine) on {result['machine']}")
    else:
        overhead = args.overhead_s
    result["overhead_s"] = round(overhead, 5)
    result["anchors"] = anchor_utilisation()
    print("Keras A100 anchors:", json.dumps(result["anchors"]))
    flops = member_flops_of(args.shapes)
    result["plan"] = []
    optimistic = result["anchors"]["efficientnetb3"]["share_of_fp32_peak"]
    for utilisation in (UTILISATION, optimistic):
        costs = {}
        for gpu_key, gpu in KAGGLE_GPUS.items():
            for config, member_flops in flops.items():
                costs[(gpu_key, config)] = plan_costs(member_flops, gpu, overhead, utilisation)
                if utilisation == UTILISATION:  # the cautious costs are the ones select and kaggle-package use
                    save_costs(costs[(gpu_key, config)], RESULTS / f"costs_kaggle_{gpu_key}_{config}.yaml")
        print(f"\nAt {utilisation:.0%} of the peak:")
        lines = ["| ensemble | " + " | ".join(f"{g.upper()} TTA {t} (x{v})" for g in KAGGLE_GPUS
                                              for t, v in TTA_VIEWS.items()) + " |",
                 "|---|" + "---|" * (len(KAGGLE_GPUS) * len(TTA_VIEWS))]
        for label, config, members in ensembles(flops):
            cells = []
            for gpu_key in KAGGLE_GPUS:
                for tta, views in TTA_VIEWS.items():
                    seconds = costs[(gpu_key, config)].ensemble_s(KAGGLE_TEST_IMAGES, views, members)
                    result["plan"].append({"ensemble": label, "gpu": gpu_key, "tta": tta, "utilisation": utilisation,
                                           "seconds": round(seconds)})
                    cell = f"{seconds / 60:,.0f} min"
                    cells.append(f"**{cell}**" if seconds > KAGGLE_LIMIT_S else cell)
            lines.append(f"| {label} | " + " | ".join(cells) + " |")
        print("\n".join(lines))
    (RESULTS / "hour_plan.json").write_text(json.dumps(result, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""Training-step time of each decoder at the demo's segmenter shapes, side by side in one run.

    .venv/bin/python benchmarks/bench_decoder_steps.py [--rounds 5] [--steps 5] [--out FILE]

EfficientNet-Lite0 at 64x384 crops, batch 8, bce_dice, random weights and batches, the demo's
decoder filters (64, 32, 32, 16, 8): FPN at output stride 4 (the demo's recipe) against UNet++ at
strides 1, 2 and 4 and UNet at 4. Each model takes two warm-up steps; then in each of ``--rounds``
rounds every model runs ``--steps`` steps in turn (a busy spell on a shared machine hits them
alike). Reports the median seconds per step, the ratio to FPN's, and the parameter counts. JSON.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import time

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

CASES = (("fpn", 4), ("unetpp", 1), ("unetpp", 2), ("unetpp", 4), ("unet", 4))  # (decoder, output stride)
SHAPE, BATCH, FILTERS = (64, 384, 3), 8, (64, 32, 32, 16, 8)  # configs/demo.yaml's segmenter


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--rounds", type=int, default=5)
    p.add_argument("--steps", type=int, default=5)
    p.add_argument("--out", default=None)
    args = p.parse_args()
    import keras
    import numpy as np

    from steeldefect.models.losses import get_loss
    from steeldefect.models.segmenter import build_segmenter

    rng = np.random.default_rng(0)
    x = rng.uniform(0, 255, (BATCH, *SHAPE)).astype("float32")
    y = (rng.random((BATCH, *SHAPE[:2], 4)) > 0.99).astype("float32")
    models = {}
    for decoder, stride in CASES:
        model = build_segmenter("efficientnet_lite0", SHAPE, weights="none", decoder=decoder, decoder_filters=FILTERS,
                                output_prior=1e-5, output_stride=stride)
        model.compile(optimizer=keras.optimizers.Adam(1e-3), loss=get_loss("bce_dice"))
        for _ in range(2):
            model.train_on_batch(x, y)
        models[f"{decoder}/{stride}"] = model
    times: dict[str, list[float]] = {name: [] for name in models}
    for _ in range(args.rounds):
        for name, model in models.items():
            t = time.perf_counter()
            for _ in range(args.steps):
                model.train_on_batch(x, y)
            times[name].append((time.perf_counter() - t) / args.steps)
    base = statistics.median(times["fpn/4"])
    result = {
        "machine": f"{platform.machine()}, {os.cpu_count()} CPU cores, no GPU", "shape": SHAPE, "batch": BATCH,
        "filters": FILTERS, "rounds": args.rounds, "steps": args.steps,
        "models": {name: {"seconds_per_step": round(statistics.median(t), 4), "x_fpn": round(statistics.median(t) / base, 2),
                          "params": int(models[name].count_params()), "rounds": [round(v, 4) for v in t]}
                   for name, t in times.items()},
    }
    text = json.dumps(result, indent=1)
    print(text)
    if args.out:
        with open(args.out, "w") as f:
            f.write(text + "\n")


if __name__ == "__main__":
    main()

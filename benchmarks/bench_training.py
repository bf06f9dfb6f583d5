"""Training throughput of one model on this machine, and whether the input pipeline keeps ahead.

Median time of a training step in fit() (a) on one batch held in memory (the model alone) and
(b) fed by the real tf.data pipeline; the graph-tracing time of the first step is reported too.
Medians, because a fit() spends extra time in its first step and, with an in-memory dataset, after
its last one. If (b) is about as fast as (a), the pipeline is not the bottleneck.

    .venv/bin/python benchmarks/bench_training.py --data DIR --kind classifier|segmenter
        [--backbone efficientnetb0] [--decoder unetpp|unet] [--height 128 --width 800] [--batch 8] [--steps 10]
"""

from __future__ import annotations

import argparse
import os
import platform
import time
from dataclasses import replace

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", required=True)
    parser.add_argument("--kind", choices=("classifier", "segmenter"), required=True)
    parser.add_argument("--config", default="configs/demo.yaml")
    parser.add_argument("--backbone", default="efficientnetb0")
    parser.add_argument("--height", type=int, default=128)
    parser.add_argument("--width", type=int, default=800)
    parser.add_argument("--batch", type=int, default=8)
    parser.add_argument("--steps", type=int, default=10)
    parser.add_argument("--decoder", choices=("unetpp", "unet"), default="unetpp", help="segmenter decoder")
    args = parser.parse_args()

    from steeldefect.config import load_config
    from steeldefect.pipeline.tf_dataset import train_dataset
    from steeldefect.pipeline.image_sources import open_source
    from steeldefect.training.model_setup import build_model, compile_model
    from steeldefect.training.optim import build_optimizer

    config = load_config(args.config)
    config = replace(config, data=replace(config.data, height=args.height, width=args.width,
                                          batch_size=args.batch))
    model_cfg = config.model(args.kind)
    model_cfg = replace(model_cfg, weights="none", train=replace(model_cfg.train, batch_size=None))
    if args.kind == "segmenter":
        model_cfg = replace(model_cfg, decoder=args.decoder)
    config = replace(config, **{args.kind: model_cfg})
    source = open_source(args.data)
    ids = source.table["ImageId"].tolist()
    ds, steps_per_epoch = train_dataset(source, ids, config, args.kind, 0, 1)

    t0 = time.perf_counter()
    model = build_model(args.kind, config, args.backbone)
    compile_model(model, args.kind, config, build_optimizer(model_cfg.train))
    built = time.perf_counter() - t0
    x, y = next(iter(ds))
    t0 = time.perf_counter()
    model.train_on_batch(x, y)
    traced = time.perf_counter() - t0

    import keras
    import numpy as np
    import tensorflow as tf

    class StepClock(keras.callbacks.Callback):
        def on_train_begin(self, logs=None):
            self.times = [time.perf_counter()]

        def on_train_batch_end(self, batch, logs=None):
            self.times.append(time.perf_counter())

    def median_step(feed) -> float:
        clock = StepClock()
        model.fit(feed, steps_per_epoch=args.steps, epochs=1, verbose=0, shuffle=False, callbacks=[clock])
        return float(np.median(np.diff(clock.times)[1:]))  # the first step of a fit() may trace

    in_memory = median_step(tf.data.Dataset.from_tensors((x, y)).repeat())
    fed = median_step(ds.repeat())

    what = f"{args.kind} {args.backbone}" + (f" {args.decoder}" if args.kind == "segmenter" else "")
    print(f"\nmachine: {platform.processor() or platform.machine()}, {os.cpu_count()} CPUs; {what} at {args.height}x{args.width}, batch {args.batch}, {args.steps} steps\n")
    print("| what | seconds | images/s |")
    print("|---|---:|---:|")
    print(f"| build + compile | {built:.1f} | |")
    print(f"| first step (graph tracing) | {traced:.1f} | |")
    print(f"| median train step, batch held in memory | {in_memory:.2f} | {args.batch / in_memory:.1f} |")
    print(f"| median train step fed by the tf.data pipeline | {fed:.2f} | {args.batch / fed:.1f} |")


if __name__ == "__main__":
    main()

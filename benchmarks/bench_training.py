"""Training throughput of one model on this machine, and whether the input pipeline keeps ahead.

Times (a) train steps on a batch held in memory (the model alone) and (b) the same number of
steps fed by the real tf.data pipeline, after one warm-up step that traces the graph (its time is
reported too). If (b) is about as fast as (a), the pipeline is not the bottleneck.

    .venv/bin/python benchmarks/bench_training.py --data DIR --kind classifier|segmenter
        [--backbone efficientnetb0] [--height 128 --width 800] [--batch 8] [--steps 10]
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
    args = parser.parse_args()

    from steeldefect.config import load_config
    from steeldefect.pipeline.dataset import train_dataset
    from steeldefect.pipeline.sources import open_source
    from steeldefect.training.models import build_model, compile_model
    from steeldefect.training.optim import build_optimizer

    config = load_config(args.config)
    config = replace(config, data=replace(config.data, height=args.height, width=args.width,
                                          batch_size=args.batch))
    model_cfg = config.model(args.kind)
    config = replace(config, **{args.kind: replace(model_cfg, train=replace(model_cfg.train, batch_size=None))})
    source = open_source(args.data)
    ids = source.table["ImageId"].tolist()
    ds, steps_per_epoch = train_dataset(source, ids, config, args.kind, 0, 1)

    t0 = time.perf_counter()
    model = build_model(args.kind, config, args.backbone)
    compile_model(model, args.kind, config, build_optimizer(model_cfg.train))
    built = time.perf_counter() - t0
    batches = iter(ds.repeat())
    x, y = next(batches)
    t0 = time.perf_counter()
    model.train_on_batch(x, y)
    traced = time.perf_counter() - t0

    t0 = time.perf_counter()
    for _ in range(args.steps):
        model.train_on_batch(x, y)
    in_memory = time.perf_counter() - t0
    t0 = time.perf_counter()
    model.fit(ds.repeat(), steps_per_epoch=args.steps, epochs=1, verbose=0)
    fed = time.perf_counter() - t0

    n = args.steps * args.batch
    print(f"\nmachine: {platform.processor() or platform.machine()}, {os.cpu_count()} CPUs; {args.kind} "
          f"{args.backbone} at {args.height}x{args.width}, batch {args.batch}, {args.steps} steps\n")
    print("| what | seconds | images/s |")
    print("|---|---:|---:|")
    print(f"| build + compile | {built:.1f} | |")
    print(f"| first step (graph tracing) | {traced:.1f} | |")
    print(f"| train steps, batch in memory | {in_memory:.1f} | {n / in_memory:.1f} |")
    print(f"| train steps fed by tf.data (fit) | {fed:.1f} | {n / fed:.1f} |")


if __name__ == "__main__":
    main()

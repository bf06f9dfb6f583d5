"""Input pipeline throughput: tf.data (parallel decode, resize, RLE masks, augmentation, prefetch)
against a plain Python loop that does the same work one image at a time, on the same images in
the same process. Both produce segmenter examples (image + 4 masks) with the config's augmentations.

    .venv/bin/python benchmarks/bench_pipeline.py --data DIR [--config configs/demo.yaml]
        [--height 128 --width 800] [--images 256] [--repeat 2]

DIR is a Kaggle-layout dataset folder (e.g. from `steeldefect synth`). Prints a Markdown table.
"""

from __future__ import annotations

import argparse
import os
import platform
import time
from dataclasses import replace

import numpy as np

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")


def python_loop(source, ids, config) -> int:
    """Decode, resize, decode masks and augment one image at a time (the notebook way)."""
    from steeldefect.constants import RLE_COLUMNS
    from steeldefect.data.images import read_image
    from steeldefect.pipeline.augment import build_augmenter
    from steeldefect.pipeline.preprocess import prepare_example

    augment = build_augmenter(config.data.augmentations)
    table = source.table.set_index("ImageId")
    size = (config.data.height, config.data.width)
    for i, (image_id, path) in enumerate(zip(ids, source.image_paths(ids))):
        image = read_image(path)
        rles = table.loc[image_id, list(RLE_COLUMNS)].tolist()
        x, y = prepare_example(image, rles, size, augment, seed=i)
        _ = x.astype(np.float32), y.astype(np.float32)
    return len(ids)


def tf_data(source, ids, config) -> int:
    """The training pipeline itself: one epoch, consumed as fast as it comes."""
    from steeldefect.pipeline.tf_dataset import train_dataset

    ds, steps = train_dataset(source, ids, config, "segmenter", 0, 1)
    n = 0
    for x, _ in ds:
        n += int(x.shape[0])
    return n


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", required=True)
    parser.add_argument("--config", default="configs/demo.yaml")
    parser.add_argument("--height", type=int, default=128)
    parser.add_argument("--width", type=int, default=800)
    parser.add_argument("--images", type=int, default=256)
    parser.add_argument("--repeat", type=int, default=2)
    args = parser.parse_args()

    from steeldefect.config import load_config
    from steeldefect.pipeline.image_sources import open_source

    config = load_config(args.config)
    # no oversampling or clean share: both sides see each image exactly once
    config = replace(config, data=replace(config.data, height=args.height, width=args.width, oversample={},
                                          segmenter_clean_share=None))
    source = open_source(args.data)
    ids = source.table["ImageId"].tolist()[:args.images]
    tf_data(source, ids[:16], config)  # warm-up: TensorFlow start, albumentations import
    rows = []
    for name, fn in (("plain Python loop, one image at a time", python_loop), ("tf.data pipeline", tf_data)):
        best = float("inf")
        for _ in range(args.repeat):
            t0 = time.perf_counter()
            n = fn(source, ids, config)
            best = min(best, time.perf_counter() - t0)
        rows.append((name, n, best))
    print(f"\nmachine: {platform.processor() or platform.machine()}, {os.cpu_count()} CPUs; "
          f"{len(ids)} images of {args.data}, {args.height}x{args.width}, augmentations: "
          f"{', '.join(a.name for a in config.data.augmentations) or 'none'}; best of {args.repeat}\n")
    print("| input path | images | seconds | images/s |")
    print("|---|---:|---:|---:|")
    for name, n, seconds in rows:
        print(f"| {name} | {n} | {seconds:.2f} | {n / seconds:.1f} |")
    print(f"\ntf.data speed-up: {rows[0][2] / rows[1][2] * rows[1][1] / rows[0][1]:.2f}x")


if __name__ == "__main__":
    main()

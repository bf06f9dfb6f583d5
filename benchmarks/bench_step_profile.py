"""Where a segmenter training step goes: TF profiler op times of one demo-sized step, summed per op.

    .venv/bin/python benchmarks/bench_step_profile.py [--decoder unet] [--output-stride 1] [--top 30]

Builds the segmenter at the demo's size (EfficientNet-Lite0, 64x384, batch 8, bce_dice, random
weights and batches), takes two warm-up steps, profiles three (tf.profiler), and prints the wall
seconds per step and the op events of the executor threads, summed per op name over a step.
On a shared machine read the shares, not the seconds.
"""

from __future__ import annotations

import argparse
import collections
import glob
import os
import tempfile
import time

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--decoder", default="unet")
    p.add_argument("--output-stride", type=int, default=1)
    p.add_argument("--top", type=int, default=30)
    p.add_argument("--steps", type=int, default=3)
    args = p.parse_args()
    import keras
    import numpy as np
    import tensorflow as tf
    from tensorflow.tsl.profiler.protobuf import xplane_pb2

    from steeldefect.models.losses import get_loss
    from steeldefect.models.segmenter import build_segmenter

    h, w, batch = 64, 384, 8
    filters = (128, 64, 32, 16, 8) if args.decoder == "unet" else (64, 32, 32, 16, 8)
    x = np.random.rand(batch, h, w, 3).astype("float32") * 255
    y = (np.random.rand(batch, h, w, 4) > 0.99).astype("float32")
    model = build_segmenter("efficientnet_lite0", input_shape=(h, w, 3), weights="none", decoder=args.decoder,
                            decoder_filters=filters, output_prior=1e-5, output_stride=args.output_stride)
    model.compile(optimizer=keras.optimizers.Adam(1e-3), loss=get_loss("bce_dice"))
    model.train_on_batch(x, y)
    model.train_on_batch(x, y)
    logdir = tempfile.mkdtemp(prefix="steeldefect-profile-")
    tf.profiler.experimental.start(logdir)
    t0 = time.perf_counter()
    for _ in range(args.steps):
        model.train_on_batch(x, y)
    wall = (time.perf_counter() - t0) / args.steps
    tf.profiler.experimental.stop()
    space = xplane_pb2.XSpace()
    space.ParseFromString(open(sorted(glob.glob(f"{logdir}/**/*.xplane.pb", recursive=True))[-1], "rb").read())
    per_op = collections.Counter()
    for plane in space.planes:
        for line in plane.lines:
            if line.name.startswith("tf_Compute"):
                for event in line.events:
                    per_op[plane.event_metadata[event.metadata_id].name] += event.duration_ps / 1e12 / args.steps
    print(f"{args.decoder}, output stride {args.output_stride}: {wall:.3f} s wall per step, {os.cpu_count()} cores, "
          f"load {os.getloadavg()[0]:.1f}")
    for name, seconds in per_op.most_common(args.top):
        print(f"  {seconds:7.3f} s  {name}")


if __name__ == "__main__":
    main()

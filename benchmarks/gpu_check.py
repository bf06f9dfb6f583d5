"""full.yaml's B0 gate and B0 UNet++ on a GPU: training and prediction throughput, peak GPU memory.

    python benchmarks/gpu_check.py                      # what benchmarks/gpu_check.sh runs
    python benchmarks/gpu_check.py --height 64 --width 384 --steps 3 --predict-images 16 --policy float32
                                                        # a dry run of the same code on a CPU

Each model is built as training builds it (``training.model_setup``: the config's loss, optimizer and
metric; weights "none": no download) under the dtype policy, then trained for --steps steps at the
config's batch size on synthetic batches (random images, sparse random masks or labels) after
--warmup steps that trace and compile, then predicts --predict-images images. Prints images/s of
both, the peak GPU memory per model (``tf.config.experimental.get_memory_info``) next to the
estimate of ``steeldefect.scale.gpu_memory``, and one JSON line per model to --out.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from dataclasses import replace
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
BACKBONE = "efficientnetb0"


def _batches(kind: str, config, size, batch: int, n_out: int):
    import tensorflow as tf

    rng = np.random.default_rng(0)
    x = rng.integers(0, 256, (batch, *size, 3)).astype(np.float32)
    if kind == "classifier":
        y = rng.integers(0, 2, (batch, n_out)).astype(np.float32)
    else:
        y = (rng.random((batch, *size, 4)) < 0.01).astype(np.float32)
    return tf.data.Dataset.from_tensors((x, y)).repeat().prefetch(2)  # one batch, resident: the GPU is timed


def check(kind: str, config, args) -> dict:
    import keras
    import tensorflow as tf

    from steeldefect.scale.gpu_memory import training_memory
    from steeldefect.scale.graph_stats import graph_stats
    from steeldefect.training.device import dtype_policy
    from steeldefect.training.model_setup import build_model, compile_model
    from steeldefect.training.optim import build_optimizer

    gpu = bool(tf.config.list_physical_devices("GPU"))
    if gpu:
        tf.config.experimental.reset_memory_stats("GPU:0")
    size = (config.data.height, config.data.width)
    batch = int(config.model(kind).train.batch_size or config.data.batch_size)
    keras.utils.set_random_seed(0)
    with dtype_policy(args.policy):
        model = build_model(kind, config, BACKBONE)
        compile_model(model, kind, config, build_optimizer(config.model(kind).train))
    n_out = config.classifier.n_outputs
    data = _batches(kind, config, size, batch, n_out)
    t0 = time.perf_counter()
    model.fit(data, steps_per_epoch=args.warmup, epochs=1, verbose=0)
    compile_s = time.perf_counter() - t0
    t0 = time.perf_counter()
    history = model.fit(data, steps_per_epoch=args.steps, epochs=1, verbose=0)
    train_s = time.perf_counter() - t0
    train_peak = tf.config.experimental.get_memory_info("GPU:0")["peak"] / 2**30 if gpu else None
    images = np.random.default_rng(1).integers(0, 256, (args.predict_images, *size, 3)).astype(np.float32)
    warm = args.predict_batch + args.predict_images % args.predict_batch  # both batch shapes the timed call meets
    model.predict(images[:warm], batch_size=args.predict_batch, verbose=0)  # trace (and compile) them first
    t0 = time.perf_counter()
    model.predict(images, batch_size=args.predict_batch, verbose=0)
    predict_s = time.perf_counter() - t0
    peak = tf.config.experimental.get_memory_info("GPU:0")["peak"] / 2**30 if gpu else None
    with dtype_policy("float32"):
        stats = graph_stats(build_model(kind, config, BACKBONE), size)
    estimate = training_memory(model.count_params(), stats.tensor_elements, batch)
    return {"model": f"{kind}/{BACKBONE}", "size": list(size), "batch": batch, "policy": args.policy,
            "warmup_compile_s": round(compile_s, 1), "train_steps": args.steps,
            "train_images_per_s": round(args.steps * batch / train_s, 1),
            "final_loss": round(float(history.history["loss"][-1]), 4),
            "predict_images": args.predict_images, "predict_images_per_s": round(args.predict_images / predict_s, 1),
            "peak_gpu_gib_training": None if train_peak is None else round(train_peak, 2),
            "peak_gpu_gib": None if peak is None else round(peak, 2),
            "estimated_training_gib": round(estimate.total_gib, 2), "gflops_per_image": round(stats.flops / 1e9, 2)}


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--config", default=str(ROOT / "configs" / "full.yaml"))
    p.add_argument("--height", type=int, default=None, help="override data.height (a CPU dry run)")
    p.add_argument("--width", type=int, default=None, help="override data.width")
    p.add_argument("--batch-scale", type=float, default=1.0, help="scale the config's batch sizes (a CPU dry run)")
    p.add_argument("--policy", default="mixed_float16", help="dtype policy (default mixed_float16)")
    p.add_argument("--warmup", type=int, default=5, help="steps before the timing (tracing, XLA compile)")
    p.add_argument("--steps", type=int, default=300, help="timed training steps per model")
    p.add_argument("--predict-images", type=int, default=500)
    p.add_argument("--predict-batch", type=int, default=32)
    p.add_argument("--kinds", default="classifier,segmenter")
    p.add_argument("--out", type=Path, default=None, help="JSON lines file for the rows")
    args = p.parse_args(argv)

    import tensorflow as tf

    from steeldefect.config import load_config

    for device in tf.config.list_physical_devices("GPU"):
        tf.config.experimental.set_memory_growth(device, True)
    config = load_config(args.config)
    data = replace(config.data, height=args.height or config.data.height, width=args.width or config.data.width,
                   batch_size=max(1, round(config.data.batch_size * args.batch_scale)))
    config = replace(config, data=data)
    for kind in ("classifier", "segmenter"):
        model = config.model(kind)
        train = model.train
        if train.batch_size:
            train = replace(train, batch_size=max(1, round(train.batch_size * args.batch_scale)))
        config = replace(config, **{kind: replace(model, weights="none", train=train)})
    print(f"tensorflow {tf.__version__}, GPUs: {[d.name for d in tf.config.list_physical_devices('GPU')]}", flush=True)
    for kind in args.kinds.split(","):
        row = check(kind, config, args)
        print(f"{row['model']} at {row['size'][0]}x{row['size'][1]}, batch {row['batch']}, {row['policy']}: "
              f"train {row['train_images_per_s']} images/s ({row['train_steps']} steps, loss {row['final_loss']}), "
              f"predict {row['predict_images_per_s']} images/s ({row['predict_images']} images), peak GPU memory "
              f"{row['peak_gpu_gib']} GiB (training {row['peak_gpu_gib_training']} GiB, estimated "
              f"{row['estimated_training_gib']} GiB)", flush=True)
        if args.out:
            with open(args.out, "a") as f:
                f.write(json.dumps(row) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())

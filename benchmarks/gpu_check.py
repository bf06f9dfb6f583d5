"""full.yaml's models on a GPU: training step time and images/s, prediction images/s, peak GPU memory.

    python benchmarks/gpu_check.py                      # what benchmarks/gpu_check.sh runs
    python benchmarks/gpu_check.py --models segmenter/efficientnetb5 --steps 20
    python benchmarks/gpu_check.py --height 32 --width 160 --steps 2 --predict-images 8 --policy float32
                                                        # a dry run of the same code on a CPU

--models lists kind/backbone pairs (default: the B0 and the B5 UNet++, the smallest and the largest
segmenter of full.yaml, then the B0 gate). Each model is built as training builds it
(``training.model_setup``: the config's loss, optimizer and metric; weights "none": no download) under
the dtype policy, trained for --steps steps at the config's batch size on synthetic batches (random
images, sparse random masks or labels) after --warmup steps that trace and compile, then predicts
--predict-images images. Prints images/s of both, the training step time, the peak GPU memory per model
(``tf.config.experimental.get_memory_info``) next to the estimate of ``steeldefect.scale.gpu_memory``;
appends one JSON line per model to --out and rewrites the markdown table in --markdown after each model
(a run cut short keeps the rows it finished). A model that fails (out of memory) gets an error row and
the others still run; the exit status is then 1.
"""

from __future__ import annotations

import argparse
import gc
import json
import sys
import time
from dataclasses import replace
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_MODELS = "segmenter/efficientnetb0,segmenter/efficientnetb5,classifier/efficientnetb0"
KINDS = ("classifier", "segmenter")


def parse_models(text: str) -> list[tuple[str, str]]:
    """``"classifier/efficientnetb0,segmenter/efficientnetb5"`` -> [(kind, backbone), ...]."""
    models = []
    for item in filter(None, (part.strip() for part in text.split(","))):
        kind, _, backbone = item.partition("/")
        if kind not in KINDS or not backbone:
            raise SystemExit(f"gpu_check.py: --models item {item!r} is not KIND/BACKBONE with KIND one of "
                             f"{', '.join(KINDS)}, e.g. segmenter/efficientnetb5")
        models.append((kind, backbone))
    if not models:
        raise SystemExit("gpu_check.py: --models is empty")
    return models


def _batches(kind: str, size, batch: int, n_out: int):
    import tensorflow as tf

    rng = np.random.default_rng(0)
    x = rng.integers(0, 256, (batch, *size, 3)).astype(np.float32)
    if kind == "classifier":
        y = rng.integers(0, 2, (batch, n_out)).astype(np.float32)
    else:
        y = (rng.random((batch, *size, 4)) < 0.01).astype(np.float32)
    return tf.data.Dataset.from_tensors((x, y)).repeat().prefetch(2)  # one batch, resident: the GPU is timed


def _peak_gib(gpu: bool) -> float | None:
    import tensorflow as tf

    return round(tf.config.experimental.get_memory_info("GPU:0")["peak"] / 2**30, 2) if gpu else None


def check(kind: str, backbone: str, config, args) -> dict:
    import keras
    import tensorflow as tf

    from steeldefect.scale.gpu_memory import training_memory
    from steeldefect.scale.graph_stats import graph_stats
    from steeldefect.training.device import dtype_policy
    from steeldefect.training.model_setup import build_model, compile_model
    from steeldefect.training.optim import build_optimizer

    keras.backend.clear_session()
    gc.collect()
    gpu = bool(tf.config.list_physical_devices("GPU"))
    if gpu:
        tf.config.experimental.reset_memory_stats("GPU:0")
    size = (config.data.height, config.data.width)
    batch = int(config.model(kind).train.batch_size or config.data.batch_size)
    keras.utils.set_random_seed(0)
    with dtype_policy(args.policy):
        model = build_model(kind, config, backbone)
        compile_model(model, kind, config, build_optimizer(config.model(kind).train))
    data = _batches(kind, size, batch, config.classifier.n_outputs)
    t0 = time.perf_counter()
    model.fit(data, steps_per_epoch=args.warmup, epochs=1, verbose=0)
    compile_s = time.perf_counter() - t0
    t0 = time.perf_counter()
    history = model.fit(data, steps_per_epoch=args.steps, epochs=1, verbose=0)
    train_s = time.perf_counter() - t0
    train_peak = _peak_gib(gpu)
    images = np.random.default_rng(1).integers(0, 256, (args.predict_images, *size, 3)).astype(np.float32)
    warm = args.predict_batch + args.predict_images % args.predict_batch  # both batch shapes the timed call meets
    model.predict(images[:warm], batch_size=args.predict_batch, verbose=0)  # trace (and compile) them first
    t0 = time.perf_counter()
    model.predict(images, batch_size=args.predict_batch, verbose=0)
    predict_s = time.perf_counter() - t0
    peak = _peak_gib(gpu)
    params = model.count_params()
    del model
    with dtype_policy("float32"):
        stats = graph_stats(build_model(kind, config, backbone), size)
    estimate = training_memory(params, stats.tensor_elements, batch)
    return {"model": f"{kind}/{backbone}", "size": list(size), "batch": batch, "policy": args.policy,
            "warmup_compile_s": round(compile_s, 1), "train_steps": args.steps,
            "step_ms": round(1000 * train_s / args.steps, 1),
            "train_images_per_s": round(args.steps * batch / train_s, 1),
            "final_loss": round(float(history.history["loss"][-1]), 4),
            "predict_images": args.predict_images, "predict_batch": args.predict_batch,
            "predict_images_per_s": round(args.predict_images / predict_s, 1),
            "peak_gpu_gib_training": train_peak, "peak_gpu_gib": peak,
            "estimated_training_gib": round(estimate.total_gib, 2), "gflops_per_image": round(stats.flops / 1e9, 2)}


def _cell(value) -> str:
    return "—" if value is None else str(value)


def markdown(rows: list[dict], header: str) -> str:
    """The rows as a markdown table under ``header`` (a line saying where and how it ran)."""
    lines = [header, "",
             "| model | size | batch | train images/s | step ms | predict images/s | peak GPU GiB (training) "
             "| estimated training GiB | warm-up s |",
             "|---|---|---|---:|---:|---:|---:|---:|---:|"]
    for row in rows:
        if "error" in row:
            lines.append(f"| {row['model']} | | | failed: {row['error']} | | | | | |")
            continue
        lines.append(f"| {row['model']} | {row['size'][0]}x{row['size'][1]} | {row['batch']} "
                     f"| {row['train_images_per_s']} | {row['step_ms']} | {row['predict_images_per_s']} "
                     f"| {_cell(row['peak_gpu_gib'])} ({_cell(row['peak_gpu_gib_training'])}) "
                     f"| {row['estimated_training_gib']} | {row['warmup_compile_s']} |")
    return "\n".join(lines) + "\n"


def _config(args):
    from steeldefect.config import load_config

    config = load_config(args.config)
    data = replace(config.data, height=args.height or config.data.height, width=args.width or config.data.width,
                   batch_size=max(1, round(config.data.batch_size * args.batch_scale)))
    config = replace(config, data=data)
    for kind in KINDS:
        model = config.model(kind)
        train = model.train
        if train.batch_size:
            train = replace(train, batch_size=max(1, round(train.batch_size * args.batch_scale)))
        config = replace(config, **{kind: replace(model, weights="none", train=train)})
    return config


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--config", default=str(ROOT / "configs" / "full.yaml"))
    p.add_argument("--models", default=DEFAULT_MODELS, help=f"KIND/BACKBONE,... (default {DEFAULT_MODELS})")
    p.add_argument("--height", type=int, default=None, help="override data.height (a CPU dry run)")
    p.add_argument("--width", type=int, default=None, help="override data.width")
    p.add_argument("--batch-scale", type=float, default=1.0, help="scale the config's batch sizes (a CPU dry run)")
    p.add_argument("--policy", default="mixed_float16", help="dtype policy (default mixed_float16)")
    p.add_argument("--warmup", type=int, default=5, help="steps before the timing (tracing, XLA compile)")
    p.add_argument("--steps", type=int, default=50, help="timed training steps per model")
    p.add_argument("--predict-images", type=int, default=512, help="a multiple of --predict-batch: one shape to compile")
    p.add_argument("--predict-batch", type=int, default=32)
    p.add_argument("--out", type=Path, default=None, help="JSON lines file the rows are appended to")
    p.add_argument("--markdown", type=Path, default=None, help="markdown file the table is written to")
    p.add_argument("--require-gpu", action="store_true", help="exit 1 at once when TensorFlow sees no GPU")
    args = p.parse_args(argv)
    models = parse_models(args.models)

    import tensorflow as tf

    gpus = tf.config.list_physical_devices("GPU")
    for device in gpus:
        tf.config.experimental.set_memory_growth(device, True)
    if args.require_gpu and not gpus:
        print(f"gpu_check.py: TensorFlow {tf.__version__} sees no GPU (built with CUDA: "
              f"{tf.test.is_built_with_cuda()}); see `steeldefect doctor`", file=sys.stderr)
        return 1
    config = _config(args)
    names = [tf.config.experimental.get_device_details(d).get("device_name", d.name) for d in gpus]
    where = f"{len(gpus)} GPU{'s' if len(gpus) > 1 else ''} ({', '.join(names)})" if gpus else "CPU only"
    header = (f"gpu_check {time.strftime('%Y-%m-%d %H:%M')}: tensorflow {tf.__version__}, {where}, "
              f"{config.name} at {config.data.height}x{config.data.width}, {args.policy}, {args.warmup} warm-up "
              f"+ {args.steps} timed steps, {args.predict_images} images predicted at batch {args.predict_batch}")
    print(header, flush=True)
    rows, failed = [], False
    for kind, backbone in models:
        try:
            row = check(kind, backbone, config, args)
        except Exception as e:  # noqa: BLE001 - one model out of memory should not hide the others' rows
            failed = True
            row = {"model": f"{kind}/{backbone}", "error": f"{type(e).__name__}: {' '.join(str(e).split())[:200]}"}
            print(f"{row['model']}: FAILED {row['error']}", flush=True)
        else:
            print(f"{row['model']} at {row['size'][0]}x{row['size'][1]}, batch {row['batch']}, {row['policy']}: "
                  f"train {row['train_images_per_s']} images/s ({row['step_ms']} ms a step, {row['train_steps']} "
                  f"steps, loss {row['final_loss']}), predict {row['predict_images_per_s']} images/s "
                  f"({row['predict_images']} images), peak GPU memory {row['peak_gpu_gib']} GiB (training "
                  f"{row['peak_gpu_gib_training']} GiB, estimated {row['estimated_training_gib']} GiB)", flush=True)
        rows.append(row)
        if args.out:
            with open(args.out, "a") as f:
                f.write(json.dumps(row) + "\n")
        if args.markdown:
            args.markdown.write_text(markdown(rows, header))
    print("\n" + markdown(rows, header), flush=True)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())

"""Runtime benchmark: the Keras `predict` forward against the exported graph in TensorFlow, ONNX Runtime
and (when installed) OpenVINO, side by side in one run on the same images.

    python benchmarks/bench_runtimes.py --runs RUNS --export EXPORT_DIR --images DIR [--n 32] [--threads N]

Each runtime does the same work per image: resize to the models' input with OpenCV, every model and
TTA view, the reducer (Keras: ``resize_image`` plus ``KerasEnsemble.classify``/``segment``; the
exported graph: ``ExportedModel.run``, which resizes with the same function and runs the graph).
Throughput is at batch 8, measured in ``--rounds`` rounds in which each batch goes through every
runtime in turn (so a busy spell on a shared machine hits them alike); the figure is the median
round, and ``speedup_vs_keras`` the median over rounds of each runtime's images/s over Keras'.
Latency is one image per call (median and p95 of ``--repeats`` calls). ``preprocess`` times the
OpenCV resize alone. Prints a JSON object.
"""

from __future__ import annotations

import argparse
import importlib.metadata
import json
import os
import platform
import statistics
import time
from pathlib import Path

import numpy as np

BATCH = 8  # images per call for the throughput figure
VERSIONS = ("tensorflow", "tensorflow-cpu", "keras", "onnxruntime", "openvino", "opencv-python-headless")
RUNTIMES = ("tf", "onnx", "openvino")  # deploy.runtime.RUNTIMES, each on the same export


def _rounds(forwards: dict, batches, n_rounds: int) -> dict[str, list[float]]:
    """images/s of each forward in each round; within a round every batch goes through the forwards
    in turn, so a busy spell on a shared machine costs them alike."""
    out: dict[str, list[float]] = {name: [] for name in forwards}
    n = sum(len(b) for b in batches)
    for _ in range(n_rounds):
        seconds = dict.fromkeys(forwards, 0.0)
        for b in batches:
            for name, fn in forwards.items():
                start = time.perf_counter()
                fn(b)
                seconds[name] += time.perf_counter() - start
        for name in forwards:
            out[name].append(n / seconds[name])
    return out


def _latency(fn, single, repeats: int) -> dict:
    lat = []
    for _ in range(repeats):
        t = time.perf_counter()
        fn(single)
        lat.append((time.perf_counter() - t) * 1000)
    return {"latency_ms_p50": round(float(np.percentile(lat, 50)), 1),
            "latency_ms_p95": round(float(np.percentile(lat, 95)), 1)}


def _version(name: str) -> str | None:
    try:
        return importlib.metadata.version(name)
    except importlib.metadata.PackageNotFoundError:
        return None


def _forwards(args, ensemble) -> dict:
    """name -> forward(uint8 (B, H, W, 3)), or a string saying why that runtime is missing."""
    from steeldefect.delivery.deploy.model import load_exported
    from steeldefect.errors import SteelDefectError
    from steeldefect.pipeline.preprocess import resize_image

    def keras_forward(images):
        views = {s: np.stack([resize_image(im, s) for im in images]) for s in ensemble.input_sizes}
        if ensemble.classifiers:
            ensemble.classify(views)
        ensemble.segment(views)

    out = {"keras_predict": keras_forward}
    for runtime in RUNTIMES:
        try:
            out[f"exported_{runtime}"] = load_exported(args.export, runtime, threads=args.threads).run
        except SteelDefectError as err:  # not installed (OpenVINO is no requirement), or no such file
            out[f"exported_{runtime}"] = f"not run: {err}"
        except Exception as err:  # conversion or compile failure: reported, not hidden
            out[f"exported_{runtime}"] = f"failed: {type(err).__name__}: {' '.join(str(err).split())[:300]}"
    return out


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--runs", required=True)
    p.add_argument("--export", required=True)
    p.add_argument("--images", required=True)
    p.add_argument("--n", type=int, default=32)
    p.add_argument("--rounds", type=int, default=3)
    p.add_argument("--repeats", type=int, default=10)
    p.add_argument("--threads", type=int, default=None,
                   help="threads per graph call for the exported runtimes (default: each runtime's own)")
    p.add_argument("--out", default=None, help="also write the JSON here")
    args = p.parse_args()

    from steeldefect.artifacts.export_manifest import read_manifest
    from steeldefect.data.images import list_images, read_image
    from steeldefect.delivery.deploy.model import load_exported
    from steeldefect.delivery.deploy.resize import model_inputs
    from steeldefect.prediction.keras_ensemble import load_ensemble

    folder = Path(args.images)
    paths = [folder / i for i in list_images(folder)[:args.n]]
    raw = np.stack([read_image(p) for p in paths])
    batches = [raw[i:i + BATCH] for i in range(0, len(raw), BATCH)]
    manifest = read_manifest(args.export)
    ensemble = load_ensemble(args.runs, tta=manifest.ensemble["tta"], reducer=manifest.ensemble["reducer"],
                             batch_size=BATCH)
    forwards = _forwards(args, ensemble)
    timed = {name: fn for name, fn in forwards.items() if callable(fn)}
    inputs = load_exported(args.export, "onnx").graph_inputs
    timed["preprocess"] = lambda images: model_inputs(images, inputs)
    for fn in timed.values():
        fn(batches[0])  # warm-up: tracing, allocation
    rounds = _rounds(timed, batches, args.rounds)
    results = {"machine": f"{platform.processor() or platform.machine()}, {os.cpu_count()} CPU cores, no GPU",
               "versions": {n: v for n in VERSIONS if (v := _version(n))},
               "images": len(raw), "image_shape": list(raw.shape[1:]), "batch": BATCH, "rounds": args.rounds,
               "tta": ensemble.tta, "input_sizes": [list(s) for s in ensemble.input_sizes], "threads": args.threads}
    for name, fn in forwards.items():
        if not callable(fn):
            results[name] = fn
            continue
        results[name] = {"images_per_s": round(statistics.median(rounds[name]), 2),
                         "rounds_images_per_s": [round(r, 2) for r in rounds[name]],
                         **_latency(fn, raw[:1], args.repeats)}
    results["preprocess"] = {"ms_per_batch": round(BATCH * 1000 / statistics.median(rounds["preprocess"]), 1)}
    # rounds are paired (the same spell of the machine): the median of the per-round ratios
    results["speedup_vs_keras"] = {
        name: round(statistics.median(a / k for a, k in zip(rounds[name], rounds["keras_predict"])), 2)
        for name in timed if name.startswith("exported_")}
    text = json.dumps(results, indent=1)
    print(text)
    if args.out:
        Path(args.out).write_text(text + "\n")


if __name__ == "__main__":
    main()

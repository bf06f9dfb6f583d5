"""Runtime benchmark: the Keras `predict` forward against the exported graph in TensorFlow, ONNX Runtime
and (when installed) OpenVINO, side by side in one run on the same images.

    python benchmarks/bench_runtimes.py --runs RUNS --export EXPORT_DIR --images DIR [--n 32]

Each runtime does the same work per image: resize to the models' input, every model and TTA view,
the reducer (Keras: ``load_views`` with OpenCV plus ``KerasEnsemble.classify``/``segment``; the
exported graph: uint8 strips in, everything inside). Throughput is at batch 8; latency is one image
per call (median and p95 of ``--repeats`` calls). Prints a JSON object.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import time
from pathlib import Path

import numpy as np

BATCH = 8  # images per call for the throughput figure


def _timeit(fn, batches, repeats_single, single):
    fn(batches[0])  # warm-up: tracing, allocation
    start = time.perf_counter()
    for b in batches:
        fn(b)
    seconds = time.perf_counter() - start
    lat = []
    for _ in range(repeats_single):
        t = time.perf_counter()
        fn(single)
        lat.append((time.perf_counter() - t) * 1000)
    n = sum(len(b) for b in batches)
    return {"images_per_s": round(n / seconds, 2), "latency_ms_p50": round(float(np.percentile(lat, 50)), 1),
            "latency_ms_p95": round(float(np.percentile(lat, 95)), 1)}


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--runs", required=True)
    p.add_argument("--export", required=True)
    p.add_argument("--images", required=True)
    p.add_argument("--n", type=int, default=32)
    p.add_argument("--repeats", type=int, default=10)
    p.add_argument("--tta", default="none")
    p.add_argument("--out", default=None, help="also write the JSON here")
    args = p.parse_args()

    from steeldefect.data.images import list_images, read_image
    from steeldefect.delivery.deploy.model import load_exported
    from steeldefect.pipeline.preprocess import resize_image
    from steeldefect.prediction.keras_ensemble import load_ensemble

    folder = Path(args.images)
    paths = [folder / i for i in list_images(folder)[:args.n]]
    raw = np.stack([read_image(p) for p in paths])
    batches = [raw[i:i + BATCH] for i in range(0, len(raw), BATCH)]
    single = raw[:1]
    ensemble = load_ensemble(args.runs, tta=args.tta, reducer="mean", batch_size=BATCH)

    def keras_forward(images):
        views = {s: np.stack([resize_image(im, s) for im in images]) for s in ensemble.input_sizes}
        if ensemble.classifiers:
            ensemble.classify(views)
        ensemble.segment(views)

    results = {"machine": f"{platform.processor() or platform.machine()}, {os.cpu_count()} CPU cores, no GPU",
               "images": len(raw), "image_shape": list(raw.shape[1:]), "batch": BATCH, "tta": args.tta,
               "keras_predict": _timeit(keras_forward, batches, args.repeats, single)}
    for runtime in ("tf", "onnx"):
        model = load_exported(args.export, runtime)
        results[f"exported_{runtime}"] = _timeit(model.run, batches, args.repeats, single)
        del model
    try:
        import openvino as ov

        core = ov.Core()
        compiled = core.compile_model(core.read_model(str(Path(args.export) / "model.onnx")), "CPU")
        request = compiled.create_infer_request()
        results["exported_openvino"] = _timeit(lambda b: request.infer({0: b}), batches, args.repeats, single)
    except ImportError:
        results["exported_openvino"] = "not installed"
    except Exception as err:  # conversion or compile failure: reported, not hidden
        results["exported_openvino"] = f"failed: {type(err).__name__}: {' '.join(str(err).split())[:300]}"
    text = json.dumps(results, indent=1)
    print(text)
    if args.out:
        Path(args.out).write_text(text + "\n")


if __name__ == "__main__":
    main()

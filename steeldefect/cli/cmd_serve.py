"""`steeldefect serve`: the exported model over HTTP (FastAPI + uvicorn)."""

from __future__ import annotations

import argparse
from pathlib import Path

from steeldefect.artifacts.export_manifest import ONNX_FILE
from steeldefect.cli.commands import arguments, command
from steeldefect.cli.options import RUNTIME_CHOICES
from steeldefect.errors import SteelDefectError
from steeldefect.stages.serve_stage import ServeArgs, serve


def _add(p):
    p.add_argument("--model", default=None, metavar="DIR", help="folder written by `steeldefect export`")
    p.add_argument("--models", dest="model", help=argparse.SUPPRESS)  # the spelling of predict, export's one folder
    p.add_argument("--runtime", default="onnx", choices=RUNTIME_CHOICES,
                   help=f"onnx (default: ONNX Runtime on {ONNX_FILE}) or tf (TensorFlow on the SavedModel)")
    p.add_argument("--host", default="127.0.0.1", help="address to bind (default 127.0.0.1: this machine only)")
    p.add_argument("--port", type=int, default=8000, help="port (default 8000)")
    p.add_argument("--max-batch", type=int, default=1,
                   help="images of concurrent requests run through the graph together, at most (default 1: no "
                        "batching; its gain was not established on a 2-core CPU and memory crept with it, see "
                        "docs/BENCHMARKS.md)")
    p.add_argument("--max-wait-ms", type=float, default=5.0,
                   help="how long the first image of a batch waits for others (default 5 ms)")


@command("serve",
         description="Load an export folder (its manifest checksums verified) and answer POST /v1/predict "
                     "(multipart field 'image': a JPEG or PNG, grey or RGB, any size up to the export's "
                     "max input) with JSON: height, width, gate probability, latency and per class of the "
                     "model's dataset its class_id and class_name, the decision (defect, clean or review), "
                     "probability, area, RLE at the input's size and the components' bounding boxes. Also POST /v1/predict/batch (fields 'images'), GET "
                     "/healthz, /readyz and /metrics (Prometheus).",
         epilog="example:\n  steeldefect serve --model runs/export --port 8000\n"
                "  curl -F image=@strip.jpg http://127.0.0.1:8000/v1/predict")
@arguments(_add)
def run(args) -> int:
    if not args.model:
        raise SteelDefectError("give the export folder: --model DIR (written by `steeldefect export`)")
    serve(ServeArgs(model=Path(args.model), runtime=args.runtime, host=args.host, port=args.port,
                    max_batch=args.max_batch, max_wait_ms=args.max_wait_ms))
    return 0

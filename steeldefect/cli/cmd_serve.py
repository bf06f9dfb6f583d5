"""`steeldefect serve`: the exported model over HTTP (FastAPI + uvicorn)."""

from __future__ import annotations

from steeldefect.cli.commands import arguments, command
from steeldefect.cli.options import RUNTIME_CHOICES


def _add(p):
    p.add_argument("--model", required=True, help="folder written by `steeldefect export`")
    p.add_argument("--runtime", default="onnx", choices=RUNTIME_CHOICES,
                   help="onnx (default: ONNX Runtime on model.onnx) or tf (TensorFlow on the SavedModel)")
    p.add_argument("--host", default="127.0.0.1", help="address to bind (default 127.0.0.1: this machine only)")
    p.add_argument("--port", type=int, default=8000, help="port (default 8000)")
    p.add_argument("--max-batch", type=int, default=1,
                   help="images of concurrent requests run through the graph together, at most (default 1: no "
                        "batching; its gain was not established on a 2-core CPU and memory crept with it, see "
                        "docs/BENCHMARKS.md)")
    p.add_argument("--max-wait-ms", type=float, default=5.0,
                   help="how long the first image of a batch waits for others (default 5 ms)")


@command("serve", help="serve an exported model over HTTP: POST /v1/predict, /v1/predict/batch, /metrics",
         description="Load an export folder (its manifest checksums verified) and answer POST /v1/predict "
                     "(multipart field 'image': a JPEG or PNG, grey or RGB, any size up to the export's "
                     "max input) with JSON: height, width, gate probability, latency and per class the "
                     "decision (defect, clean or review), probability, area, RLE at the input's size and the "
                     "components' bounding boxes. Also POST /v1/predict/batch (fields 'images'), GET "
                     "/healthz, /readyz and /metrics (Prometheus).",
         epilog="example:\n  steeldefect serve --model runs/export --port 8000\n"
                "  curl -F image=@strip.jpg http://127.0.0.1:8000/v1/predict")
@arguments(_add)
def run(args) -> int:
    from steeldefect.deploy.manifest import read_manifest
    from steeldefect.errors import SteelDefectError

    if not 0 <= args.port <= 65535:
        raise SteelDefectError(f"--port {args.port}: need 0..65535")
    read_manifest(args.model, verify=False)  # a wrong folder is one line, before TensorFlow starts and logs
    from steeldefect.deploy.app import serve
    from steeldefect.deploy.model import load_exported
    if args.max_batch < 1 or args.max_wait_ms < 0:
        raise SteelDefectError("--max-batch must be >= 1 and --max-wait-ms >= 0")
    model = load_exported(args.model, args.runtime)
    print(f"serving {args.model} ({args.runtime}) on http://{args.host}:{args.port}", flush=True)
    serve(model, args.host, args.port, args.max_batch, args.max_wait_ms)
    return 0

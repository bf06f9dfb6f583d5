"""`steeldefect serve`: the exported model over HTTP (FastAPI + uvicorn)."""

from __future__ import annotations

import argparse
from pathlib import Path

from steeldefect.artifacts.export_manifest import ONNX_FILE
from steeldefect.cli.commands import arguments, command
from steeldefect.cli.options import RUNTIME_CHOICES
from steeldefect.errors import SteelDefectError
from steeldefect.stages.serve_stage import ServeArgs, serve

EPILOG = """example (a key file, curl with the key, the Python client):
  python -c "import secrets; print(secrets.token_urlsafe(32))" > api.key && chmod 600 api.key
  steeldefect serve --model runs/export --host 0.0.0.0 --port 8000 --api-key-file api.key
  curl -H "Authorization: Bearer $(cat api.key)" -F image=@strip.jpg http://HOST:8000/v1/predict
  curl -H "X-API-Key: $(cat api.key)" -F images=@a.jpg -F images=@b.jpg http://HOST:8000/v1/predict/batch
  curl -H "X-API-Key: $(cat api.key)" http://HOST:8000/metrics      # Prometheus text
  python -c "from steeldefect import Client; c = Client('http://HOST:8000', api_key=open('api.key').read().strip()); \\
             print(c.health(), c.predict('strip.jpg')['model'])"

Without a key (no --api-key-file and no STEELDEFECT_API_KEY) it binds only 127.0.0.1, ::1 or localhost
unless --insecure is given. /healthz and /readyz answer without a key; the API is described at /docs
(OpenAPI: /openapi.json). Each request is logged to stderr as one JSON line (--no-access-log: none)."""


def _add(p):
    p.add_argument("--model", default=None, metavar="DIR", help="folder written by `steeldefect export`")
    p.add_argument("--models", dest="model", help=argparse.SUPPRESS)  # the spelling of predict, export's one folder
    p.add_argument("--runtime", default="onnx", choices=RUNTIME_CHOICES,
                   help=f"onnx (default: ONNX Runtime on {ONNX_FILE}), openvino (OpenVINO on {ONNX_FILE}) or tf "
                        "(TensorFlow on the SavedModel)")
    p.add_argument("--host", default="127.0.0.1",
                   help="address to bind (default 127.0.0.1: this machine only; any other needs an API key or "
                        "--insecure)")
    p.add_argument("--port", type=int, default=8000, help="port (default 8000)")
    p.add_argument("--max-batch", type=int, default=4,
                   help="images of concurrent requests run through the graph together, at most (default 4: the "
                        "fastest of 1, 2, 4 and 8 under 8 clients on a 2-core CPU, docs/BENCHMARKS.md; 1: no batching)")
    p.add_argument("--max-wait-ms", type=float, default=5.0,
                   help="how long the first image of a batch waits for others (default 5 ms)")
    p.add_argument("--threads", type=int, default=None, metavar="N",
                   help="threads of one graph call (default: the runtime's own choice)")
    p.add_argument("--api-key-file", type=Path, default=None, metavar="FILE",
                   help="every route but /healthz and /readyz then needs its first non-empty line as "
                        "'Authorization: Bearer KEY' or 'X-API-Key: KEY' (default: $STEELDEFECT_API_KEY, or no key)")
    p.add_argument("--insecure", action="store_true",
                   help="serve a non-loopback --host without an API key (anyone who reaches it may use it)")
    p.add_argument("--no-access-log", dest="access_log", action="store_false",
                   help="do not log each request as a JSON line on stderr")


@command("serve",
         description="Load an export folder (its manifest checksums verified) and answer POST /v1/predict "
                     "(multipart field 'image': a JPEG or PNG, grey or RGB, any size up to the export's "
                     "max input) with JSON: height, width, gate probability, latency and per class of the "
                     "model's dataset its class_id and class_name, the decision (defect, clean or review), "
                     "probability, area, RLE at the input's size and the components' bounding boxes, and the "
                     "model's name and version. Also POST /v1/predict/batch (fields 'images'), GET /healthz, "
                     "/readyz, /metrics (Prometheus) and /docs (OpenAPI).",
         epilog=EPILOG)
@arguments(_add)
def run(args) -> int:
    if not args.model:
        raise SteelDefectError("give the export folder: --model DIR (written by `steeldefect export`)")
    serve(ServeArgs(model=Path(args.model), runtime=args.runtime, host=args.host, port=args.port,
                    max_batch=args.max_batch, max_wait_ms=args.max_wait_ms, threads=args.threads,
                    api_key_file=args.api_key_file, insecure=args.insecure, access_log=args.access_log))
    return 0

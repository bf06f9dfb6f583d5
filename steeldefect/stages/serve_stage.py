"""Stage `serve`: an exported model over HTTP (FastAPI + uvicorn), until stopped."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path

from steeldefect.artifacts.export_manifest import read_manifest
from steeldefect.errors import SteelDefectError

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class ServeArgs:
    model: Path  # folder written by `export`
    runtime: str = "onnx"  # onnx or tf
    host: str = "127.0.0.1"
    port: int = 8000
    max_batch: int = 1  # images of concurrent requests run together, at most
    max_wait_ms: float = 5.0  # how long the first image of a batch waits for others


@dataclass(frozen=True)
class ServeResult:
    url: str  # where it served


def check_serve_args(args: ServeArgs) -> None:
    """Refuse impossible values and a folder that is no export, before TensorFlow starts and logs."""
    if not 0 <= args.port <= 65535:
        raise SteelDefectError(f"--port {args.port}: need 0..65535")
    read_manifest(args.model, verify=False)
    if args.max_batch < 1 or args.max_wait_ms < 0:
        raise SteelDefectError("--max-batch must be >= 1 and --max-wait-ms >= 0")


def serve(args: ServeArgs) -> ServeResult:
    """Load the export (its checksums verified) and answer HTTP requests until interrupted."""
    check_serve_args(args)
    from steeldefect.delivery.deploy.app import serve as serve_app  # heavy: FastAPI, TensorFlow
    from steeldefect.delivery.deploy.model import load_exported  # heavy: TensorFlow

    model = load_exported(args.model, args.runtime)
    url = f"http://{args.host}:{args.port}"
    log.info(f"serving {args.model} ({args.runtime}, {len(model.class_names)} classes: "
             f"{', '.join(model.class_names)}) on {url}")
    serve_app(model, args.host, args.port, args.max_batch, args.max_wait_ms)
    return ServeResult(url)

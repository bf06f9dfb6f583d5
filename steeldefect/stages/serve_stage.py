"""Stage `serve`: an exported model over HTTP (FastAPI + uvicorn), until stopped.

Everything that can be refused is checked before TensorFlow starts: the port, the batching values, the
export folder, the API key (``--api-key-file`` or ``STEELDEFECT_API_KEY``) and whether the address may
be bound without one (only a loopback address, unless ``insecure``).
"""

from __future__ import annotations

import logging
import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from steeldefect.artifacts.export_manifest import read_manifest
from steeldefect.delivery.deploy.auth import API_KEY_ENV, api_key_of, bind_problem
from steeldefect.errors import SteelDefectError

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class ServeArgs:
    model: Path  # folder written by `export`
    runtime: str = "onnx"  # onnx, openvino or tf
    host: str = "127.0.0.1"
    port: int = 8000
    max_batch: int = 4  # images of concurrent requests run together, at most
    max_wait_ms: float = 5.0  # how long the first image of a batch waits for others
    threads: int | None = None  # threads of one graph call (None: the runtime's default)
    api_key_file: Path | None = None  # its first non-empty line is the key; None: STEELDEFECT_API_KEY or no key
    insecure: bool = False  # bind a non-loopback address without a key
    access_log: bool = True  # one JSON line per request on stderr


@dataclass(frozen=True)
class ServeResult:
    url: str  # where it served


def check_serve_args(args: ServeArgs, environ: Mapping[str, str] | None = None) -> str | None:
    """Refuse impossible values, a folder that is no export, an unreadable key and a public address
    without a key, before TensorFlow starts and logs; the API key (None: none) when all is well.
    ``environ`` (default ``os.environ``) is where ``STEELDEFECT_API_KEY`` is looked up."""
    if not 0 <= args.port <= 65535:
        raise SteelDefectError(f"--port {args.port}: need 0..65535")
    if args.max_batch < 1 or args.max_wait_ms < 0:
        raise SteelDefectError("--max-batch must be >= 1 and --max-wait-ms >= 0")
    if args.threads is not None and args.threads < 1:
        raise SteelDefectError(f"--threads {args.threads}: need 1 or more")
    key = api_key_of(args.api_key_file, os.environ if environ is None else environ)
    problem = bind_problem(args.host, key is not None, args.insecure)
    if problem:
        raise SteelDefectError(problem)
    read_manifest(args.model, verify=False)
    return key


def serve(args: ServeArgs) -> ServeResult:
    """Load the export (its checksums verified) and answer HTTP requests until interrupted."""
    key = check_serve_args(args)
    from steeldefect.delivery.deploy.app import serve as serve_app  # heavy: FastAPI
    from steeldefect.delivery.deploy.model import load_exported  # heavy: the runtime (TensorFlow only for --runtime tf)

    model = load_exported(args.model, args.runtime, threads=args.threads)
    url = f"http://{args.host}:{args.port}"
    source = "none" if key is None else ("--api-key-file" if args.api_key_file else API_KEY_ENV)
    log.info(f"serving {args.model} ({args.runtime}, {len(model.class_names)} classes: "
             f"{', '.join(model.class_names)}) on {url}; API key: {source}")
    if key is None and bind_problem(args.host, False, False):  # reachable from elsewhere: --insecure
        log.warning(f"serving {url} without an API key (--insecure): anyone who can reach it may use it")
    serve_app(model, args.host, args.port, args.max_batch, args.max_wait_ms, api_key=key,
              access_log=args.access_log)
    return ServeResult(url)

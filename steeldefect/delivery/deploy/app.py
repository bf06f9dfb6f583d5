"""The HTTP API over an exported model (FastAPI): predict one image or several, health, readiness,
Prometheus metrics. ``results.py`` describes the JSON of an image: masks at the image's own size, one
entry per class of the model's dataset with its ``class_id`` and ``class_name``; every answer names the
model that gave it (``"model": {"name", "version"}``, ``identity.py``). ``schemas.py`` documents the
uploads and answers in the OpenAPI schema (/docs).

Bad input is answered with 400 (no image field, empty upload), 413 (too many bytes or pixels) or
415 (not a JPEG/PNG/... image) and a one-line ``{"error": ...}``; the server keeps serving. With an API
key (``auth.py``) every route but /healthz and /readyz needs it (401 otherwise). Each request is
logged as one JSON line (``access_log.py``) unless ``access_log=False``.
"""

from __future__ import annotations

import asyncio
import time
from contextlib import asynccontextmanager
from dataclasses import dataclass

import numpy as np
from fastapi import FastAPI, Request  # module level: FastAPI resolves the handlers' annotations here
from fastapi.responses import JSONResponse, Response
from starlette.concurrency import run_in_threadpool

from steeldefect.artifacts.dataset_file import KAGGLE
from steeldefect.data.images import decode_image
from steeldefect.delivery.deploy.access_log import AccessLogMiddleware, record_answer
from steeldefect.delivery.deploy.auth import KEY_HEADER, OPEN_PATHS, ApiKeyMiddleware
from steeldefect.delivery.deploy.batcher import MicroBatcher
from steeldefect.delivery.deploy.identity import ModelIdentity, model_identity
from steeldefect.delivery.deploy.server_metrics import ServerMetrics, server_metrics
from steeldefect.delivery.deploy.model import ExportedModel, InputTooLarge
from steeldefect.delivery.deploy.results import batch_json
from steeldefect.delivery.deploy.schemas import BatchAnswer, PredictAnswer, error_responses, upload_body
from steeldefect.errors import SteelDefectError

MAX_UPLOAD_BYTES = 20 * 1024 * 1024  # larger uploads get 413 (a Severstal 256x1600 JPEG is ~100 KB, a PNG ~1 MB)
MAX_BATCH_IMAGES = 32  # images per /v1/predict/batch request
RESULT_DOC = ("JSON of an image: height and width (the input's; masks, areas, RLE and boxes are at this size), "
              "gate_probability, review, `classes`, one entry per class of the dataset "
              "the model was trained on (ids 1..K): class_id, class_name (the dataset's name of the class, "
              "'class 1'..'class 4' for Severstal), decision (defect, clean or review), probability, area, rle "
              "(Kaggle's: column-major, 1-based) and boxes, then model_ms and latency_ms.")
MODEL_DOC = (' The answer ends with "model": {"name": the export folder\'s name, "version": 12 hex digits of '
             "the sha256 of its files' checksums}.")
PREDICT_DOC = ("One image as multipart field 'image' (JPEG or PNG, grey or RGB, any size up to the export's max "
               "input). " + RESULT_DOC + MODEL_DOC)
BATCH_DOC = (f"Several images as multipart fields 'images' (at most {MAX_BATCH_IMAGES}); answers "
             '{"results": [one JSON per image, as /v1/predict answers without "model"], "latency_ms": ..., '
             '"model": ...}. ' + RESULT_DOC + MODEL_DOC)
IMAGE_FIELD_DOC = "a JPEG or PNG, grey or RGB, any size up to the export's max input"


class BadInput(Exception):
    """A request the server refuses: ``status`` (400, 413, 415) and a one-line message."""

    def __init__(self, status: int, message: str):
        super().__init__(message)
        self.status, self.message = status, message


def decode_upload(data: bytes, name: str, model: ExportedModel) -> np.ndarray:
    """Upload bytes -> uint8 RGB (H, W, 3); BadInput for empty, undecodable or too large images."""
    if not data:
        raise BadInput(400, f"{name}: the upload is empty")
    if len(data) > MAX_UPLOAD_BYTES:
        raise BadInput(413, f"{name}: {len(data)} bytes is over the limit of {MAX_UPLOAD_BYTES} bytes")
    try:
        image = decode_image(data, 3, source=name)
    except SteelDefectError:
        raise BadInput(415, f"{name}: not a readable image (send a JPEG or PNG, grey or RGB)") from None
    try:
        model.check_image(image.shape, name)
    except InputTooLarge as err:
        raise BadInput(413, str(err)) from None
    return image


async def read_images(request: Request, field: str, many: bool) -> list[tuple[str, bytes]]:
    """The uploaded files of multipart field ``field`` as (name, bytes); BadInput for a request the
    server refuses (too large, not multipart, no or too many files)."""
    length = request.headers.get("content-length")
    limit = MAX_UPLOAD_BYTES * (MAX_BATCH_IMAGES if many else 1) + 65536
    if length and length.isdigit() and int(length) > limit:
        raise BadInput(413, f"request body of {length} bytes is over the limit of {limit} bytes")
    if "multipart/form-data" not in request.headers.get("content-type", ""):
        raise BadInput(400, f"send the image as multipart/form-data field {field!r}")
    try:
        form = await request.form(max_files=MAX_BATCH_IMAGES + 1)
    except Exception as err:  # malformed multipart
        raise BadInput(400, f"malformed multipart body ({type(err).__name__})") from None
    uploads = [u for u in form.getlist(field) if hasattr(u, "read")]
    if not uploads:
        raise BadInput(400, f"missing multipart field {field!r} with the image file")
    if many and len(uploads) > MAX_BATCH_IMAGES:
        raise BadInput(413, f"{len(uploads)} images is over the limit of {MAX_BATCH_IMAGES} per request")
    if not many and len(uploads) > 1:
        raise BadInput(400, f"send one {field!r} field (use /v1/predict/batch for several images)")
    files = []
    for i, upload in enumerate(uploads):
        data = await upload.read(MAX_UPLOAD_BYTES + 1)
        name = upload.filename or f"{field} {i + 1}"
        files.append((name if many else f"{field} {name}".strip(), data))
    return files


@dataclass
class _Service:
    """What the endpoints share: the model, its micro-batcher, the metrics, its identity and readiness."""

    model: ExportedModel
    batcher: MicroBatcher
    metrics: ServerMetrics
    identity: ModelIdentity
    ready: bool = False

    async def predict_one(self, name: str, data: bytes) -> dict:
        image = await run_in_threadpool(decode_upload, data, name, self.model)
        start = time.perf_counter()
        result = await self.batcher.submit(image)  # the model, then batch_json: the image's JSON
        result["model_ms"] = round((time.perf_counter() - start) * 1000, 2)
        return result

    async def answer(self, endpoint: str, request: Request, field: str, many: bool):
        start = time.perf_counter()
        try:
            files = await read_images(request, field, many)
            results = await asyncio.gather(*(self.predict_one(n, d) for n, d in files))
            status = 200
            latency = round((time.perf_counter() - start) * 1000, 2)
            for r in results:
                r["latency_ms"] = latency
            body = {"results": list(results), "latency_ms": latency} if many else results[0]
            body["model"] = self.identity.to_dict()
            self.metrics.observe_answers(results)
            record_answer(request.state, results)
        except BadInput as err:
            status, body = err.status, {"error": err.message}
        except Exception as err:  # a model failure: 500 with one line, the server keeps serving
            status, body = 500, {"error": f"{type(err).__name__}: {' '.join(str(err).split())[:200]}"}
        self.metrics.observe(endpoint, status, time.perf_counter() - start)
        return JSONResponse(body, status_code=status)

    @asynccontextmanager
    async def lifespan(self, app):
        self.batcher.start()
        # one full batch through the graph and the post-processing: the runtime's buffers for the largest
        # batch are allocated before the first request, so neither latency nor memory jumps under load
        blank = np.zeros(warmup_shape(self.model), np.uint8)
        await asyncio.gather(*(self.batcher.submit(blank) for _ in range(self.batcher.max_batch)))
        self.ready = True
        yield
        self.ready = False
        await self.batcher.stop()


def warmup_shape(model: ExportedModel) -> tuple[int, int, int]:
    """(h, w, 3) of the start-up graph call, so that the first request pays no tracing: the most common
    image size of the model's dataset (Severstal's when it records none), within the max input."""
    sizes = model.dataset.sizes or KAGGLE.sizes
    return (*(min(a, b) for a, b in zip(sizes[0].shape, model.max_input)), 3)


def _routes(app: FastAPI, service: _Service) -> None:
    @app.post("/v1/predict", summary="Predict one image", description=PREDICT_DOC, response_model=PredictAnswer,
              responses=error_responses(400, 401, 413, 415, 500),
              openapi_extra=upload_body("image", False, IMAGE_FIELD_DOC))
    async def predict(request: Request):
        return await service.answer("/v1/predict", request, "image", many=False)

    @app.post("/v1/predict/batch", summary="Predict several images", description=BATCH_DOC,
              response_model=BatchAnswer, responses=error_responses(400, 401, 413, 415, 500),
              openapi_extra=upload_body("images", True, f"{IMAGE_FIELD_DOC}; at most {MAX_BATCH_IMAGES}"))
    async def predict_batch(request: Request):
        return await service.answer("/v1/predict/batch", request, "images", many=True)

    @app.get("/healthz", summary="Alive (no API key needed)")
    async def healthz():
        return {"status": "ok"}

    @app.get("/readyz", summary="Model loaded and warmed up (no API key needed)")
    async def readyz():
        if not service.ready:
            return JSONResponse({"status": "loading"}, status_code=503)
        return {"status": "ready", "runtime": service.model.runtime.name, "model": str(service.model.folder)}

    @app.get("/metrics", summary="Prometheus metrics", response_class=Response,
             responses={200: {"content": {"text/plain": {}}, "description": "Prometheus' text format"}})
    async def prometheus():
        return Response(service.metrics.exposition(), media_type=service.metrics.content_type)


def _document_security(app: FastAPI) -> None:
    """Declare the API key in the OpenAPI schema (both headers), on every route but the probes, so /docs
    can send it (its Authorize button) and generated clients know it."""
    build = app.openapi

    def openapi() -> dict:
        schema = build()  # FastAPI builds it once and keeps it in app.openapi_schema
        schemes = schema.setdefault("components", {}).setdefault("securitySchemes", {})
        if not schemes:
            schemes["bearer"] = {"type": "http", "scheme": "bearer", "description": "Authorization: Bearer KEY"}
            schemes["apiKey"] = {"type": "apiKey", "in": "header", "name": KEY_HEADER}
            for path, operations in schema["paths"].items():
                for operation in operations.values():
                    if path not in OPEN_PATHS:
                        operation["security"] = [{"bearer": []}, {"apiKey": []}]
        return schema

    app.openapi = openapi


def create_app(model: ExportedModel, max_batch: int = 4, max_wait_ms: float = 5.0, api_key: str | None = None,
               access_log: bool = True):
    """The FastAPI app serving ``model``; images of concurrent requests are micro-batched. With
    ``api_key`` every route but /healthz and /readyz needs it; ``access_log`` logs one JSON line a request."""
    identity = model_identity(model.folder, model.manifest)
    metrics = server_metrics(identity.name, identity.version, model.class_names)
    batcher = MicroBatcher(model.run, max_batch, max_wait_ms, on_batch=metrics.batch_size.observe,
                           finish=lambda images, gate, probs: batch_json(model, images, gate, probs))
    service = _Service(model, batcher, metrics, identity)
    classes = ", ".join(f"{i} {name!r}" for i, name in enumerate(model.class_names, start=1))
    app = FastAPI(title="steeldefect", version=identity.version, lifespan=service.lifespan,
                  description=f"Defect masks of {len(model.class_names)} classes ({classes}) for images of any "
                              f"size, answered at each image's own size, by model {identity.name!r}.")
    _routes(app, service)
    if api_key:
        routes = {route.path for route in app.routes}
        app.add_middleware(ApiKeyMiddleware, key=api_key, on_reject=lambda path, seconds: metrics.observe(
            path if path in routes else "other", 401, seconds))
        _document_security(app)
    if access_log:
        app.add_middleware(AccessLogMiddleware)  # added last: the outermost, it sees the 401s too
    return app


def serve(model: ExportedModel, host: str = "127.0.0.1", port: int = 8000, max_batch: int = 4,
          max_wait_ms: float = 5.0, log_level: str = "warning", api_key: str | None = None,
          access_log: bool = True) -> None:
    """Run the API with uvicorn until interrupted (one process; the model runs in one worker thread)."""
    import uvicorn  # heavy: uvicorn (optional, serve only)

    uvicorn.run(create_app(model, max_batch, max_wait_ms, api_key, access_log), host=host, port=port,
                log_level=log_level, access_log=False)

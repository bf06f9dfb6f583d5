"""The HTTP API's documented shapes (OpenAPI, FastAPI's /docs): the multipart uploads and, as pydantic
models, the JSON answers.

The models describe exactly what the server sends (``ImageResult.to_dict()`` plus the timings and the
model's identity, key for key and in order: tests validate real answers against them); the server still
writes its JSON itself, so the bytes do not depend on pydantic.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from steeldefect.delivery.predictor.result import CLEAN, DEFECT, REVIEW

_EXACT = ConfigDict(extra="forbid", protected_namespaces=())  # no other keys; `model_ms` is a field name
UPLOAD = {"type": "string", "format": "binary", "contentMediaType": "application/octet-stream"}  # one file


class Box(BaseModel):
    """A connected component (8-connected) of a class's mask, in pixels of the input."""

    model_config = _EXACT
    x: int
    y: int
    width: int
    height: int
    area: int = Field(description="mask pixels of the component")


class ClassAnswer(BaseModel):
    """One class of the model's dataset for one image."""

    model_config = _EXACT
    class_id: int = Field(description="1..K, the dataset's class order")
    class_name: str = Field(description="the dataset's name of the class ('class 1'..'class 4' for Severstal)")
    decision: Literal[DEFECT, CLEAN, REVIEW] = Field(
        description="defect: a mask survived post-processing; clean: none did; review: the image's gate "
                    "probability lies in the review band (a person should look; the mask is still given)")
    probability: float | None = Field(description="the class's largest pixel probability; null when the gate "
                                                   "skipped the segmenters")
    area: int = Field(description="mask pixels at the input's size")
    rle: str = Field(description="Kaggle's run-length encoding (column-major, 1-based) at the input's size; "
                                 "'' for no mask")
    boxes: list[Box]


class ModelInfo(BaseModel):
    """Which export answered (``identity.ModelIdentity``)."""

    model_config = _EXACT
    name: str = Field(description="the export folder's name")
    version: str = Field(description="12 hex digits of the sha256 of the export's file checksums")


class ImageAnswer(BaseModel):
    """One image's answer, as an entry of /v1/predict/batch's ``results``."""

    model_config = _EXACT
    height: int = Field(description="the input's height; masks, areas, RLE and boxes are at the input's size")
    width: int
    gate_probability: float | None = Field(description="the classifier's defect probability; null without one")
    review: bool = Field(description="the gate probability lies in the review band")
    classes: list[ClassAnswer] = Field(description="one entry per class of the dataset, ids 1..K in order")
    model_ms: float = Field(description="milliseconds of the model and post-processing for this image")
    latency_ms: float = Field(description="milliseconds from the request to the answer")


class PredictAnswer(ImageAnswer):
    """The answer of /v1/predict."""

    model: ModelInfo


class BatchAnswer(BaseModel):
    """The answer of /v1/predict/batch."""

    model_config = _EXACT
    results: list[ImageAnswer] = Field(description="one per uploaded image, in upload order")
    latency_ms: float
    model: ModelInfo


class ErrorAnswer(BaseModel):
    """Every refusal (400, 401, 413, 415) and failure (500): one line saying what is wrong."""

    model_config = _EXACT
    error: str


def upload_body(field: str, many: bool, description: str) -> dict:
    """The OpenAPI ``requestBody`` of a multipart upload of file field ``field`` (several when ``many``)."""
    schema = {"type": "array", "items": UPLOAD, "minItems": 1} if many else UPLOAD
    return {"requestBody": {"required": True, "content": {"multipart/form-data": {"schema": {
        "type": "object", "required": [field], "properties": {field: {**schema, "description": description}}}}}}}


def error_responses(*statuses: int) -> dict:
    """FastAPI ``responses=`` entries documenting these error statuses with ``ErrorAnswer``."""
    meaning = {400: "no image field, an empty upload or a body that is not multipart",
               401: "no API key or a wrong one (when the server has a key)",
               413: "too many bytes, pixels or images", 415: "not a JPEG, PNG or other readable image",
               500: "the model failed; the server keeps serving"}
    return {s: {"model": ErrorAnswer, "description": meaning[s]} for s in statuses}

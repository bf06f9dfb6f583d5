"""The app's documented API, model identity, decision metrics and access log, on the scripted model of
``test_deploy_classes.py`` (no graph: seconds) through FastAPI's TestClient."""

from __future__ import annotations

import json
import logging
import re

import cv2
import numpy as np
import pytest

pytest.importorskip("tensorflow")
testclient = pytest.importorskip("fastapi.testclient")
pytest.importorskip("prometheus_client")

from test_deploy_classes import LINE3, scripted_model  # noqa: E402  (the scripted runtime, this folder)

from steeldefect.delivery.deploy.access_log import log as access_logger  # noqa: E402
from steeldefect.delivery.deploy.app import create_app  # noqa: E402
from steeldefect.delivery.deploy.identity import files_version  # noqa: E402
from steeldefect.delivery.deploy.schemas import BatchAnswer, ErrorAnswer, ImageAnswer, PredictAnswer  # noqa: E402


def _png(shape, value: int) -> bytes:
    return cv2.imencode(".png", np.full((*shape, 3), value, np.uint8))[1].tobytes()


BRIGHT, DARK = _png((192, 768), 200), _png((160, 640), 10)  # the scripted model: 2 defects / 1 defect


@pytest.fixture
def model(tmp_path):
    folder = tmp_path / "line3-export"
    folder.mkdir()
    return scripted_model(folder, LINE3)


@pytest.fixture
def client(model):
    with testclient.TestClient(create_app(model, max_batch=4)) as c:
        yield c


def _ordered(model_class, body: dict) -> None:
    """``body`` is valid for ``model_class`` (strict types, no other keys) with its keys in the model's order."""
    model_class.model_validate(body, strict=True)
    assert list(body) == list(model_class.model_fields), (list(body), list(model_class.model_fields))


def test_openapi_names_the_upload_fields_and_the_answer_fields(client):
    spec = client.get("/openapi.json").json()
    for path, field in (("/v1/predict", "image"), ("/v1/predict/batch", "images")):
        post = spec["paths"][path]["post"]
        body = post["requestBody"]["content"]["multipart/form-data"]["schema"]
        assert body["required"] == [field] and list(body["properties"]) == [field]
        upload = body["properties"][field]
        upload = upload["items"] if field == "images" else upload
        assert upload["type"] == "string" and upload["format"] == "binary"
        assert set(post["responses"]) >= {"200", "400", "413", "415"}
        assert post["responses"]["400"]["content"]["application/json"]["schema"]["$ref"].endswith("/ErrorAnswer")
    schemas = spec["components"]["schemas"]
    assert list(schemas["ClassAnswer"]["properties"]) == ["class_id", "class_name", "decision", "probability", "area",
                                                          "rle", "boxes"]
    assert list(schemas["PredictAnswer"]["properties"]) == ["height", "width", "gate_probability", "review", "classes",
                                                            "model_ms", "latency_ms", "model"]
    assert list(schemas["ModelInfo"]["properties"]) == ["name", "version"]
    assert list(schemas["BatchAnswer"]["properties"]) == ["results", "latency_ms", "model"]
    assert "securitySchemes" not in spec.get("components", {})  # no key: nothing to send


def test_real_answers_match_the_pydantic_models(client):
    r = client.post("/v1/predict", files={"image": ("a.png", BRIGHT, "image/png")})
    assert r.status_code == 200, r.text
    body = r.json()
    _ordered(PredictAnswer, body)
    for entry in body["classes"]:
        assert list(entry) == ["class_id", "class_name", "decision", "probability", "area", "rle", "boxes"]
    r = client.post("/v1/predict/batch", files=[("images", ("a.png", BRIGHT, "image/png")),
                                                ("images", ("b.png", DARK, "image/png"))])
    assert r.status_code == 200, r.text
    _ordered(BatchAnswer, r.json())
    for result in r.json()["results"]:
        _ordered(ImageAnswer, result)
    bad = client.post("/v1/predict", files={"image": ("x.png", b"not an image", "image/png")})
    assert bad.status_code == 415
    _ordered(ErrorAnswer, bad.json())


def test_the_json_is_the_results_json_plus_timings_and_the_model(client, model):
    from steeldefect.data.images import decode_image
    from steeldefect.delivery.deploy.results import predict_json

    body = client.post("/v1/predict", files={"image": ("a.png", BRIGHT, "image/png")}).json()
    want = predict_json(model, [decode_image(BRIGHT)])[0]
    assert {k: body[k] for k in want} == want
    assert list(body)[len(want):] == ["model_ms", "latency_ms", "model"]


def test_answers_and_metrics_name_the_model(client, model):
    body = client.post("/v1/predict", files={"image": ("a.png", BRIGHT, "image/png")}).json()
    version = files_version(model.manifest.checksums)
    assert body["model"] == {"name": "line3-export", "version": version} and re.fullmatch(r"[0-9a-f]{12}", version)
    batch = client.post("/v1/predict/batch", files=[("images", ("a.png", BRIGHT, "image/png"))]).json()
    assert batch["model"] == body["model"] and "model" not in batch["results"][0]
    text = client.get("/metrics").text
    assert f'steeldefect_model_info{{name="line3-export",version="{version}"}} 1.0' in text
    assert client.get("/openapi.json").json()["info"]["version"] == version


def test_the_version_follows_the_files():
    files = {"model.onnx": "a" * 64, "thresholds.yaml": "b" * 64}
    assert files_version(files) == files_version(dict(reversed(list(files.items()))))  # order does not matter
    assert files_version(files) != files_version({**files, "thresholds.yaml": "c" * 64})


def _counts(text: str) -> dict[tuple[str, str], float]:
    found = re.findall(r'^steeldefect_decisions_total\{class="([^"]+)",decision="(\w+)",version="\w+"\} (\S+)$',
                       text, flags=re.M)
    return {(c, d): float(v) for c, d, v in found}


def test_decision_counters_count_the_answered_images(client):
    before = _counts(client.get("/metrics").text)
    assert len(before) == 9 and not any(before.values())  # 3 classes x 3 decisions, there from the start
    assert client.post("/v1/predict", files={"image": ("a.png", BRIGHT, "image/png")}).status_code == 200
    assert client.post("/v1/predict", files={"image": ("b.png", DARK, "image/png")}).status_code == 200
    text = client.get("/metrics").text
    counts = _counts(text)
    # scripted: "scratch" a defect on every image, "pit" never, "stain" only on the bright one
    assert counts[("scratch", "defect")] == 2 and counts[("pit", "clean")] == 2
    assert counts[("stain", "defect")] == 1 and counts[("stain", "clean")] == 1
    assert sum(counts.values()) == 6 and counts[("scratch", "review")] == 0
    assert "steeldefect_gate_probability_count 2.0" in text
    assert 'steeldefect_gate_probability_bucket{le="0.9"} 2.0' in text  # the scripted gate answers 0.9


class _Lines(logging.Handler):
    def __init__(self):
        super().__init__(logging.INFO)
        self.lines: list[str] = []

    def emit(self, record):
        self.lines.append(record.getMessage())


@pytest.fixture
def access_lines():
    handler, level = _Lines(), access_logger.level
    access_logger.addHandler(handler)
    access_logger.setLevel(logging.INFO)
    yield handler.lines
    access_logger.removeHandler(handler)
    access_logger.setLevel(level)


def test_one_json_access_line_per_request(client, access_lines):
    client.post("/v1/predict/batch", files=[("images", ("a.png", BRIGHT, "image/png")),
                                            ("images", ("b.png", DARK, "image/png"))])
    client.post("/v1/predict", files={"image": ("x.png", b"nope", "image/png")})
    client.get("/healthz")
    entries = [json.loads(line) for line in access_lines]
    assert [(e["route"], e["status"]) for e in entries] == [("/v1/predict/batch", 200), ("/v1/predict", 415),
                                                            ("/healthz", 200)]
    assert all(list(e) == ["time", "method", "route", "status", "latency_ms", "images", "decisions"] for e in entries)
    assert entries[0]["images"] == 2 and entries[0]["decisions"] == {"defect": 3, "clean": 3, "review": 0}
    assert entries[0]["latency_ms"] > 0 and entries[0]["time"].endswith("+00:00")
    assert entries[1]["images"] == 0 and entries[1]["decisions"] == {}


def test_no_access_log_when_turned_off(model, access_lines):
    with testclient.TestClient(create_app(model, access_log=False)) as c:
        assert c.get("/healthz").status_code == 200
        assert c.post("/v1/predict", files={"image": ("a.png", BRIGHT, "image/png")}).status_code == 200
    assert access_lines == []

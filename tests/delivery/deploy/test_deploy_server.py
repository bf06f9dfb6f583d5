"""The HTTP API against a real `steeldefect serve` process on a free loopback port, started with an
API key file, with a real client (httpx, sending the key) and ``steeldefect.Client``: good strips (JPEG,
grey PNG, another size, a batch), every kind of bad input, after which the server still answers, requests
without the key, the model's identity and the decision counters."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time

import numpy as np
import pytest

from steeldefect.data.images import encode_jpeg

httpx = pytest.importorskip("httpx")
pytestmark = pytest.mark.slow

START_TIMEOUT_S = 180  # loading ONNX Runtime and the first graph call on a busy 2-core machine
API_KEY = "serve-test-key"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _png(image: np.ndarray) -> bytes:
    import cv2

    return cv2.imencode(".png", image)[1].tobytes()


@pytest.fixture(scope="module")
def server(exported, tmp_path_factory):
    port = _free_port()
    key_file = tmp_path_factory.mktemp("key") / "api.key"
    key_file.write_text(f"\n{API_KEY}\n")
    log = key_file.parent / "serve.log"  # a file, never an unread pipe that could fill and stall the server
    with open(log, "wb") as out:
        proc = subprocess.Popen([sys.executable, "-m", "steeldefect", "serve", "--model", str(exported), "--port",
                                 str(port), "--runtime", "onnx", "--api-key-file", str(key_file), "--no-access-log"],
                                stdout=out, stderr=subprocess.STDOUT, env={**os.environ, "TF_CPP_MIN_LOG_LEVEL": "2"})
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + START_TIMEOUT_S
    with httpx.Client(base_url=url, timeout=60, headers={"Authorization": f"Bearer {API_KEY}"}) as client:
        while True:
            if proc.poll() is not None:
                pytest.fail(f"serve exited: {log.read_text(errors='replace')[-2000:]}")
            try:
                if client.get("/readyz").status_code == 200:
                    break
            except httpx.TransportError:
                pass
            if time.monotonic() > deadline:
                proc.kill()
                pytest.fail("serve did not become ready")
            time.sleep(0.5)
        yield client
    proc.terminate()
    proc.wait(30)


@pytest.fixture(scope="module")
def strip(tiny_dataset):
    from steeldefect.data.images import list_images, read_image

    folder = tiny_dataset / "test_images"
    return read_image(folder / list_images(folder)[0])


def _check_result(body, shape):
    assert (body["height"], body["width"]) == shape
    assert 0.0 <= body["gate_probability"] <= 1.0 and body["latency_ms"] > 0
    assert [c["class_id"] for c in body["classes"]] == [1, 2, 3, 4]
    assert [c["class_name"] for c in body["classes"]] == ["class 1", "class 2", "class 3", "class 4"]
    for c in body["classes"]:
        assert c["decision"] in ("defect", "clean", "review")
        assert (c["area"] > 0) == bool(c["rle"]) and 0.0 <= c["probability"] <= 1.0
        if c["rle"]:
            from steeldefect.data.rle import rle_decode

            assert rle_decode(c["rle"], shape).sum() == c["area"] == sum(b["area"] for b in c["boxes"])
        else:
            assert c["boxes"] == []


def test_predict_matches_the_exported_model(server, strip, exported):
    from steeldefect.delivery.deploy.model import load_exported
    from steeldefect.delivery.deploy.results import predict_json

    data = encode_jpeg(strip)
    r = server.post("/v1/predict", files={"image": ("strip.jpg", data, "image/jpeg")})
    assert r.status_code == 200, r.text
    body = r.json()
    _check_result(body, (256, 1600))
    from steeldefect.data.images import decode_image

    want = predict_json(load_exported(exported, "onnx"), [decode_image(data)])[0]
    assert [c["rle"] for c in body["classes"]] == [c["rle"] for c in want["classes"]]
    assert [c["decision"] for c in body["classes"]] == [c["decision"] for c in want["classes"]]


def test_grey_png_and_another_size(server, strip):
    import cv2

    grey = cv2.resize(strip[:, :, 0], (800, 128), interpolation=cv2.INTER_AREA)
    r = server.post("/v1/predict", files={"image": ("g.png", _png(grey), "image/png")})
    assert r.status_code == 200, r.text
    _check_result(r.json(), (128, 800))


def test_batch(server, strip):
    files = [("images", (f"{i}.jpg", encode_jpeg(strip), "image/jpeg")) for i in range(3)]
    files.append(("images", ("small.png", _png(strip[:128, :800]), "image/png")))
    r = server.post("/v1/predict/batch", files=files)
    assert r.status_code == 200, r.text
    results = r.json()["results"]
    assert [(x["height"], x["width"]) for x in results] == [(256, 1600)] * 3 + [(128, 800)]
    assert results[0]["classes"] == results[1]["classes"]


@pytest.mark.parametrize("kwargs, status, needle", [
    ({"files": {"image": ("e.jpg", b"", "image/jpeg")}}, 400, "empty"),
    ({"files": {"image": ("x.jpg", b"this is not an image at all", "image/jpeg")}}, 415, "not a readable image"),
    ({"files": {"picture": ("x.jpg", b"abc", "image/jpeg")}}, 400, "missing multipart field 'image'"),
    ({"content": b"", "headers": {"content-type": "multipart/form-data; boundary=x"}}, 400, "missing multipart"),
    ({"content": b"raw bytes", "headers": {"content-type": "application/octet-stream"}}, 400, "multipart/form-data"),
    ({"files": {"image": ("big.png", None, "image/png")}}, 413, "this model takes images up to 512x3200"),
])
def test_bad_input_gets_one_line_4xx(server, strip, kwargs, status, needle):
    if kwargs.get("files", {}).get("image", ("", 0))[1] is None:
        kwargs = {"files": {"image": ("big.png", _png(np.zeros((600, 100), np.uint8)), "image/png")}}
    r = server.post("/v1/predict", **kwargs)
    assert r.status_code == status, r.text
    message = r.json()["error"]
    assert needle in message and "\n" not in message
    assert server.post("/v1/predict", files={"image": ("s.jpg", encode_jpeg(strip), "image/jpeg")}).status_code == 200


def test_too_many_bytes_gets_413(server):
    from steeldefect.delivery.deploy.app import MAX_UPLOAD_BYTES

    r = server.post("/v1/predict", files={"image": ("huge.jpg", b"\xff" * (MAX_UPLOAD_BYTES + 10), "image/jpeg")})
    assert r.status_code == 413 and "over the limit" in r.json()["error"]


def test_health_ready_and_metrics(server):
    assert server.get("/healthz").json() == {"status": "ok"}
    assert server.get("/readyz").json()["status"] == "ready"
    server.post("/v1/predict", files={"image": ("x.jpg", b"nope", "image/jpeg")})
    text = server.get("/metrics").text
    assert 'steeldefect_requests_total{endpoint="/v1/predict",status="415"}' in text
    assert 'steeldefect_errors_total{endpoint="/v1/predict",status="415"}' in text
    assert "steeldefect_request_latency_seconds_bucket" in text and "steeldefect_batch_images_count" in text


def test_requests_without_the_key_get_401_but_the_probes_answer(server, strip):
    url = str(server.base_url)
    with httpx.Client(base_url=url, timeout=60) as anonymous:
        r = anonymous.post("/v1/predict", files={"image": ("s.jpg", encode_jpeg(strip), "image/jpeg")})
        assert r.status_code == 401 and "missing API key" in r.json()["error"]
        assert anonymous.get("/metrics", headers={"X-API-Key": "wrong"}).status_code == 401
        assert anonymous.get("/healthz").status_code == 200 and anonymous.get("/readyz").status_code == 200
        assert anonymous.get("/metrics", headers={"X-API-Key": API_KEY}).status_code == 200


def test_the_python_client_model_identity_and_decision_counters(server, strip, exported, tmp_path):
    from steeldefect.artifacts.export_manifest import read_manifest
    from steeldefect.client import Client
    from steeldefect.delivery.deploy.identity import files_version

    client = Client(str(server.base_url), api_key=API_KEY)
    assert client.health()
    path = tmp_path / "strip.jpg"
    path.write_bytes(encode_jpeg(strip))
    before = client.metrics()
    single = client.predict(path)
    batch = client.predict_batch([path, path])
    version = files_version(read_manifest(exported).checksums)
    assert single["model"] == batch["model"] == {"name": exported.name, "version": version}
    assert batch["results"][0]["classes"] == single["classes"]
    after = client.metrics()
    assert f'steeldefect_model_info{{name="{exported.name}",version="{version}"}} 1.0' in after
    for entry in single["classes"]:  # three images of the same strip: each class's decision counted 3 times
        name, decision = entry["class_name"], entry["decision"]
        series = f'steeldefect_decisions_total{{class="{name}",decision="{decision}",version="{version}"}}'
        assert _value(after, series) - _value(before, series) == 3, series


def _value(text: str, series: str) -> float:
    return next(float(line.rsplit(" ", 1)[1]) for line in text.splitlines() if line.startswith(series + " "))

"""``steeldefect.Client`` against a live server: uvicorn on a free loopback port in a thread, serving the
scripted model of ``test_deploy_classes.py`` with an API key (real HTTP, no graph: seconds). The
client with the real export and a `steeldefect serve` process is in ``test_deploy_server.py``."""

from __future__ import annotations

import socket
import subprocess
import sys
import threading
import time

import cv2
import numpy as np
import pytest

from steeldefect.client import Client, ClientError, multipart_body

KEY = "client-test-key"
START_TIMEOUT_S = 30


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _png(shape, value: int) -> bytes:
    return cv2.imencode(".png", np.full((*shape, 3), value, np.uint8))[1].tobytes()


@pytest.fixture(scope="module")
def url(tmp_path_factory):
    pytest.importorskip("tensorflow")
    uvicorn = pytest.importorskip("uvicorn")
    pytest.importorskip("prometheus_client")
    from test_deploy_classes import LINE3, scripted_model  # the scripted runtime, this folder

    from steeldefect.delivery.deploy.app import create_app

    app = create_app(scripted_model(tmp_path_factory.mktemp("client-export"), LINE3), api_key=KEY, access_log=False)
    port = _free_port()
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + START_TIMEOUT_S
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            pytest.fail("the uvicorn thread did not start")
        time.sleep(0.05)
    yield f"http://127.0.0.1:{port}"
    server.should_exit = True
    thread.join(10)


def test_predict_a_path_and_bytes(url, tmp_path):
    path = tmp_path / "strip.png"
    path.write_bytes(_png((192, 768), 200))
    client = Client(url, api_key=KEY)
    assert client.health()
    answer = client.predict(path)
    assert (answer["height"], answer["width"]) == (192, 768)
    assert [c["class_name"] for c in answer["classes"]] == ["scratch", "pit", "stain"]
    assert set(answer["model"]) == {"name", "version"}
    assert client.predict(path.read_bytes())["classes"] == answer["classes"]
    assert Client(url + "/", api_key=KEY).predict(str(path))["classes"] == answer["classes"]


def test_predict_batch_and_metrics(url, tmp_path):
    client = Client(url, api_key=KEY)
    small = tmp_path / "small.png"
    small.write_bytes(_png((160, 640), 10))
    answer = client.predict_batch([small, _png((192, 768), 200)])
    assert [(r["height"], r["width"]) for r in answer["results"]] == [(160, 640), (192, 768)]
    text = client.metrics()
    assert "steeldefect_decisions_total" in text and "steeldefect_model_info" in text


def test_the_key_comes_from_the_environment_by_default(url, monkeypatch):
    monkeypatch.setenv("STEELDEFECT_API_KEY", KEY)
    assert Client(url).metrics().startswith("#")


def test_errors_are_one_line(url, tmp_path):
    with pytest.raises(ClientError, match="401 missing API key") as err:
        Client(url).predict(_png((192, 768), 200))
    assert err.value.status == 401 and "\n" not in str(err.value)
    with pytest.raises(ClientError, match="401 wrong API key"):
        Client(url, api_key="nope").metrics()
    with pytest.raises(ClientError, match="415 .*not a readable image") as err:
        Client(url, api_key=KEY).predict(b"not an image")
    assert err.value.status == 415
    with pytest.raises(ClientError, match="cannot read"):
        Client(url, api_key=KEY).predict(tmp_path / "missing.jpg")
    assert Client(url).health()  # /readyz needs no key


def test_an_unreachable_server(tmp_path):
    client = Client(f"http://127.0.0.1:{_free_port()}", timeout=5)
    assert client.health() is False
    with pytest.raises(ClientError, match="cannot reach the server") as err:
        client.predict(b"abc")
    assert err.value.status is None and "\n" not in str(err.value)


def test_the_multipart_body_has_each_file():
    body, content_type = multipart_body("images", [b"\x89PNG-one", b"\xff\xd8-two"])
    boundary = content_type.split("boundary=")[1]
    parts = body.split(f"--{boundary}".encode())
    assert len(parts) == 4 and parts[-1] == b"--\r\n"
    assert b'name="images"; filename="image-1"' in parts[1] and b"Content-Type: image/png" in parts[1]
    assert b"Content-Type: image/jpeg" in parts[2] and parts[2].endswith(b"\xff\xd8-two\r\n")


def test_client_imports_without_tensorflow():
    code = ("import sys; from steeldefect import Client; Client('http://127.0.0.1:1'); "
            "heavy = [m for m in ('tensorflow', 'keras', 'fastapi', 'onnxruntime', 'uvicorn') if m in sys.modules]; "
            "assert not heavy, heavy")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr

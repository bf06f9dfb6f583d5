"""The API key: its file and variable, the refusal to serve a public address without one, and the check
on every route but the probes (the scripted model of ``test_deploy_classes.py``, FastAPI's TestClient)."""

from __future__ import annotations

import cv2
import numpy as np
import pytest

from steeldefect.artifacts.export_manifest import ExportManifest, write_manifest
from steeldefect.delivery.deploy.auth import (API_KEY_ENV, api_key_of, bind_problem, is_loopback, key_matches,
                                              presented_keys, read_api_key)
from steeldefect.errors import SteelDefectError
from steeldefect.stages.serve_stage import ServeArgs, check_serve_args

KEY = "k3y-of-the-line"
PNG = cv2.imencode(".png", np.full((192, 768, 3), 200, np.uint8))[1].tobytes()


def test_the_key_file_is_its_first_non_empty_line_stripped(tmp_path):
    path = tmp_path / "api.key"
    path.write_text("\n   \n  " + KEY + "  \nsecond line\n")
    assert read_api_key(path) == KEY
    path.write_text(" \n\n")
    with pytest.raises(SteelDefectError, match="is empty") as err:
        read_api_key(path)
    assert "\n" not in str(err.value)
    with pytest.raises(SteelDefectError, match="no such file"):
        read_api_key(tmp_path / "missing.key")


def test_the_file_wins_over_the_variable(tmp_path):
    path = tmp_path / "api.key"
    path.write_text(KEY)
    assert api_key_of(path, {API_KEY_ENV: "other"}) == KEY
    assert api_key_of(None, {API_KEY_ENV: " other \n"}) == "other"
    assert api_key_of(None, {API_KEY_ENV: "  "}) is None and api_key_of(None, {}) is None


@pytest.mark.parametrize("host, loopback", [("127.0.0.1", True), ("::1", True), ("localhost", True),
                                            ("LOCALHOST", True), ("[::1]", True), ("0.0.0.0", False),
                                            ("::", False), ("10.0.0.5", False), ("", False),
                                            ("line3-pc.local", False)])
def test_loopback_addresses(host, loopback):
    assert is_loopback(host) is loopback
    assert (bind_problem(host, has_key=False, insecure=False) is None) is loopback
    assert bind_problem(host, has_key=True, insecure=False) is None
    assert bind_problem(host, has_key=False, insecure=True) is None


def test_keys_are_read_from_both_headers_and_compared_whole():
    headers = [(b"authorization", b"bEaReR " + KEY.encode()), (b"x-api-key", b"other")]
    assert presented_keys(headers) == [KEY.encode(), b"other"]
    assert key_matches(presented_keys(headers), KEY)
    assert not key_matches([KEY.encode()[:-1]], KEY) and not key_matches([KEY.encode() + b"x"], KEY)
    assert not key_matches([], KEY) and presented_keys([(b"authorization", b"Basic abc")]) == []


@pytest.fixture
def export_folder(tmp_path):
    folder = tmp_path / "export"
    folder.mkdir()
    write_manifest(folder, ExportManifest())
    return folder


def test_a_public_address_without_a_key_is_refused_before_loading(export_folder, tmp_path):
    with pytest.raises(SteelDefectError, match="--insecure") as err:
        check_serve_args(ServeArgs(export_folder, host="0.0.0.0"), environ={})
    assert "\n" not in str(err.value) and "0.0.0.0" in str(err.value) and API_KEY_ENV in str(err.value)
    assert check_serve_args(ServeArgs(export_folder, host="0.0.0.0", insecure=True), environ={}) is None
    assert check_serve_args(ServeArgs(export_folder), environ={}) is None  # loopback: no key needed
    assert check_serve_args(ServeArgs(export_folder, host="0.0.0.0"), environ={API_KEY_ENV: KEY}) == KEY
    key_file = tmp_path / "api.key"
    key_file.write_text(KEY + "\n")
    assert check_serve_args(ServeArgs(export_folder, host="0.0.0.0", api_key_file=key_file), environ={}) == KEY
    key_file.write_text("")
    with pytest.raises(SteelDefectError, match="empty"):
        check_serve_args(ServeArgs(export_folder, api_key_file=key_file), environ={})
    with pytest.raises(SteelDefectError, match="--threads 0"):
        check_serve_args(ServeArgs(export_folder, threads=0), environ={})


def test_the_cli_says_why_in_one_line(export_folder, monkeypatch, capsys):
    from steeldefect.cli.main import main

    monkeypatch.delenv(API_KEY_ENV, raising=False)
    assert main(["serve", "--model", str(export_folder), "--host", "0.0.0.0"]) == 2
    lines = [line for line in capsys.readouterr().err.splitlines() if line.strip()]
    assert len(lines) == 1 and "no API key is set" in lines[0] and "--insecure" in lines[0], lines


@pytest.fixture
def client(tmp_path):
    pytest.importorskip("tensorflow")
    testclient = pytest.importorskip("fastapi.testclient")
    pytest.importorskip("prometheus_client")
    from test_deploy_classes import LINE3, scripted_model  # the scripted runtime, this folder

    from steeldefect.delivery.deploy.app import create_app

    with testclient.TestClient(create_app(scripted_model(tmp_path, LINE3), api_key=KEY)) as c:
        yield c


def _predict(client, headers=None):
    return client.post("/v1/predict", files={"image": ("a.png", PNG, "image/png")}, headers=headers or {})


@pytest.mark.parametrize("headers, needle", [(None, "missing API key"), ({"Authorization": "Bearer nope"}, "wrong"),
                                             ({"X-API-Key": KEY[:-1]}, "wrong"), ({"Authorization": KEY}, "missing")])
def test_no_or_a_wrong_key_gets_401_with_one_line(client, headers, needle):
    r = _predict(client, headers)
    assert r.status_code == 401 and r.headers["www-authenticate"].startswith("Bearer")
    assert list(r.json()) == ["error"] and needle in r.json()["error"] and "\n" not in r.json()["error"]


def test_the_right_key_in_either_header_is_answered(client):
    for headers in ({"Authorization": f"Bearer {KEY}"}, {"X-API-Key": KEY}, {"authorization": f"bearer {KEY}"}):
        r = _predict(client, headers)
        assert r.status_code == 200, r.text
        assert r.json()["classes"][0]["class_name"] == "scratch"


def test_every_route_but_the_probes_needs_the_key(client):
    assert client.get("/healthz").json() == {"status": "ok"}
    assert client.get("/readyz").json()["status"] == "ready"
    for route in ("/metrics", "/docs", "/openapi.json", "/no/such/route"):
        assert client.get(route).status_code == 401, route
    assert client.get("/metrics", headers={"X-API-Key": KEY}).status_code == 200
    assert client.post("/v1/predict/batch", files=[("images", ("a.png", PNG, "image/png"))]).status_code == 401
    text = client.get("/metrics", headers={"X-API-Key": KEY}).text
    assert 'steeldefect_requests_total{endpoint="/v1/predict/batch",status="401"} 1.0' in text
    assert 'steeldefect_requests_total{endpoint="other",status="401"} 1.0' in text  # unknown routes, one label


def test_the_openapi_schema_declares_the_key(client):
    spec = client.get("/openapi.json", headers={"X-API-Key": KEY}).json()
    schemes = spec["components"]["securitySchemes"]
    assert schemes["bearer"]["scheme"] == "bearer" and schemes["apiKey"]["name"] == "X-API-Key"
    assert spec["paths"]["/v1/predict"]["post"]["security"] == [{"bearer": []}, {"apiKey": []}]
    assert "security" not in spec["paths"]["/healthz"]["get"]

"""Images are served only for known ids from inside the image folders; the app binds locally by default."""

from __future__ import annotations

import os

import cv2
import numpy as np
import pytest

from steeldefect.analysis.app.render import ImageStore, is_safe_id, placeholder, resolve_image
from steeldefect.analysis.app.server import check_address, create_app, render_image
from steeldefect.cli.main import build_parser
from steeldefect.errors import SteelDefectError

JPEG_START = b"\xff\xd8"


def decode(body: bytes) -> np.ndarray:
    return cv2.imdecode(np.frombuffer(body, np.uint8), cv2.IMREAD_COLOR)


@pytest.mark.parametrize("image_id", ["../train.csv", "..", ".", "../../etc/passwd", "/etc/passwd",
                                      "train_images/0046839bd.jpg", "..\\train.csv", ".hidden.jpg", "a\x00.jpg", ""])
def test_traversal_ids_are_refused(app_data, store, image_id):
    assert not is_safe_id(image_id) or not app_data.is_known(image_id)
    body, status, _ = render_image(app_data, store, "truth", image_id)
    assert status == 404 and body == "unknown image"
    assert resolve_image(image_id, app_data.image_dirs) is None


def test_known_id_with_escaping_symlink_is_not_read(app_data, demo, tmp_path):
    outside = tmp_path / "secret.jpg"
    outside.write_bytes(b"not for the browser")
    folder = demo["root"] / "linked_images"
    folder.mkdir(exist_ok=True)
    link = folder / "0046839bd.jpg"
    if not link.exists():
        os.symlink(outside, link)
    assert resolve_image("0046839bd.jpg", (folder,)) is None
    image, found = ImageStore((folder,)).load("0046839bd.jpg")
    assert not found and image.shape == (256, 1600, 3)


def test_unknown_set_and_bad_width(app_data, store):
    assert render_image(app_data, store, "nope", "0046839bd.jpg")[1] == 404
    assert render_image(app_data, store, "truth", "0046839bd.jpg", "wide")[1] == 400


def test_known_image_and_thumbnail(app_data, store):
    body, status, kind = render_image(app_data, store, "truth", "0046839bd.jpg")
    assert status == 200 and kind == "image/jpeg" and decode(body).shape == (256, 1600, 3)
    thumb, status, _ = render_image(app_data, store, "truth", "0046839bd.jpg", "400")
    assert status == 200 and decode(thumb).shape == (64, 400, 3)
    render_image(app_data, store, "truth", "0046839bd.jpg")
    assert store.cache_info().hits >= 1


def test_absent_image_renders_a_placeholder(app_data, store, keys):
    image_id = str(app_data.get(keys["stage1"]).image_ids[0])
    body, status, kind = render_image(app_data, store, keys["stage1"], image_id)
    assert status == 200 and kind == "image/jpeg"
    image = decode(body)
    grey = placeholder(image_id)
    assert image.shape == grey.shape and abs(int(np.median(image)) - int(np.median(grey))) <= 2


def test_flask_route(app_data, store):
    client = create_app(app_data, store).server.test_client()
    ok = client.get("/render/truth/0046839bd.jpg")
    assert ok.status_code == 200 and ok.data.startswith(JPEG_START)
    for url in ("/render/truth/..%2Ftrain.csv", "/render/truth/%2E%2E", "/render/truth/x.jpg",
                "/render/..%2F..%2Fetc/passwd"):
        response = client.get(url)
        assert not response.data.startswith(JPEG_START) and b"Encoded" not in response.data, url


def test_binds_to_localhost_by_default():
    args = build_parser().parse_args(["app", "--data", "x"])
    assert args.host == "127.0.0.1" and args.port == 8050


def test_port_in_use_is_one_clear_error():
    import socket
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        sock.listen()
        port = sock.getsockname()[1]
        with pytest.raises(SteelDefectError, match=f"cannot listen on 127.0.0.1:{port}"):
            check_address("127.0.0.1", port)


@pytest.mark.parametrize("args, needle", [
    (["--data", "{tmp}/nothere"], "data folder not found"),
    (["--data", "{tmp}"], "train.csv in the data folder not found"),
    (["--labels", "{tmp}/bad.csv"], "unrecognised CSV header"),
    (["--data", "{data}", "--pred", "{tmp}/missing.csv"], "CSV file not found"),
    (["--data", "{data}", "--metadata", "{tmp}/bad.csv"], "no image-id column"),
])
def test_cli_errors_are_one_line(tmp_path, demo, capsys, args, needle):
    from steeldefect.cli.main import main

    (tmp_path / "bad.csv").write_text("wrong,header\n")
    port = ["--port", "0"]  # any free port: the check passes, the error comes from the inputs
    assert main(["app", *[a.format(tmp=tmp_path, data=demo["data"]) for a in args], *port]) == 2
    lines = capsys.readouterr().err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("steeldefect app: error:") and needle in lines[0], lines


@pytest.mark.parametrize("host, warned", [("127.0.0.1", False), ("localhost", False), ("::1", False),
                                          ("127.0.0.2", False), ("0.0.0.0", True), ("::", True),
                                          ("192.168.1.5", True)])
def test_warning_when_bound_beyond_loopback(host, warned):  # failure 13
    from steeldefect.analysis.app.server import exposure_warning

    message = exposure_warning(host, 8050)
    assert (message is not None) == warned
    if warned:
        assert "no login" in message and "upload" in message and "\n" not in message


def test_cli_warns_on_a_network_address(demo, monkeypatch, capsys):  # failure 13
    from dash import Dash

    from steeldefect.cli.main import main

    monkeypatch.setattr(Dash, "run", lambda self, **kwargs: None)
    assert main(["app", "--data", str(demo["data"]), "--host", "0.0.0.0", "--port", "0"]) == 0
    err = capsys.readouterr().err
    assert "warning" in err and "no login" in err, err

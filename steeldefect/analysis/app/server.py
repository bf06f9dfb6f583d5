"""The Dash app: page, callbacks and the image route; binds to 127.0.0.1 unless told otherwise."""

from __future__ import annotations

import ipaddress
import socket
from functools import partial

from dash import Dash
from flask import Response, request

from steeldefect.analysis.app.index import AppData
from steeldefect.analysis.app.layout import build_layout
from steeldefect.analysis.app.render import ImageStore, is_safe_id
from steeldefect.analysis.app.upload import MAX_UPLOAD_BYTES
from steeldefect.analysis.app.upload_guard import register_upload_guard
from steeldefect.analysis.app.wiring import register_callbacks
from steeldefect.errors import SteelDefectError

DEFAULT_HOST = "127.0.0.1"  # local only; pass --host 0.0.0.0 to serve a network deliberately
LOCAL_NAMES = ("localhost",)  # host names that are this machine only
DEFAULT_PORT = 8050
MIN_WIDTH = 32  # smallest rendered width a client may ask for
MAX_WIDTH = 8192  # largest; a width at or above the image's own serves it unscaled
REQUEST_LIMIT = MAX_UPLOAD_BYTES * 4 // 3 + (1 << 20)  # an upload travels base64-encoded inside JSON


def render_image(data: AppData, store: ImageStore, set_key: str, image_id: str,
                 width: str | None = None) -> tuple[bytes | str, int, str]:
    """(body, HTTP status, content type) of an image request; only known ids of known sets are served."""
    sets = data.sets()
    if set_key not in sets:
        return "unknown label set", 404, "text/plain"
    if not is_safe_id(image_id) or not data.is_known(image_id):
        return "unknown image", 404, "text/plain"
    try:
        w = int(width) if width else None
    except ValueError:
        return "width must be a whole number", 400, "text/plain"
    w = None if w is None else min(max(w, MIN_WIDTH), MAX_WIDTH)
    return store.render(image_id, sets[set_key].rles(image_id), w), 200, "image/jpeg"


def create_app(data: AppData, store: ImageStore | None = None) -> Dash:
    """The Dash app over ``data``; images are rendered on request through ``store``."""
    store = store or ImageStore(data.image_dirs, shapes=data.image_shapes())
    app = Dash(__name__, title="steeldefect analysis", update_title=None)
    app.layout = partial(build_layout, data)  # built per page load: uploads stay listed after a reload
    app.server.config["MAX_CONTENT_LENGTH"] = REQUEST_LIMIT

    @app.server.route("/render/<set_key>/<image_id>")
    def _render(set_key: str, image_id: str):
        body, status, kind = render_image(data, store, set_key, image_id, request.args.get("w"))
        response = Response(body, status=status, mimetype=kind)
        if status == 200:
            response.headers["Cache-Control"] = "private, max-age=3600"
        return response

    register_callbacks(app, data, store)
    register_upload_guard(app)
    return app


def exposure_warning(host: str, port: int) -> str | None:
    """One line warning that the app is reachable beyond this machine, or None for a loopback address."""
    if host in LOCAL_NAMES:
        return None
    try:
        if ipaddress.ip_address(host.strip("[]")).is_loopback:
            return None
    except ValueError:  # a host name: it may resolve to a network address
        pass
    return (f"warning: serving on {host}:{port} beyond this machine; the app has no login: anyone who can "
            "reach it can browse the images and labels and upload files (use --host 127.0.0.1 to keep it local)")


def check_address(host: str, port: int) -> None:
    """Fail with one clear line if ``host:port`` cannot be listened on (port taken, bad address)."""
    try:
        with socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET, socket.SOCK_STREAM) as sock:
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            sock.bind((host, port))
    except OSError as err:
        raise SteelDefectError(f"cannot listen on {host}:{port}: {err.strerror or err}; "
                               "choose another --port or --host") from None

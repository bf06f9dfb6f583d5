"""A small client of ``steeldefect serve``, standard library only (urllib, a multipart body built here),
so it runs on a line PC that has neither TensorFlow nor ``requests``::

    from steeldefect import Client

    client = Client("http://10.0.0.5:8000", api_key="...")  # default key: $STEELDEFECT_API_KEY
    if client.health():
        answer = client.predict("strip.jpg")  # the server's JSON: classes, decisions, RLE, "model", ...
        print(answer["model"], [c["decision"] for c in answer["classes"]])

Every failure (unreachable server, a refusal such as 401 or 413, an answer that is not JSON) raises
``ClientError`` with one line that carries the server's own ``error`` message when there is one.
"""

from __future__ import annotations

import json
import mimetypes
import os
import urllib.error
import urllib.request
import uuid
from pathlib import Path

from steeldefect.delivery.deploy.auth import API_KEY_ENV
from steeldefect.errors import SteelDefectError

DEFAULT_TIMEOUT_S = 60.0  # a first request may wait for a busy server's model
PNG_MAGIC, JPEG_MAGIC = b"\x89PNG", b"\xff\xd8"


class ClientError(SteelDefectError):
    """A request that did not get a usable answer; ``status`` is the HTTP status (None: no answer)."""

    def __init__(self, message: str, status: int | None = None):
        super().__init__(message)
        self.status = status


def _content_type(name: str, data: bytes) -> str:
    if data.startswith(PNG_MAGIC):
        return "image/png"
    if data.startswith(JPEG_MAGIC):
        return "image/jpeg"
    return mimetypes.guess_type(name)[0] or "application/octet-stream"


def _upload(image, index: int) -> tuple[str, bytes]:
    """(file name, bytes) of a path or of raw bytes (named ``image-<index>``)."""
    if isinstance(image, (bytes, bytearray, memoryview)):
        return f"image-{index}", bytes(image)
    path = Path(image)
    try:
        return path.name, path.read_bytes()
    except OSError as err:
        raise ClientError(f"cannot read {path}: {err.strerror or err}") from None


def multipart_body(field: str, images: list) -> tuple[bytes, str]:
    """The multipart/form-data body with each of ``images`` (paths or bytes) as file field ``field``,
    and its content type."""
    boundary = f"steeldefect-{uuid.uuid4().hex}"
    parts = []
    for i, image in enumerate(images, start=1):
        name, data = _upload(image, i)
        safe = name.replace('"', "_").replace("\r", "_").replace("\n", "_")
        parts.append(f'--{boundary}\r\nContent-Disposition: form-data; name="{field}"; filename="{safe}"\r\n'
                     f"Content-Type: {_content_type(name, data)}\r\n\r\n".encode() + data + b"\r\n")
    return b"".join(parts) + f"--{boundary}--\r\n".encode(), f"multipart/form-data; boundary={boundary}"


def _one_line(text: str, limit: int = 300) -> str:
    return " ".join(text.split())[:limit]


class Client:
    """The HTTP API of ``steeldefect serve`` at ``url`` (e.g. ``http://127.0.0.1:8000``), sending
    ``api_key`` (default: ``$STEELDEFECT_API_KEY`` when set) as ``Authorization: Bearer``."""

    def __init__(self, url: str, api_key: str | None = None, timeout: float = DEFAULT_TIMEOUT_S):
        self.url = url.rstrip("/")
        self.api_key = api_key if api_key is not None else (os.environ.get(API_KEY_ENV) or "").strip() or None
        self.timeout = timeout

    def predict(self, image) -> dict:
        """The answer of /v1/predict for one image: a path (str or PathLike) or the file's bytes."""
        return self._json("POST", "/v1/predict", *multipart_body("image", [image]))

    def predict_batch(self, images) -> dict:
        """The answer of /v1/predict/batch (``{"results": [...], "latency_ms", "model"}``) for paths or bytes."""
        images = list(images)
        if not images:
            raise ClientError("predict_batch needs at least one image")
        return self._json("POST", "/v1/predict/batch", *multipart_body("images", images))

    def health(self) -> bool:
        """Whether the server is ready to predict (/readyz: the model loaded and warmed up); False when it
        is still loading or cannot be reached."""
        try:
            return self._request("GET", "/readyz")[0] == 200
        except ClientError:
            return False

    def metrics(self) -> str:
        """The Prometheus text of /metrics."""
        return self._request("GET", "/metrics")[1].decode("utf-8", "replace")

    def _json(self, method: str, route: str, body: bytes | None = None, content_type: str | None = None) -> dict:
        status, data = self._request(method, route, body, content_type)
        try:
            return json.loads(data)
        except ValueError:
            raise ClientError(f"{method} {self.url}{route}: the answer is not JSON: "
                              f"{_one_line(data.decode('utf-8', 'replace'), 120)!r}", status) from None

    def _request(self, method: str, route: str, body: bytes | None = None,
                 content_type: str | None = None) -> tuple[int, bytes]:
        """(status, body) of a 2xx answer; ClientError for anything else."""
        headers = {"Accept": "application/json"}
        if content_type:
            headers["Content-Type"] = content_type
        if self.api_key:
            headers["Authorization"] = f"Bearer {self.api_key}"
        request = urllib.request.Request(self.url + route, data=body, headers=headers, method=method)
        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as answer:
                return answer.status, answer.read()
        except urllib.error.HTTPError as err:
            raise ClientError(f"{method} {self.url}{route}: {err.code} {_error_of(err.read())}", err.code) from None
        except (urllib.error.URLError, OSError) as err:
            reason = getattr(err, "reason", err)
            raise ClientError(f"{method} {self.url}{route}: cannot reach the server ({_one_line(str(reason))})") \
                from None


def _error_of(body: bytes) -> str:
    """The server's one-line ``error`` message of a refusal, or the start of the body."""
    text = body.decode("utf-8", "replace")
    try:
        return _one_line(str(json.loads(text)["error"]))
    except (ValueError, KeyError, TypeError):
        return _one_line(text, 200) or "(no message)"

"""The server's API key: where it comes from, when one is required, and the check on every request.

A key comes from ``--api-key-file FILE`` (its first non-empty line, stripped) or else from the
environment variable ``STEELDEFECT_API_KEY``. With a key, every route but the probes (/healthz,
/readyz) needs ``Authorization: Bearer KEY`` or ``X-API-Key: KEY``, compared in constant time; other
requests get 401 and a one-line ``{"error": ...}``. Without a key the server binds only a loopback
address unless the operator says ``--insecure``. Light: the stage checks all this before TensorFlow loads.
"""

from __future__ import annotations

import hashlib
import hmac
import ipaddress
import json
import os
import time
from collections.abc import Mapping
from pathlib import Path
from typing import Callable

from steeldefect.errors import SteelDefectError

API_KEY_ENV = "STEELDEFECT_API_KEY"  # the key when --api-key-file is not given
OPEN_PATHS = frozenset({"/healthz", "/readyz"})  # the probes: answered without a key
BEARER = b"bearer "  # the scheme of the Authorization header (case-insensitive)
KEY_HEADER = "X-API-Key"
LOOPBACK_NAMES = frozenset({"localhost"})  # besides the addresses ipaddress calls loopback (127.0.0.0/8, ::1)
HINT = f"send the header 'Authorization: Bearer KEY' or '{KEY_HEADER}: KEY'"


def read_api_key(path: str | os.PathLike) -> str:
    """The key in ``path``: its first non-empty line, stripped; SteelDefectError (one line) when there is none."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise SteelDefectError(f"--api-key-file {path}: no such file") from None
    except (OSError, UnicodeDecodeError) as err:
        raise SteelDefectError(f"--api-key-file {path}: cannot read it ({type(err).__name__})") from None
    key = next((line.strip() for line in text.splitlines() if line.strip()), "")
    if not key:
        raise SteelDefectError(f"--api-key-file {path}: the file is empty; put the key on its first line")
    return key


def api_key_of(key_file: str | os.PathLike | None, environ: Mapping[str, str]) -> str | None:
    """The server's key: ``key_file``'s when given, else ``environ[API_KEY_ENV]`` (stripped) when set, else None."""
    if key_file is not None:
        return read_api_key(key_file)
    return (environ.get(API_KEY_ENV) or "").strip() or None


def is_loopback(host: str) -> bool:
    """Whether binding ``host`` serves only this machine (127.0.0.1, ::1, localhost)."""
    host = host.strip().strip("[]").lower()
    if host in LOOPBACK_NAMES:
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:  # a host name other than localhost, or "" (every address)
        return False


def bind_problem(host: str, has_key: bool, insecure: bool) -> str | None:
    """Why serving on ``host`` is refused (one line), or None: a non-loopback address needs a key or ``--insecure``."""
    if has_key or insecure or is_loopback(host):
        return None
    return (f"--host {host or '(all addresses)'} is reachable from other machines and no API key is set: give "
            f"--api-key-file FILE (or set {API_KEY_ENV}), or --insecure to serve without a key")


def _digest(value: bytes) -> bytes:
    return hashlib.sha256(value).digest()  # equal lengths for compare_digest, so the key's length stays hidden


def presented_keys(headers: list[tuple[bytes, bytes]]) -> list[bytes]:
    """The keys a request presents: the Bearer token of ``Authorization`` and the ``X-API-Key`` value."""
    keys = []
    for name, value in headers:
        name = name.lower()
        if name == b"authorization" and value[:len(BEARER)].lower() == BEARER:
            keys.append(value[len(BEARER):].strip())
        elif name == KEY_HEADER.lower().encode():
            keys.append(value.strip())
    return keys


def key_matches(presented: list[bytes], key: str) -> bool:
    """Whether one of the ``presented`` keys is ``key``, each compared in constant time."""
    want = _digest(key.encode("utf-8"))
    return any([hmac.compare_digest(_digest(p), want) for p in presented])  # a list: every key is compared


class ApiKeyMiddleware:
    """ASGI middleware: requests to any path but ``open_paths`` without the key get 401 and one-line JSON.

    ``on_reject(path, seconds)`` is called for each refused request (the server counts them)."""

    def __init__(self, app, key: str, open_paths=OPEN_PATHS, on_reject: Callable[[str, float], None] | None = None):
        self.app, self.key, self.open_paths, self.on_reject = app, key, frozenset(open_paths), on_reject

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http" or scope["path"] in self.open_paths:
            return await self.app(scope, receive, send)
        start = time.perf_counter()
        presented = presented_keys(scope.get("headers") or [])
        if key_matches(presented, self.key):
            return await self.app(scope, receive, send)
        message = f"wrong API key; {HINT}" if presented else f"missing API key: {HINT}"
        body = json.dumps({"error": message}, ensure_ascii=False, separators=(",", ":")).encode()  # as JSONResponse
        await send({"type": "http.response.start", "status": 401,
                    "headers": [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode()),
                                (b"www-authenticate", b'Bearer realm="steeldefect"')]})
        await send({"type": "http.response.body", "body": body})
        if self.on_reject is not None:
            self.on_reject(scope["path"], time.perf_counter() - start)

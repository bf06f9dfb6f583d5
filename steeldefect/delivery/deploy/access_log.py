"""The server's access log: one JSON line per request, through the ``logging`` module (INFO; under the
CLI it goes to stderr with the other messages, ``serve --no-access-log`` turns it off)::

    {"time": "2026-12-04T09:30:00.123+00:00", "method": "POST", "route": "/v1/predict", "status": 200,
     "latency_ms": 41.2, "images": 1, "decisions": {"defect": 1, "clean": 3, "review": 0}}

``images`` and ``decisions`` (the class decisions of all the request's images) are what the handler
left in the request's state (``record_answer``); other routes log 0 and {}.
"""

from __future__ import annotations

import json
import logging
import time
from collections import Counter
from datetime import datetime, timezone

from steeldefect.delivery.deploy.server_metrics import DECISIONS

log = logging.getLogger(__name__)
IMAGES_KEY, DECISIONS_KEY = "steeldefect_images", "steeldefect_decisions"  # request.state keys


def decision_counts(results: list[dict]) -> dict[str, int]:
    """How many class entries of these image answers have each decision (every decision listed)."""
    counts = Counter(c["decision"] for r in results for c in r["classes"])
    return {d: counts.get(d, 0) for d in DECISIONS}


def record_answer(state, results: list[dict]) -> None:
    """Leave the images and their decisions of a request in its ``request.state`` for the access log."""
    setattr(state, IMAGES_KEY, len(results))
    setattr(state, DECISIONS_KEY, decision_counts(results))


def access_entry(method: str, route: str, status: int, seconds: float, state: dict) -> dict:
    """The access-log entry of one answered request."""
    return {"time": datetime.now(timezone.utc).isoformat(timespec="milliseconds"), "method": method,
            "route": route, "status": status, "latency_ms": round(seconds * 1000, 2),
            "images": state.get(IMAGES_KEY, 0), "decisions": state.get(DECISIONS_KEY, {})}


class AccessLogMiddleware:
    """ASGI middleware logging ``access_entry`` of every HTTP request once its answer has started."""

    def __init__(self, app, logger: logging.Logger = log):
        self.app, self.logger = app, logger

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        start, status = time.perf_counter(), [500]
        state = scope.setdefault("state", {})

        async def send_status(message):
            if message["type"] == "http.response.start":
                status[0] = message["status"]
            await send(message)

        try:
            await self.app(scope, receive, send_status)
        finally:
            entry = access_entry(scope.get("method", ""), scope["path"], status[0], time.perf_counter() - start, state)
            self.logger.info(json.dumps(entry))

"""Prometheus metrics of the server, in a registry of its own (one per app, so tests can start many)."""

from __future__ import annotations

from dataclasses import dataclass

LATENCY_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0)  # seconds
BATCH_BUCKETS = (1, 2, 4, 8, 16, 32)  # images per graph call


def _prometheus():
    """prometheus_client, imported when a server starts (it is a `serve` extra, not a core dependency)."""
    import prometheus_client  # heavy: prometheus_client (optional, serve only)

    return prometheus_client


@dataclass
class ServerMetrics:
    registry: object
    requests: object  # Counter{endpoint, status}
    errors: object  # Counter{endpoint, status}: 4xx and 5xx answers
    latency: object  # Histogram{endpoint}: seconds from request to answer
    batch_size: object  # Histogram: images per graph call

    def observe(self, endpoint: str, status: int, seconds: float) -> None:
        self.requests.labels(endpoint, str(status)).inc()
        if status >= 400:
            self.errors.labels(endpoint, str(status)).inc()
        self.latency.labels(endpoint).observe(seconds)

    def exposition(self) -> bytes:
        return _prometheus().generate_latest(self.registry)

    @property
    def content_type(self) -> str:
        """The media type of :meth:`exposition` (Prometheus' text format)."""
        return _prometheus().CONTENT_TYPE_LATEST


def server_metrics() -> ServerMetrics:
    prometheus = _prometheus()
    CollectorRegistry, Counter, Histogram = prometheus.CollectorRegistry, prometheus.Counter, prometheus.Histogram
    registry = CollectorRegistry()
    return ServerMetrics(
        registry,
        Counter("steeldefect_requests", "HTTP requests answered", ["endpoint", "status"], registry=registry),
        Counter("steeldefect_errors", "HTTP requests answered with 4xx or 5xx", ["endpoint", "status"],
                registry=registry),
        Histogram("steeldefect_request_latency_seconds", "time from request to answer", ["endpoint"],
                  buckets=LATENCY_BUCKETS, registry=registry),
        Histogram("steeldefect_batch_images", "images per graph call", buckets=BATCH_BUCKETS, registry=registry),
    )

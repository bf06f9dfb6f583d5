"""Prometheus metrics of the server, in a registry of its own (one per app, so tests can start many).

Besides requests, errors, latency and batch sizes: ``steeldefect_model_info{name, version}`` (1, the
export that answers), ``steeldefect_decisions_total{class, decision, version}`` (class entries of the
answered images by the class's name and decision: defect, clean or review) and the histogram
``steeldefect_gate_probability`` of the images' gate probabilities.
"""

from __future__ import annotations

from dataclasses import dataclass

from steeldefect.delivery.predictor.result import CLEAN, DEFECT, REVIEW

LATENCY_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0)  # seconds
BATCH_BUCKETS = (1, 2, 4, 8, 16, 32)  # images per graph call
GATE_BUCKETS = tuple(round(0.05 * i, 2) for i in range(1, 21))  # gate probability, in steps of 0.05
DECISIONS = (DEFECT, CLEAN, REVIEW)


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
    decisions: object  # Counter{class, decision, version}: class entries of the answered images
    gate: object  # Histogram: the gate probability of each answered image
    version: str = ""  # the model's version (identity.ModelIdentity), a label of ``decisions``

    def observe(self, endpoint: str, status: int, seconds: float) -> None:
        self.requests.labels(endpoint, str(status)).inc()
        if status >= 400:
            self.errors.labels(endpoint, str(status)).inc()
        self.latency.labels(endpoint).observe(seconds)

    def observe_answers(self, results: list[dict]) -> None:
        """Count the decisions and gate probabilities of answered images (the server's JSON of each)."""
        for result in results:
            for entry in result["classes"]:
                self.decisions.labels(entry["class_name"], entry["decision"], self.version).inc()
            if result["gate_probability"] is not None:
                self.gate.observe(result["gate_probability"])

    def exposition(self) -> bytes:
        return _prometheus().generate_latest(self.registry)

    @property
    def content_type(self) -> str:
        """The media type of :meth:`exposition` (Prometheus' text format)."""
        return _prometheus().CONTENT_TYPE_LATEST


def server_metrics(model_name: str = "", version: str = "", class_names: tuple[str, ...] = ()) -> ServerMetrics:
    """The metrics of a server of model ``model_name`` at ``version`` whose dataset has ``class_names``
    (their decision counters start at 0, so every series is there before the first image)."""
    prometheus = _prometheus()
    CollectorRegistry, Counter, Histogram = prometheus.CollectorRegistry, prometheus.Counter, prometheus.Histogram
    registry = CollectorRegistry()
    prometheus.Gauge("steeldefect_model_info", "the export that answers (1)", ["name", "version"],
                     registry=registry).labels(model_name, version).set(1)
    decisions = Counter("steeldefect_decisions", "class entries of answered images by class and decision",
                        ["class", "decision", "version"], registry=registry)
    for name in class_names:
        for decision in DECISIONS:
            decisions.labels(name, decision, version)
    return ServerMetrics(
        registry,
        Counter("steeldefect_requests", "HTTP requests answered", ["endpoint", "status"], registry=registry),
        Counter("steeldefect_errors", "HTTP requests answered with 4xx or 5xx", ["endpoint", "status"],
                registry=registry),
        Histogram("steeldefect_request_latency_seconds", "time from request to answer", ["endpoint"],
                  buckets=LATENCY_BUCKETS, registry=registry),
        Histogram("steeldefect_batch_images", "images per graph call", buckets=BATCH_BUCKETS, registry=registry),
        decisions,
        Histogram("steeldefect_gate_probability", "the gate's defect probability of answered images",
                  buckets=GATE_BUCKETS, registry=registry),
        version,
    )

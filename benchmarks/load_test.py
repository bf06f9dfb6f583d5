"""Load test of `steeldefect serve` on loopback: concurrent clients for a fixed time, malformed
requests mixed in, throughput, latency percentiles, 5xx count and the server's RSS before and after.

    python benchmarks/load_test.py --model EXPORT_DIR --images DIR [--clients 12] [--seconds 60]

Starts the server itself on a free 127.0.0.1 port, warms it up, records its RSS, then runs the
clients (threads with httpx) for ``--seconds``; every ``--bad-every``-th request of a client is
malformed (cycling: empty upload, bytes that are not an image, a missing field, an oversized image).
Stops by itself and stops the server. Prints a JSON object.
"""

from __future__ import annotations

import argparse
import json
import os
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import numpy as np

BAD_REQUESTS = ("empty", "not_an_image", "missing_field", "too_large")
RSS_EVERY_S = 10  # how often the server's RSS is sampled during the run


def rss_mib(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return round(int(line.split()[1]) / 1024, 1)
    return float("nan")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _bad(kind: str, big_png: bytes) -> dict:
    if kind == "empty":
        return {"files": {"image": ("e.jpg", b"", "image/jpeg")}}
    if kind == "not_an_image":
        return {"files": {"image": ("x.jpg", b"GIF? no, just text" * 10, "image/jpeg")}}
    if kind == "missing_field":
        return {"files": {"picture": ("x.jpg", b"abc", "image/jpeg")}}
    return {"files": {"image": ("big.png", big_png, "image/png")}}


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--model", required=True)
    p.add_argument("--images", required=True, help="folder of strip JPEGs to send")
    p.add_argument("--clients", type=int, default=12)
    p.add_argument("--seconds", type=float, default=60)
    p.add_argument("--bad-every", type=int, default=10)
    p.add_argument("--runtime", default="onnx")
    p.add_argument("--max-batch", type=int, default=4)
    p.add_argument("--out", default=None)
    args = p.parse_args()

    import cv2
    import httpx

    images = [f.read_bytes() for f in sorted(Path(args.images).glob("*.jpg"))[:50]]
    big_png = cv2.imencode(".png", np.zeros((5000, 10, 3), np.uint8))[1].tobytes()
    port = _free_port()
    server = subprocess.Popen([sys.executable, "-m", "steeldefect", "serve", "--model", args.model, "--port", str(port),
                               "--runtime", args.runtime, "--max-batch", str(args.max_batch)],
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                              env={**os.environ, "TF_CPP_MIN_LOG_LEVEL": "2"})
    url = f"http://127.0.0.1:{port}"
    try:
        with httpx.Client(base_url=url, timeout=30) as c:
            deadline = time.monotonic() + 300
            while True:
                try:
                    if c.get("/readyz").status_code == 200:
                        break
                except httpx.TransportError:
                    pass
                if time.monotonic() > deadline or server.poll() is not None:
                    raise SystemExit("the server did not become ready")
                time.sleep(0.5)
            for data in images[:8]:  # warm-up, then the baseline RSS
                c.post("/v1/predict", files={"image": ("w.jpg", data, "image/jpeg")})
        rss_before = rss_mib(server.pid)
        lock = threading.Lock()
        latencies, statuses, transport_errors = [], {}, [0]
        stop_at = time.monotonic() + args.seconds

        def client(k: int) -> None:
            n = 0
            with httpx.Client(base_url=url, timeout=60) as c:
                while time.monotonic() < stop_at:
                    n += 1
                    bad = n % args.bad_every == 0
                    kwargs = (_bad(BAD_REQUESTS[(n // args.bad_every + k) % len(BAD_REQUESTS)], big_png) if bad else
                              {"files": {"image": ("s.jpg", images[(n + k) % len(images)], "image/jpeg")}})
                    t = time.perf_counter()
                    try:
                        status = c.post("/v1/predict", **kwargs).status_code
                    except httpx.TransportError:
                        with lock:
                            transport_errors[0] += 1
                        continue
                    ms = (time.perf_counter() - t) * 1000
                    with lock:
                        statuses[status] = statuses.get(status, 0) + 1
                        if not bad:
                            latencies.append(ms)

        samples = []  # (seconds, RSS MiB) every RSS_EVERY_S: growth or a plateau after the first batches?

        def sample() -> None:
            while time.monotonic() < stop_at:
                samples.append((round(time.monotonic() - start, 1), rss_mib(server.pid)))
                time.sleep(RSS_EVERY_S)

        start = time.monotonic()
        threads = [threading.Thread(target=client, args=(k,)) for k in range(args.clients)]
        threads.append(threading.Thread(target=sample))
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        wall = time.monotonic() - start
        rss_after = rss_mib(server.pid)
        lat = np.array(latencies)
        good = int(sum(v for s, v in statuses.items() if s == 200))
        result = {
            "clients": args.clients, "seconds": round(wall, 1), "runtime": args.runtime, "max_batch": args.max_batch,
            "requests": int(sum(statuses.values())), "ok": good,
            "throughput_images_per_s": round(good / wall, 2),
            "latency_ms": {q: round(float(np.percentile(lat, int(q[1:]))), 1) for q in ("p50", "p95", "p99")}
            if len(lat) else None,
            "status_counts": {str(k): v for k, v in sorted(statuses.items())},
            "count_5xx": int(sum(v for s, v in statuses.items() if s >= 500)),
            "transport_errors": transport_errors[0],
            "server_rss_mib_before": rss_before, "server_rss_mib_after": rss_after, "server_rss_mib_during": samples,
            "machine": f"{os.cpu_count()} CPU cores, no GPU",
        }
    finally:
        server.terminate()
        server.wait(30)
    text = json.dumps(result, indent=1)
    print(text)
    if args.out:
        Path(args.out).write_text(text + "\n")


if __name__ == "__main__":
    main()

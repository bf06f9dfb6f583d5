"""Load and soak test of `steeldefect serve` on loopback: concurrent clients for a fixed time, malformed
requests mixed in, throughput, latency percentiles, 5xx count, the server's CPU per image and its RSS
over the run; optionally the server killed mid-load and started again.

    python benchmarks/load_test.py --model EXPORT_DIR --images DIR [--clients 8] [--seconds 60]
    python benchmarks/load_test.py --model EXPORT_DIR --images DIR --clients 8 --seconds 600 --bad-every 0  # soak
    python benchmarks/load_test.py ... --kill-at 20  # SIGKILL at 20 s, start again, check the answers

Starts the server itself on a free 127.0.0.1 port, waits for /readyz, takes the reference answers of
four images, records its RSS, then runs the clients (threads with httpx) for ``--seconds``; every
``--bad-every``-th request of a client is malformed (cycling: empty upload, bytes that are not an
image, a missing field, an oversized image; 0: none). RSS is sampled every ``--rss-every`` seconds.
With ``--kill-at S`` the server is killed (SIGKILL) S seconds in and started again on the same port;
requests that fail while it is down are counted apart (``down_errors``), and after the restart the
four reference images must get the same answers as before (``restart.same_answers``). Stops the
server and prints a JSON object.
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import numpy as np

BAD_REQUESTS = ("empty", "not_an_image", "missing_field", "too_large")
VOLATILE = ("latency_ms", "model_ms")  # answer fields that differ between calls


def rss_mib(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return round(int(line.split()[1]) / 1024, 1)
    return float("nan")


def cpu_seconds(pid: int) -> float:
    """user + system CPU seconds of a process so far (/proc/PID/stat)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


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


def _stable(answer: dict) -> dict:
    """An answer without its timings, for comparing answers."""
    return {k: v for k, v in answer.items() if k not in VOLATILE}


class Server:
    """`steeldefect serve` in a child process on ``port``; ``start`` waits until it is ready."""

    def __init__(self, args, port: int):
        self.command = [sys.executable, "-m", "steeldefect", "serve", "--model", args.model, "--port", str(port),
                        "--runtime", args.runtime, "--max-batch", str(args.max_batch), "--no-access-log",
                        *(["--threads", str(args.threads)] if args.threads else [])]
        self.url, self.process = f"http://127.0.0.1:{port}", None

    def start(self, httpx) -> float:
        """Start and wait for /readyz; the seconds it took."""
        t = time.monotonic()
        self.process = subprocess.Popen(self.command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                                        env={**os.environ, "TF_CPP_MIN_LOG_LEVEL": "2"})
        with httpx.Client(base_url=self.url, timeout=30) as c:
            while True:
                try:
                    if c.get("/readyz").status_code == 200:
                        return round(time.monotonic() - t, 1)
                except httpx.TransportError:
                    pass
                if time.monotonic() - t > 300 or self.process.poll() is not None:
                    raise SystemExit("the server did not become ready")
                time.sleep(0.2)

    def kill(self) -> None:
        self.process.send_signal(signal.SIGKILL)
        self.process.wait(30)

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            self.process.wait(30)


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--model", required=True)
    p.add_argument("--images", required=True, help="folder of strip JPEGs to send")
    p.add_argument("--clients", type=int, default=8)
    p.add_argument("--seconds", type=float, default=60)
    p.add_argument("--bad-every", type=int, default=10, help="every N-th request malformed (0: none)")
    p.add_argument("--runtime", default="onnx")
    p.add_argument("--max-batch", type=int, default=4)
    p.add_argument("--threads", type=int, default=None, help="serve --threads (default: the runtime's)")
    p.add_argument("--rss-every", type=float, default=10, help="seconds between RSS samples")
    p.add_argument("--kill-at", type=float, default=None, metavar="S", help="SIGKILL the server S seconds in, restart")
    p.add_argument("--out", default=None)
    args = p.parse_args()

    import cv2
    import httpx

    images = [f.read_bytes() for f in sorted(Path(args.images).glob("*.jpg"))[:50]]
    big_png = cv2.imencode(".png", np.zeros((5000, 10, 3), np.uint8))[1].tobytes()
    server = Server(args, _free_port())

    def answers() -> list[dict]:
        with httpx.Client(base_url=server.url, timeout=60) as c:
            return [_stable(c.post("/v1/predict", files={"image": ("r.jpg", data, "image/jpeg")}).json())
                    for data in images[:4]]

    try:
        ready_s = server.start(httpx)
        reference = answers()  # also the warm-up of the HTTP path
        pid = server.process.pid
        rss_before = rss_mib(pid)
        cpu_before, own_before = cpu_seconds(pid), sum(os.times()[:2])
        lock = threading.Lock()
        latencies, statuses, errors = [], {}, {"transport": 0, "down": 0}
        down = threading.Event()  # set while the server is killed and restarting
        stop_at = time.monotonic() + args.seconds

        def client(k: int) -> None:
            n = 0
            with httpx.Client(base_url=server.url, timeout=60) as c:
                while time.monotonic() < stop_at:
                    n += 1
                    bad = args.bad_every > 0 and n % args.bad_every == 0
                    kwargs = (_bad(BAD_REQUESTS[(n // args.bad_every + k) % len(BAD_REQUESTS)], big_png) if bad else
                              {"files": {"image": ("s.jpg", images[(n + k) % len(images)], "image/jpeg")}})
                    t = time.perf_counter()
                    try:
                        status = c.post("/v1/predict", **kwargs).status_code
                    except httpx.TransportError:
                        with lock:
                            errors["down" if down.is_set() else "transport"] += 1
                        time.sleep(0.05 if down.is_set() else 0)
                        continue
                    ms = (time.perf_counter() - t) * 1000
                    with lock:
                        if down.is_set() and status >= 500:
                            errors["down"] += 1
                            continue
                        statuses[status] = statuses.get(status, 0) + 1
                        if not bad:
                            latencies.append(ms)

        samples = []  # (seconds, RSS MiB): growth, or a plateau after the first batches?
        restart: dict = {}

        def sample() -> None:
            while time.monotonic() < stop_at:
                if not down.is_set():
                    samples.append((round(time.monotonic() - start, 1), rss_mib(server.process.pid)))
                time.sleep(args.rss_every)

        def kill_and_restart() -> None:
            time.sleep(args.kill_at)
            down.set()
            server.kill()
            restart["ready_s"] = server.start(httpx)
            down.clear()
            restart["same_answers"] = answers() == reference
            restart["pid_before_after"] = [pid, server.process.pid]

        start = time.monotonic()
        threads = [threading.Thread(target=client, args=(k,)) for k in range(args.clients)]
        threads.append(threading.Thread(target=sample))
        if args.kill_at is not None:
            threads.append(threading.Thread(target=kill_and_restart))
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        wall = time.monotonic() - start
        pid_end = server.process.pid
        rss_after = rss_mib(pid_end)
        server_cpu = cpu_seconds(pid_end) - (cpu_before if pid_end == pid else 0.0)
        client_cpu = sum(os.times()[:2]) - own_before
        lat = np.array(latencies)
        good = int(sum(v for s, v in statuses.items() if s == 200))
        result = {
            "clients": args.clients, "seconds": round(wall, 1), "runtime": args.runtime, "max_batch": args.max_batch,
            "threads": args.threads, "ready_s": ready_s, "requests": int(sum(statuses.values())), "ok": good,
            "throughput_images_per_s": round(good / wall, 2),
            "latency_ms": {q: round(float(np.percentile(lat, int(q[1:]))), 1) for q in ("p50", "p95", "p99")}
            if len(lat) else None,
            "status_counts": {str(k): v for k, v in sorted(statuses.items())},
            "count_5xx": int(sum(v for s, v in statuses.items() if s >= 500)),
            "transport_errors": errors["transport"],
            "cpu_ms_per_ok_image": None if pid_end != pid else {
                "server": round(server_cpu * 1000 / max(good, 1), 2),
                "clients": round(client_cpu * 1000 / max(good, 1), 2)},
            "server_rss_mib_before": rss_before, "server_rss_mib_after": rss_after, "server_rss_mib_during": samples,
            "machine": f"{os.cpu_count()} CPU cores, no GPU",
        }
        if args.kill_at is not None:
            result["restart"] = {**restart, "killed_at_s": args.kill_at, "down_errors": errors["down"]}
    finally:
        server.stop()
    text = json.dumps(result, indent=1)
    print(text)
    if args.out:
        Path(args.out).write_text(text + "\n")


if __name__ == "__main__":
    main()

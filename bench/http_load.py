"""A real gunicorn on 127.0.0.1 and bounded client loops against it (count and time capped)."""

from __future__ import annotations

import http.client
import os
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

from bench.context import ROOT, WORK_DIR, log

HOST = "127.0.0.1"
# The web process defaults from platform/gunicorn.conf.py, without the per-request access log.
WEB_WORKERS = 2
WEB_THREADS = 4
START_TIMEOUT_S = 60.0


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind((HOST, 0))
        return int(sock.getsockname()[1])


@contextmanager
def gunicorn() -> Iterator[int]:
    """Start gunicorn with the bench settings on a free local port; yield the port; stop it."""
    port = _free_port()
    WORK_DIR.mkdir(parents=True, exist_ok=True)
    logfile = (WORK_DIR / "gunicorn.log").open("w")
    env = dict(os.environ, DJANGO_SETTINGS_MODULE="bench.settings")
    cmd = [
        sys.executable,
        "-m",
        "gunicorn",
        "brandroom.wsgi:application",
        "--bind",
        f"{HOST}:{port}",
        "--workers",
        str(WEB_WORKERS),
        "--threads",
        str(WEB_THREADS),
        "--worker-class",
        "gthread",
        "--keep-alive",
        "5",
        "--log-level",
        "warning",
    ]
    proc = subprocess.Popen(cmd, cwd=ROOT, env=env, stdout=logfile, stderr=subprocess.STDOUT)
    try:
        _wait_until_up(port, proc)
        log(f"gunicorn up on {HOST}:{port} (pid {proc.pid})")
        yield port
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=5)
        logfile.close()


def _wait_until_up(port: int, proc: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + START_TIMEOUT_S
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"gunicorn exited with {proc.returncode}; see bench/.work/")
        try:
            conn = http.client.HTTPConnection(HOST, port, timeout=2)
            conn.request("GET", "/api/v1/me/")
            conn.getresponse().read()
            conn.close()
            return
        except OSError:
            time.sleep(0.2)
    raise RuntimeError(f"gunicorn did not answer within {START_TIMEOUT_S:.0f} s")


@dataclass
class LoadResult:
    latencies: list[float] = field(default_factory=list)
    errors: int = 0
    error_statuses: set[int] = field(default_factory=set)
    wall_s: float = 0.0
    stopped_by_time: bool = False

    @property
    def throughput(self) -> float:
        return len(self.latencies) / self.wall_s if self.wall_s else 0.0


def load(
    *,
    port: int,
    paths: list[str],
    headers: dict[str, str],
    clients: int,
    requests_per_client: int,
    seconds_cap: float,
) -> dict[str, LoadResult]:
    """``clients`` threads, each with its own keep-alive connection, request ``paths`` in turn
    until each has sent ``requests_per_client`` requests or ``seconds_cap`` has passed."""
    results = {p: LoadResult() for p in paths}
    lock = threading.Lock()
    start = threading.Barrier(clients + 1)
    deadline = [0.0]

    def client(offset: int) -> None:
        conn = http.client.HTTPConnection(HOST, port, timeout=30)
        mine: dict[str, list[float]] = {p: [] for p in paths}
        errors: dict[str, int] = dict.fromkeys(paths, 0)
        statuses: set[int] = set()
        start.wait()
        try:
            for i in range(requests_per_client):
                if time.monotonic() > deadline[0]:
                    with lock:
                        for p in paths:
                            results[p].stopped_by_time = True
                    break
                path = paths[(i + offset) % len(paths)]
                began = time.perf_counter()
                conn.request("GET", path, headers=headers)
                response = conn.getresponse()
                response.read()
                mine[path].append(time.perf_counter() - began)
                if response.status != 200:
                    errors[path] += 1
                    statuses.add(response.status)
        finally:
            conn.close()
            with lock:
                for p in paths:
                    results[p].latencies += mine[p]
                    results[p].errors += errors[p]
                    if errors[p]:
                        results[p].error_statuses |= statuses

    threads = [threading.Thread(target=client, args=(n,), daemon=True) for n in range(clients)]
    for thread in threads:
        thread.start()
    deadline[0] = time.monotonic() + seconds_cap
    began = time.perf_counter()
    start.wait()
    for thread in threads:
        thread.join(timeout=seconds_cap + 60)
    wall = time.perf_counter() - began
    for result in results.values():
        result.wall_s = wall
    return results

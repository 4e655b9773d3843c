"""Load through the real stack: a gunicorn server in a subprocess, an HTTP client on loopback.

The server runs ``cms_site.wsgi:application`` with the bench settings and the
bench database (it inherits ``DJANGO_SETTINGS_MODULE`` and ``DATABASE_URL``
from ``run.py``), with gunicorn's default sync workers. The client is a pool
of threads, each with its own ``http.client`` connection (sync workers close
a connection after each response; ``http.client`` opens the next one).
"""

import http.client
import os
import socket
import subprocess
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from pathlib import Path

from .measure import BenchError

ROOT = Path(__file__).resolve().parent.parent
HOST = "127.0.0.1"


def _free_port():
    with socket.socket() as sock:
        sock.bind((HOST, 0))
        return sock.getsockname()[1]


def _wait_until_listening(process, port, timeout=60):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise BenchError(f"gunicorn exited with status {process.returncode}")
        try:
            socket.create_connection((HOST, port), timeout=1).close()
            return
        except OSError:
            time.sleep(0.2)
    raise BenchError(f"gunicorn did not listen on {HOST}:{port} within {timeout} s")


@contextmanager
def serve(*, workers):
    """Serve the site with gunicorn on a free loopback port; yield the port."""
    port = _free_port()
    command = [
        sys.executable,
        "-m",
        "gunicorn",
        "cms_site.wsgi:application",
        f"--bind={HOST}:{port}",
        f"--workers={workers}",
        "--log-level=warning",
        "--no-control-socket",
    ]
    process = subprocess.Popen(command, cwd=ROOT, env=os.environ.copy())
    try:
        _wait_until_listening(process, port)
        yield port
    finally:
        process.terminate()
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def fetch(port, path, *, cookie=None):
    """One GET; the body as text. Raises ``BenchError`` unless the status is 200."""
    conn = http.client.HTTPConnection(HOST, port, timeout=30)
    try:
        conn.request("GET", path, headers=_headers(cookie))
        response = conn.getresponse()
        body = response.read().decode()
    finally:
        conn.close()
    if response.status != 200:
        raise BenchError(f"GET {path}: status {response.status}, not 200")
    return body


def _headers(cookie):
    headers = {"Host": f"{HOST}", "Accept-Language": "zh-hans"}
    if cookie:
        headers["Cookie"] = cookie
    return headers


def requests_per_second(port, path, *, seconds, concurrency, cookie=None):
    """GET ``path`` from ``concurrency`` connections for ``seconds``; completed requests/s."""
    headers = _headers(cookie)
    start = threading.Barrier(concurrency + 1)
    stop = threading.Event()

    def client():
        conn = http.client.HTTPConnection(HOST, port, timeout=30)
        done = 0
        start.wait()
        try:
            while not stop.is_set():
                conn.request("GET", path, headers=headers)
                response = conn.getresponse()
                response.read()
                if response.status != 200:
                    raise BenchError(f"GET {path}: status {response.status}, not 200")
                done += 1
        finally:
            conn.close()
        return done

    with ThreadPoolExecutor(max_workers=concurrency) as pool:
        futures = [pool.submit(client) for _ in range(concurrency)]
        start.wait()
        began = time.perf_counter()
        time.sleep(seconds)
        stop.set()
        done = sum(future.result() for future in futures)
        elapsed = time.perf_counter() - began
    return done / elapsed

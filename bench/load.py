"""Load through the real stack: a gunicorn server in a subprocess, an HTTP client on loopback.

The server runs ``cms_site.wsgi:application`` with the bench settings and the
bench database (it inherits ``DJANGO_SETTINGS_MODULE`` and ``DATABASE_URL``
from ``run.py``), with gunicorn's default sync workers; or, for the peer
comparison, another WSGI application in another environment (``python``,
``cwd``, ``env``). The client is a pool of threads, each with its own
``http.client`` connection (sync workers close a connection after each
response; ``http.client`` opens the next one).

Peak memory of the web process: ``Server.peak_worker_mb()`` reads ``VmHWM``
(the high-water mark of resident memory) of each gunicorn worker from
``/proc``. Gunicorn forks its workers before they import the application
(no ``--preload``), so the mark is the worker's own.
"""

import http.client
import itertools
import os
import re
import socket
import subprocess
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlencode, urlsplit

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


class Server:
    """A running gunicorn: its port, and the peak memory of its workers."""

    def __init__(self, process, port):
        self.process, self.port = process, port

    def worker_pids(self):
        pid = self.process.pid
        try:
            children = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
        except OSError:  # a kernel without the children file: look for the parent id
            children = [
                entry.name
                for entry in Path("/proc").iterdir()
                if entry.name.isdigit() and _parent_pid(entry) == pid
            ]
        return [int(child) for child in children]

    def peak_worker_mb(self):
        """The largest ``VmHWM`` of the workers, in MB (None if /proc does not say)."""
        peaks = [_vm_hwm_kb(pid) for pid in self.worker_pids()]
        peaks = [peak for peak in peaks if peak is not None]
        return max(peaks) / 1024 if peaks else None


def _parent_pid(entry):
    try:
        return int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1])
    except (OSError, IndexError, ValueError):
        return None


def _vm_hwm_kb(pid):
    try:
        status = Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return None
    match = re.search(r"^VmHWM:\s+(\d+) kB", status, re.M)
    return int(match.group(1)) if match else None


@contextmanager
def serve(*, workers, app="cms_site.wsgi:application", python=sys.executable, cwd=ROOT, env=None):
    """Serve ``app`` with gunicorn on a free loopback port; yield the ``Server``."""
    port = _free_port()
    command = [
        python,
        "-m",
        "gunicorn",
        app,
        f"--bind={HOST}:{port}",
        f"--workers={workers}",
        "--log-level=warning",
        "--no-control-socket",
    ]
    process = subprocess.Popen(command, cwd=cwd, env=env or os.environ.copy())
    try:
        _wait_until_listening(process, port)
        yield Server(process, port)
    finally:
        process.terminate()
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def fetch(port, path, *, cookie=None, timeout=180):
    """One GET; the body as text. Raises ``BenchError`` unless the status is 200.

    The first request to a new worker waits for it to import the site: on a busy
    machine that takes long, hence the generous ``timeout``.
    """
    conn = http.client.HTTPConnection(HOST, port, timeout=timeout)
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


def requests_per_second(port, path, *, seconds, concurrency, cookie=None, cookies=None):
    """GET ``path`` from ``concurrency`` connections for ``seconds``; completed requests/s.

    ``cookies`` (``Cookie`` header values) signs each request in as the next of
    them, round and round, so that consecutive requests are different people's.
    """
    signed_in_as = itertools.cycle(cookies or [cookie])
    lock = threading.Lock()
    start = threading.Barrier(concurrency + 1)
    stop = threading.Event()

    def next_headers():
        with lock:
            return _headers(next(signed_in_as))

    def client():
        conn = http.client.HTTPConnection(HOST, port, timeout=30)
        done = 0
        start.wait()
        try:
            while not stop.is_set():
                conn.request("GET", path, headers=next_headers())
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


@dataclass
class Step:
    """One request of a flow. ``path=None``: the previous answer's ``Location``."""

    method: str
    path: str | None
    status: int = 200
    form: dict | None = None  # sent as application/x-www-form-urlencoded


#: The CSRF secret the flows send as cookie and as form field (Django accepts the
#: unmasked 32-character secret as the token).
CSRF_SECRET = "benchcsrfsecret0123456789abcdefg"


def flows_per_second(port, steps, *, seconds, concurrency, cookies):
    """Run the flow ``steps`` from ``concurrency`` connections for ``seconds``; flows/s.

    Each flow signs in as the next of ``cookies`` (``Cookie`` header values, one per
    flow: an enrolment is done once per member; an iterator, which later calls go on
    reading), and the flow's requests follow one another on one connection. Raises
    ``BenchError`` if the cookies run out.
    """
    pool = iter(cookies)
    lock = threading.Lock()
    start = threading.Barrier(concurrency + 1)
    stop = threading.Event()

    def next_cookie():
        with lock:
            cookie = next(pool, None)
        if cookie is None:
            raise BenchError("a flow ran out of members to sign in as: give it more")
        return cookie

    def client():
        conn = http.client.HTTPConnection(HOST, port, timeout=30)
        done = 0
        start.wait()
        try:
            while not stop.is_set():
                run_flow(conn, steps, next_cookie())
                done += 1
        finally:
            conn.close()
        return done

    with ThreadPoolExecutor(max_workers=concurrency) as pool_:
        futures = [pool_.submit(client) for _ in range(concurrency)]
        start.wait()
        began = time.perf_counter()
        time.sleep(seconds)
        stop.set()
        done = sum(future.result() for future in futures)
        elapsed = time.perf_counter() - began
    return done / elapsed


def run_flow(conn, steps, cookie):
    """The requests of one flow on ``conn``; the last answer's body."""
    location = None
    cookie = f"{cookie}; csrftoken={CSRF_SECRET}"
    for step in steps:
        path = step.path or location
        headers = _headers(cookie)
        body = None
        if step.form is not None:
            body = urlencode({**step.form, "csrfmiddlewaretoken": CSRF_SECRET})
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        conn.request(step.method, path, body=body, headers=headers)
        response = conn.getresponse()
        text = response.read()
        if response.status != step.status:
            raise BenchError(f"{step.method} {path}: status {response.status}, not {step.status}")
        location = response.getheader("Location")
        if location:
            location = urlsplit(location)._replace(scheme="", netloc="").geturl()
    return text.decode()

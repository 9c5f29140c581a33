"""Through gunicorn on loopback: 2 gthread workers, measured with wrk.

wrk is a C load generator: one thread with keep-alive connections costs a small share
of a core, so it leaves the server nearly both cores (its own CPU time is measured and
reported). The Lua script in bench/wrk/ adds the session cookie, and for POSTs the form
with a fresh idempotency key per request.
"""

from __future__ import annotations

import http.cookiejar
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.parse
import urllib.request
from dataclasses import asdict, dataclass
from pathlib import Path

from bench.data import PASSWORD
from bench.endpoints import PERSONAS, Endpoint, Scene
from bench.settings import environ

ROOT = Path(__file__).resolve().parent.parent
WRK_SCRIPT = ROOT / "bench" / "wrk" / "rapport.lua"
CSRF_META = re.compile(r'<meta name="csrf-token" content="([^"]+)"')
CLOCK_TICKS = os.sysconf("SC_CLK_TCK")
# Signing in and wrk's requests carry the same browser name, as one browser's would:
# Flask-Login ties a session to it, and a session used by another client is marked not
# fresh, so every request would write the session cookie again.
USER_AGENT = "rapport-bench"


def wrk_missing() -> str | None:
    if shutil.which("wrk"):
        return None
    return "wrk is not installed: `sudo apt-get install wrk` (Debian/Ubuntu) or `brew install wrk`"


@dataclass
class Served:
    name: str
    path: str
    workers: int
    threads: int
    connections: int
    seconds: float
    requests: int
    rps: float
    p50_ms: float
    p95_ms: float
    p99_ms: float
    errors: int  # socket errors, timeouts and unexpected statuses
    server_cpu: float  # % of one core, all gunicorn processes
    worker_cpu: list[float]  # % of one core, each worker: far apart = connections not spread
    server_cpu_ms: float  # gunicorn CPU time per request: 2 cores / this = the ceiling in req/s
    client_cpu: float  # % of one core, wrk

    def as_dict(self) -> dict:
        return asdict(self)


class Server:
    """gunicorn wsgi:app on a free loopback port, with the benchmark's settings."""

    def __init__(self, url: str, workers: int, threads: int):
        self.url, self.workers, self.threads = url, workers, threads
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            self.port = probe.getsockname()[1]
        self.base = f"http://127.0.0.1:{self.port}"
        self.log = Path(tempfile.mkstemp(prefix="rapport-bench-gunicorn-", suffix=".log")[1])

    def __enter__(self) -> Server:
        gunicorn = Path(sys.executable).with_name("gunicorn")
        self.process = subprocess.Popen(  # noqa: S603 - our own venv's gunicorn
            [str(gunicorn), "wsgi:app", "--bind", f"127.0.0.1:{self.port}",
             "--workers", str(self.workers), "--worker-class", "gthread",
             "--threads", str(self.threads), "--keep-alive", "10",
             "--error-logfile", str(self.log), "--log-level", "warning"],
            cwd=ROOT, env=environ(self.url), stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                sys.exit(f"gunicorn stopped at start-up; see {self.log}")
            try:
                with urllib.request.urlopen(f"{self.base}/login", timeout=5):  # noqa: S310
                    return self
            except OSError:  # refused, or accepted before a worker was ready
                time.sleep(0.3)
        self.__exit__()
        sys.exit(f"gunicorn did not answer within a minute; see {self.log}")

    def __exit__(self, *_exc) -> None:
        self.process.send_signal(signal.SIGTERM)
        try:
            self.process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()

    def cpu_seconds(self) -> dict[int, float]:
        """User + system time so far of the master and of each worker, by process id."""
        seconds = {}
        for pid in [self.process.pid, *_children(self.process.pid)]:
            try:
                fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            seconds[pid] = (int(fields[11]) + int(fields[12])) / CLOCK_TICKS  # utime, stime
        return seconds

    def sign_in(self, email: str) -> tuple[str, str]:
        """A session cookie header for `email` and its CSRF token."""
        jar = http.cookiejar.CookieJar()
        opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
        opener.addheaders = [("User-Agent", USER_AGENT)]
        page = opener.open(f"{self.base}/login").read().decode()
        form = {"email": email, "password": PASSWORD,
                "csrf_token": CSRF_META.search(page).group(1)}
        opener.open(f"{self.base}/login", urllib.parse.urlencode(form).encode()).read()
        page = opener.open(f"{self.base}/requests/new").read().decode()
        cookie = "; ".join(f"{c.name}={c.value}" for c in jar)
        return cookie, CSRF_META.search(page).group(1)


def _children(pid: int) -> list[int]:
    found = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == pid:
            found.append(int(stat.parent.name))
    return found


def load(server: Server, endpoint: Endpoint, scene: Scene, *, seconds: float,
         connections: int, warmup: float = 2.0) -> Served:
    """wrk against one endpoint: a short untimed warm-up, then the measured run."""
    email = PERSONAS[endpoint.who]
    if email is None:
        sys.exit(f"{endpoint.name}: only signed-in endpoints are served through wrk")
    cookie, csrf = server.sign_in(email)
    env = {**os.environ, "WRK_METHOD": endpoint.method, "WRK_PATH": endpoint.url(scene, 0),
           "WRK_COOKIE": cookie, "WRK_USER_AGENT": USER_AGENT,
           "WRK_EXPECT": str(endpoint.status),
           "WRK_NONCE": str(int(time.time()) % 2**31)}
    if endpoint.form is not None:
        form = {k: v for k, v in endpoint.form(scene, 0).items() if k != "idempotency_key"}
        env["WRK_BODY"] = urllib.parse.urlencode({**form, "csrf_token": csrf})
    _wrk(server, env, seconds=warmup, connections=connections)
    cpu_before, started = server.cpu_seconds(), time.perf_counter()
    report, client_cpu = _wrk(server, env, seconds=seconds, connections=connections)
    wall = time.perf_counter() - started
    cpu_after = server.cpu_seconds()
    used = {pid: cpu_after[pid] - cpu_before.get(pid, 0.0) for pid in cpu_after}
    server_cpu = sum(used.values())
    workers = [used[pid] for pid in cpu_after if pid != server.process.pid]
    errors = (report["connect_errors"] + report["read_errors"] + report["write_errors"]
              + report["timeouts"] + report["unexpected_status"])
    duration = report["duration_us"] / 1e6
    return Served(
        name=endpoint.name, path=endpoint.shown_path, workers=server.workers,
        threads=server.threads, connections=connections, seconds=round(duration, 1),
        requests=report["requests"], rps=round(report["requests"] / duration, 1),
        p50_ms=report["p50_us"] / 1000, p95_ms=report["p95_us"] / 1000,
        p99_ms=report["p99_us"] / 1000, errors=errors,
        server_cpu=round(100 * server_cpu / wall),
        worker_cpu=sorted((round(100 * cpu / wall) for cpu in workers), reverse=True),
        server_cpu_ms=round(1000 * server_cpu / max(report["requests"], 1), 2),
        client_cpu=round(100 * client_cpu / wall),
    )


def _wrk(server: Server, env: dict, *, seconds: float, connections: int) -> tuple[dict, float]:
    """Run wrk once; returns its JSON report and the CPU seconds it used."""
    with tempfile.NamedTemporaryFile(prefix="rapport-wrk-", suffix=".json") as report:
        process = subprocess.Popen(  # noqa: S603 - wrk from PATH, fixed arguments
            [shutil.which("wrk") or "wrk", "--threads", "1", "--connections", str(connections),
             "--duration", f"{seconds:g}s", "--timeout", "10s", "--script", str(WRK_SCRIPT),
             server.base],
            env={**env, "WRK_REPORT": report.name}, stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
        )
        _pid, status, usage = os.wait4(process.pid, 0)
        process.returncode = os.waitstatus_to_exitcode(status)
        if process.returncode != 0:
            sys.exit(f"wrk failed: {process.stderr.read().decode()}")
        data = json.loads(Path(report.name).read_text() or "{}")
    return data, usage.ru_utime + usage.ru_stime

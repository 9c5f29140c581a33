"""The real thing under test: gunicorn on a loopback port, a throwaway PostgreSQL
cluster, a database built by the real migrations, and HTTP clients that sign in."""

from __future__ import annotations

import contextlib
import functools
import os
import re
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import pytest
from flask_migrate import upgrade
from sqlalchemy import create_engine, text

from tests.factories import Factory
from tracker import ROOT, create_app
from tracker.config import TestConfig
from tracker.extensions import db
from tracker.service_requests.catalog import seed_categories
from tracker.service_requests.sla import seed_sla_defaults

REQUIRED = os.environ.get("RAPPORT_REQUIRE_RELIABILITY", "") == "1"
GUNICORN = Path(sys.executable).with_name("gunicorn")
CSRF_META = re.compile(r'<meta name="csrf-token" content="([^"]+)"')
HIDDEN = r'name="{name}"[^>]*value="([^"]*)"'
SECRET_KEY = "reliability-tests-only-" + "0" * 32
# Lines that must never appear in a server log, whatever the test did to the database.
# (A worker that died or was killed is replaced, which the count of "Booting worker" shows.)
NEVER_IN_LOG = ("Traceback", "WORKER TIMEOUT", "database is locked")


def unavailable(reason: str):
    """Skip with the reason, or fail where the reliability tests are required (CI)."""
    if REQUIRED:
        pytest.fail(f"{reason} (RAPPORT_REQUIRE_RELIABILITY=1)")
    pytest.skip(reason)


def free_port() -> int:
    """A loopback port nobody listens on right now, chosen by the kernel."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def hidden_value(html: str, name: str) -> str:
    match = re.search(HIDDEN.format(name=re.escape(name)), html)
    assert match, f"no hidden field {name!r} on the page"
    return match.group(1)


# --- PostgreSQL -------------------------------------------------------------------------


def postgres_bin() -> Path | None:
    """The newest PostgreSQL server binaries on this machine (Debian's layout)."""
    candidates = sorted(
        Path("/usr/lib/postgresql").glob("*/bin/initdb"),
        key=lambda p: int(p.parent.parent.name) if p.parent.parent.name.isdigit() else 0,
    )
    if candidates:
        return candidates[-1].parent
    found = shutil.which("initdb")
    return Path(found).parent if found else None


class PostgresCluster:
    """A private PostgreSQL server in a temporary directory, on a free loopback port.

    Only this cluster is ever stopped or restarted by the tests; the shared server
    on port 5432 is never touched.
    """

    def __init__(self, bin_dir: Path) -> None:
        self.bin_dir = bin_dir
        self.base = Path(tempfile.mkdtemp(prefix="rapport-pg-"))
        self.data = self.base / "data"
        self.log = self.base / "postgres.log"
        self.port = free_port()
        self._as_postgres = os.geteuid() == 0  # initdb refuses to run as root

    def _run(self, *args: str, timeout: float = 120) -> subprocess.CompletedProcess:
        command = [str(self.bin_dir / args[0]), *args[1:]]
        if self._as_postgres:
            command = ["runuser", "-u", "postgres", "--", *command]
        return subprocess.run(  # noqa: S603 - fixed binaries, arguments built here
            command, capture_output=True, text=True, timeout=timeout, check=True
        )

    def init(self) -> None:
        if self._as_postgres:
            shutil.chown(self.base, "postgres", "postgres")
        self._run(
            "initdb", "-D", str(self.data), "-U", "postgres", "--auth=trust",
            "--no-sync", "--no-locale", "-E", "UTF8",
        )

    def start(self) -> None:
        options = " ".join(
            [
                f"-c port={self.port}",
                "-c listen_addresses=127.0.0.1",
                f"-c unix_socket_directories={self.base}",
                "-c max_connections=100",
                # A throwaway cluster: durability on disk is not what is being tested.
                "-c fsync=off",
                "-c synchronous_commit=off",
                "-c full_page_writes=off",
            ]
        )
        self._run("pg_ctl", "-D", str(self.data), "-l", str(self.log), "-o", options,
                  "-w", "-t", "60", "start")

    def stop(self, mode: str = "fast") -> None:
        self._run("pg_ctl", "-D", str(self.data), "-m", mode, "-w", "-t", "60", "stop")

    def url(self, database: str = "postgres") -> str:
        return f"postgresql+psycopg://postgres@127.0.0.1:{self.port}/{database}"

    def create_database(self, name: str) -> str:
        engine = create_engine(self.url(), isolation_level="AUTOCOMMIT")
        try:
            with engine.connect() as conn:
                conn.execute(text(f'DROP DATABASE IF EXISTS "{name}"'))
                conn.execute(text(f'CREATE DATABASE "{name}"'))
        finally:
            engine.dispose()
        return self.url(name)

    def destroy(self) -> None:
        with contextlib.suppress(subprocess.SubprocessError):  # already stopped
            self.stop("immediate")
        shutil.rmtree(self.base, ignore_errors=True)


# --- The database the server runs on ---------------------------------------------------


@dataclass
class Seed:
    """Who exists in a freshly prepared database."""

    url: str
    requesters: list[str]
    agents: list[str]
    password: str = Factory.PASSWORD
    references: list[str] = field(default_factory=list)


def prepare_database(url: str, *, requesters: int, agents: int, requests: int = 0) -> Seed:
    """Build the schema with the real migrations, then add people (and requests)."""
    instance = tempfile.mkdtemp(prefix="rapport-instance-")
    app = create_app(TestConfig(instance, url))
    try:
        with app.app_context():
            upgrade()
            seed_categories()
            seed_sla_defaults()
            db.session.commit()
            db.session.remove()
        make = Factory(app)
        seed = Seed(
            url=url,
            requesters=[make.requester().email for _ in range(requesters)],
            agents=[make.agent().email for _ in range(agents)],
        )
        if requests:
            owner = make.requester()
            seed.references = [
                make.request(owner, title=f"Seeded {n}").reference for n in range(requests)
            ]
        return seed
    finally:
        with app.app_context():
            db.engine.dispose()
        shutil.rmtree(instance, ignore_errors=True)


def query(url: str, sql: str, **params):
    """Rows from the database the server runs on, read from outside the app."""
    engine = create_engine(url)
    try:
        with engine.connect() as conn:
            return conn.execute(text(sql), params).all()
    finally:
        engine.dispose()


# A stored request without its "created" event would be half-written.
HALF_WRITTEN_SQL = """
    SELECT count(*) FROM service_requests sr
    WHERE NOT EXISTS (
        SELECT 1 FROM request_events e WHERE e.request_id = sr.id AND e.kind = 'created'
    )
"""


# --- gunicorn ----------------------------------------------------------------------------


@functools.cache
def _no_control_socket() -> list[str]:
    """Newer gunicorns open a control socket at one fixed path per user; several test
    servers (and anyone else's) would fight over it, so switch it off where it exists."""
    help_text = subprocess.run(  # noqa: S603 - the project's own gunicorn
        [str(GUNICORN), "--help"], capture_output=True, text=True, check=False
    ).stdout
    return ["--no-control-socket"] if "--no-control-socket" in help_text else []


class Server:
    """gunicorn serving wsgi:app with 2 workers and threads, as in production."""

    def __init__(self, database_url: str, log_dir: Path, *, threads: int = 4, **env: str):
        self.port = free_port()
        self.base_url = f"http://127.0.0.1:{self.port}"
        self.log_path = log_dir / f"gunicorn-{self.port}.log"
        self.workers = 2
        self.env = {
            key: value
            for key, value in os.environ.items()
            if not key.startswith(("RAPPORT_", "SENTRY_", "RATELIMIT_")) and key != "DATABASE_URL"
        }
        self.env.update(
            DATABASE_URL=database_url,
            SECRET_KEY=SECRET_KEY,
            RAPPORT_ENV="production",
            RAPPORT_SECURE_COOKIES="0",
            PYTHONUNBUFFERED="1",
            **env,
        )
        self.command = [
            str(GUNICORN), "--workers", str(self.workers), "--threads", str(threads),
            "--bind", f"127.0.0.1:{self.port}", "--graceful-timeout", "20",
            "--log-level", "info", *_no_control_socket(), "wsgi:app",
        ]
        self.process: subprocess.Popen | None = None

    def start(self, timeout: float = 90, healthy: bool = True) -> Server:
        """Start and wait until /healthz answers (200, or any answer when not `healthy`)."""
        log = self.log_path.open("w")
        self.process = subprocess.Popen(  # noqa: S603 - the project's own gunicorn
            self.command, cwd=ROOT, env=self.env, stdout=log, stderr=subprocess.STDOUT,
        )
        log.close()
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise AssertionError(f"gunicorn exited at start:\n{self.log()}")
            try:
                status = httpx.get(self.base_url + "/healthz", timeout=5).status_code
                if (status == 200 or not healthy) and len(self.worker_pids()) == self.workers:
                    return self
            except httpx.TransportError:
                pass
            time.sleep(0.2)
        self.stop()
        raise AssertionError(f"gunicorn did not answer /healthz in {timeout} s:\n{self.log()}")

    def worker_pids(self) -> set[int]:
        """The worker processes the gunicorn master has right now."""
        assert self.process is not None
        children: set[int] = set()
        for task in Path(f"/proc/{self.process.pid}/task").glob("*"):
            try:
                children |= {int(p) for p in (task / "children").read_text().split()}
            except OSError:
                continue
        return children

    def stop(self) -> None:
        if self.process is None or self.process.poll() is not None:
            return
        self.process.send_signal(signal.SIGTERM)
        try:
            self.process.wait(timeout=40)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait(timeout=10)

    def log(self) -> str:
        return self.log_path.read_text(errors="replace") if self.log_path.exists() else ""

    def assert_clean_log(self, allowed: tuple[str, ...] = ()) -> None:
        """No tracebacks, locks, time-outs or worker restarts in the server's log."""
        log = self.log()
        for line in log.splitlines():
            for bad in NEVER_IN_LOG:
                if bad in line and not any(ok in line for ok in allowed):
                    raise AssertionError(f"{bad!r} in the server log:\n{log[-6000:]}")
        booted = log.count("Booting worker")
        assert booted == self.workers, f"{booted} workers booted (restarts?):\n{log[-6000:]}"


# --- People at their browsers -------------------------------------------------------------


class Browser:
    """One person's browser: cookies, the CSRF token from the page, forms posted."""

    def __init__(self, base_url: str, timeout: float = 90) -> None:
        self.http = httpx.Client(base_url=base_url, follow_redirects=False, timeout=timeout)
        self.token = ""

    def close(self) -> None:
        self.http.close()

    def __enter__(self) -> Browser:
        return self

    def __exit__(self, *_exc) -> None:
        self.close()

    def _take_token(self, html: str) -> None:
        match = CSRF_META.search(html)
        assert match, "no CSRF meta tag on the page"
        self.token = match.group(1)

    def sign_in(self, email: str, password: str) -> None:
        self._take_token(self.get("/login").text)
        response = self.http.post(
            "/login", data={"email": email, "password": password, "csrf_token": self.token}
        )
        assert response.status_code == 302, (response.status_code, response.text[:500])
        # Signing in starts a new session, and with it a new CSRF token.
        self._take_token(self.get("/").text)

    def get(self, path: str) -> httpx.Response:
        response = self.http.get(path)
        assert response.status_code == 200, (path, response.status_code, response.text[:500])
        return response

    def post(self, path: str, data: dict, *, htmx: bool = False) -> httpx.Response:
        if htmx:
            headers = {"HX-Request": "true", "X-CSRFToken": self.token}
            return self.http.post(path, data=data, headers=headers)
        return self.http.post(path, data={**data, "csrf_token": self.token})


# --- Figures ---------------------------------------------------------------------------------


def percentiles(seconds: list[float]) -> dict[str, float]:
    """p50 and p95 in milliseconds."""
    if len(seconds) < 2:
        only = seconds[0] * 1000 if seconds else 0.0
        return {"p50_ms": only, "p95_ms": only}
    cuts = statistics.quantiles(seconds, n=100, method="inclusive")
    return {"p50_ms": round(cuts[49] * 1000, 1), "p95_ms": round(cuts[94] * 1000, 1)}


def report(record_property, capsys, title: str, figures: dict) -> None:
    """Put the figures in the test report (junit properties) and on the terminal."""
    for key, value in figures.items():
        record_property(key, value)
    line = f"{title}: " + ", ".join(f"{key}={value}" for key, value in figures.items())
    with capsys.disabled():
        print(f"\n[reliability] {line}")

"""In-process measurement with the Flask test client: latency, SQL statements, rendering."""

from __future__ import annotations

import gc
import re
import statistics
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass

from flask import Flask, before_render_template, template_rendered
from jinja2_fragments.flask import before_render_template_block, template_block_rendered
from sqlalchemy import event

from bench.data import PASSWORD
from tracker.extensions import db

CSRF_META = re.compile(r'<meta name="csrf-token" content="([^"]+)"')
IGNORED_STATEMENTS = ("BEGIN", "SAVEPOINT", "RELEASE", "ROLLBACK", "COMMIT")


def percentile(values: list[float], pct: float) -> float:
    """Nearest-rank percentile."""
    ordered = sorted(values)
    if not ordered:
        return float("nan")
    rank = max(1, min(len(ordered), round(pct / 100 * len(ordered) + 0.4999)))
    return ordered[rank - 1]


class Probe:
    """Counts and times SQL statements (transaction control aside) and template rendering."""

    def __init__(self, app: Flask):
        self.app = app
        with app.app_context():
            self.engine = db.engine
        self.statements: list[tuple[str, float]] = []
        self.render_seconds = 0.0
        self._sql_started: float | None = None
        self._render_started: float | None = None

    def _before_sql(self, _conn, _cursor, statement, _params, _context, _many):
        if statement.lstrip().upper().startswith(IGNORED_STATEMENTS):
            self._sql_started = None
            return
        self._sql_started = time.perf_counter()
        self.statements.append((statement, 0.0))

    def _after_sql(self, *_args):
        if self._sql_started is not None:
            statement, _ = self.statements[-1]
            self.statements[-1] = (statement, time.perf_counter() - self._sql_started)
            self._sql_started = None

    def _before_render(self, _sender, **_kwargs):
        self._render_started = time.perf_counter()

    def _after_render(self, _sender, **_kwargs):
        if self._render_started is not None:
            self.render_seconds += time.perf_counter() - self._render_started
            self._render_started = None

    def __enter__(self):
        event.listen(self.engine, "before_cursor_execute", self._before_sql)
        event.listen(self.engine, "after_cursor_execute", self._after_sql)
        for begin, end in ((before_render_template, template_rendered),
                           (before_render_template_block, template_block_rendered)):
            begin.connect(self._before_render, self.app)
            end.connect(self._after_render, self.app)
        return self

    def __exit__(self, *_exc):
        event.remove(self.engine, "before_cursor_execute", self._before_sql)
        event.remove(self.engine, "after_cursor_execute", self._after_sql)
        for begin, end in ((before_render_template, template_rendered),
                           (before_render_template_block, template_block_rendered)):
            begin.disconnect(self._before_render, self.app)
            end.disconnect(self._after_render, self.app)

    def take(self) -> tuple[list[tuple[str, float]], float]:
        taken = self.statements, self.render_seconds
        self.statements, self.render_seconds = [], 0.0
        return taken


class Session:
    """A test client signed in as someone (or nobody), with its CSRF token."""

    def __init__(self, app: Flask, email: str | None):
        self.client = app.test_client()
        self.email = email
        page = self.client.get("/login")
        self.csrf = CSRF_META.search(page.get_data(as_text=True)).group(1)
        if email is None:
            return
        response = self.client.post(
            "/login", data={"email": email, "password": PASSWORD, "csrf_token": self.csrf}
        )
        if response.status_code != 302:
            sys.exit(f"signing in as {email} failed with {response.status_code}")
        page = self.client.get("/")
        self.csrf = CSRF_META.search(page.get_data(as_text=True)).group(1)


@dataclass
class Result:
    name: str
    path: str
    runs: list[float]  # ms, wall clock
    cpu: list[float]  # ms of this process's CPU time (less sensitive to a busy machine)
    queries: list[int]
    sql: list[float]  # ms inside cursor.execute
    render: list[float]  # ms in Jinja
    slowest: list[tuple[str, float]]  # (statement start, median ms), slowest first

    @property
    def p50(self) -> float:
        return percentile(self.runs, 50)

    @property
    def p95(self) -> float:
        return percentile(self.runs, 95)

    @property
    def query_counts(self) -> list[int]:
        return sorted(set(self.queries))

    def as_dict(self) -> dict:
        return {
            "name": self.name, "path": self.path,
            "p50_ms": round(self.p50, 2), "p95_ms": round(self.p95, 2),
            "mean_ms": round(statistics.fmean(self.runs), 2),
            "max_ms": round(max(self.runs), 2), "queries": self.query_counts,
            "cpu_p50_ms": round(percentile(self.cpu, 50), 2),
            "cpu_p95_ms": round(percentile(self.cpu, 95), 2),
            "sql_execute_p50_ms": round(percentile(self.sql, 50), 2),
            "render_p50_ms": round(percentile(self.render, 50), 2),
            "slowest_statements": [{"sql": s, "p50_ms": round(ms, 3)} for s, ms in self.slowest],
            "runs_ms": [round(r, 3) for r in self.runs],
        }


def measure(name: str, path: str, call: Callable[[int], object], expected: int,
            probe: Probe, warmup: int, runs: int) -> Result:
    """Warm up, then time `call(i)` runs, counting and timing the statements in each."""
    for i in range(warmup):
        response = call(i)
        if response.status_code != expected:
            sys.exit(f"{name}: {path} answered {response.status_code} during warm-up, "
                     f"not {expected}")
    times, cpu, queries, sql, render = [], [], [], [], []
    per_statement: dict[str, list[float]] = {}
    gc.collect()
    with probe:
        for i in range(warmup, warmup + runs):
            probe.take()
            started, cpu_started = time.perf_counter(), time.process_time()
            response = call(i)
            elapsed = (time.perf_counter() - started) * 1000
            cpu.append((time.process_time() - cpu_started) * 1000)
            statements, render_seconds = probe.take()
            if response.status_code != expected:
                sys.exit(f"{name}: {path} answered {response.status_code}, not {expected}")
            times.append(elapsed)
            queries.append(len(statements))
            sql.append(sum(s for _, s in statements) * 1000)
            render.append(render_seconds * 1000)
            for index, (statement, seconds) in enumerate(statements):
                key = f"#{index + 1} " + " ".join(statement.split())[:90]
                per_statement.setdefault(key, []).append(seconds * 1000)
    slowest = sorted(((k, percentile(v, 50)) for k, v in per_statement.items()),
                     key=lambda item: item[1], reverse=True)[:3]
    return Result(name, path, times, cpu, queries, sql, render, slowest)

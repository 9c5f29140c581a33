"""`--explain NAME`: every statement one request of a row runs, with its query plan."""

from __future__ import annotations

import statistics
import time

from flask import Flask
from sqlalchemy import event

from bench.measure import IGNORED_STATEMENTS
from tracker.extensions import db


def capture(app: Flask, call) -> list[tuple[str, object]]:
    """The statements (and parameters) one call runs."""
    with app.app_context():
        engine = db.engine
    seen: list[tuple[str, object]] = []

    def on_execute(_conn, _cursor, statement, parameters, _context, _many):
        if not statement.lstrip().upper().startswith(IGNORED_STATEMENTS):
            seen.append((statement, parameters))

    event.listen(engine, "before_cursor_execute", on_execute)
    try:
        call()
    finally:
        event.remove(engine, "before_cursor_execute", on_execute)
    return seen


def explain(app: Flask, statements: list[tuple[str, object]], replays: int = 5) -> str:
    """Each SELECT's plan and its replayed median time (writes are shown, not replayed)."""
    out = []
    with app.app_context(), db.engine.connect() as conn:
        sqlite = db.engine.dialect.name == "sqlite"
        for index, (statement, parameters) in enumerate(statements, start=1):
            out.append(f"### #{index}\n```sql\n{statement.strip()}\n```\nparameters: {parameters}")
            if not statement.lstrip().upper().startswith(("SELECT", "WITH")):
                continue
            prefix = "EXPLAIN QUERY PLAN " if sqlite else "EXPLAIN "
            rows = conn.exec_driver_sql(prefix + statement, parameters).all()
            if sqlite:
                depth: dict[int, int] = {0: -1}
                plan = []
                for node, parent, _unused, detail in rows:
                    depth[node] = depth.get(parent, -1) + 1
                    plan.append("  " * depth[node] + detail)
            else:
                plan = [row[0] for row in rows]
            timings = []
            for _ in range(replays):
                started = time.perf_counter()
                conn.exec_driver_sql(statement, parameters).all()
                timings.append((time.perf_counter() - started) * 1000)
            out.append("```\n" + "\n".join(plan) + f"\n```\nreplayed: "
                       f"{statistics.median(timings):.2f} ms (median of {replays}, rows fetched)")
        conn.rollback()
    return "\n".join(out)

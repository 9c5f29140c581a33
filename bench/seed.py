"""Building benchmark databases, and keeping the SQLite ones between runs.

A built SQLite database is cached in bench/.cache/ under a name that carries the number
of requests and a fingerprint of the migrations and the generators, so a schema change
rebuilds it. Open requests' SLA clocks and survey links are placed relative to the build
time, so a cached file older than a day is rebuilt too. Every run measures a fresh copy:
the measured actions (filing, assigning, answering) change the data.
"""

from __future__ import annotations

import hashlib
import json
import random
import re
import shutil
import sqlite3
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from flask_migrate import upgrade
from sqlalchemy import Integer, create_engine, text
from sqlalchemy.engine import make_url

from bench.data import PASSWORD
from bench.seed_extras import insert_feedback, insert_pulses, insert_tools, insert_touchpoints
from bench.seed_org import insert_org
from bench.seed_requests import insert_requests
from bench.settings import make_app
from tracker.auth.passwords import hash_password
from tracker.extensions import db

ROOT = Path(__file__).resolve().parent.parent
CACHE_DIR = ROOT / "bench" / ".cache"
MAX_AGE = timedelta(hours=24)
BATCH = 5000
FINGERPRINTED = ("migrations/versions/*.py", "bench/data.py", "bench/seed*.py")
BENCH_DATABASE = re.compile(r"(bench_[a-z0-9_]+|t_bench)")


def progress(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def fingerprint(seed: int) -> str:
    """Changes whenever the schema or the data the generators make could change."""
    digest = hashlib.sha256(str(seed).encode())
    for pattern in FINGERPRINTED:
        for path in sorted(ROOT.glob(pattern)):
            digest.update(path.name.encode())
            digest.update(path.read_bytes())
    return digest.hexdigest()[:12]


def build(url: str, n: int, seed: int) -> dict:
    """Migrate an empty database at `url` and fill it; returns what was made."""
    started = time.perf_counter()
    now = datetime.now(UTC)
    app = make_app(url)
    with app.app_context():
        progress(f"migrating {make_url(url).render_as_string(hide_password=True)}")
        upgrade()
        db.session.remove()
        engine = db.engine
        rng = random.Random(seed)  # noqa: S311 - reproducible fake data, not security
        with engine.begin() as conn:
            org = insert_org(conn, rng, hash_password(PASSWORD), now, BATCH)
            rows, counts = insert_requests(conn, rng, org, n, now, BATCH)
            progress(f"{n:,} requests and {counts['events']:,} events "
                     f"in {time.perf_counter() - started:.1f} s")
            counts.update(insert_feedback(conn, rng, rows, BATCH))
            insert_touchpoints(conn, rng, now)
            insert_pulses(conn, rng, org, now)
            counts["tools"] = insert_tools(conn, rng, org, now)
            if engine.dialect.name == "postgresql":
                _advance_sequences(conn)
        progress("analysing")
        if engine.dialect.name == "postgresql":
            with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
                conn.exec_driver_sql("VACUUM ANALYZE")
        else:
            with engine.begin() as conn:
                conn.exec_driver_sql("ANALYZE")
            raw = engine.raw_connection()  # outside a transaction, so the WAL can be emptied
            try:
                raw.driver_connection.execute("PRAGMA wal_checkpoint(TRUNCATE)")
            finally:
                raw.close()
        engine.dispose()
    counts["build_seconds"] = round(time.perf_counter() - started, 1)
    counts["built_at"] = now.isoformat(timespec="seconds")
    progress(f"built in {counts['build_seconds']} s")
    return counts


def _advance_sequences(conn) -> None:
    """Rows were inserted with their ids: move each id sequence past them."""
    for table in db.metadata.sorted_tables:
        column = table.c.get("id")
        if column is None or not isinstance(column.type, Integer):
            continue
        conn.execute(text(
            f"SELECT setval(pg_get_serial_sequence('{table.name}', 'id'), "  # noqa: S608
            f"coalesce((SELECT max(id) FROM {table.name}), 0) + 1, false)"
        ))


def sqlite_database(n: int, seed: int, rebuild: bool) -> tuple[str, dict]:
    """A fresh working copy of the cached database with n requests (built if needed)."""
    CACHE_DIR.mkdir(parents=True, exist_ok=True)
    cached = CACHE_DIR / f"rapport-{n}-{fingerprint(seed)}.sqlite3"
    about = cached.with_suffix(".json")
    info = json.loads(about.read_text()) if about.exists() and cached.exists() else None
    if info is not None:
        age = datetime.now(UTC) - datetime.fromisoformat(info["built_at"])
        if rebuild or age > MAX_AGE:
            progress(f"rebuilding {cached.name}: " + ("asked to" if rebuild else "over a day old"))
            info = None
    if info is None:
        for old in CACHE_DIR.glob(f"rapport-{n}-*"):
            old.unlink()
        partial = cached.with_suffix(".building")
        _remove_sqlite(partial)
        info = build(f"sqlite:///{partial}", n, seed)
        _remove_sqlite(partial, keep_main=True)
        partial.rename(cached)
        about.write_text(json.dumps(info, indent=2))
        info["cached"] = False
    else:
        progress(f"using the cached {cached.name} (built {info['built_at']})")
        info["cached"] = True
    work = CACHE_DIR / f"work-{n}.sqlite3"
    _remove_sqlite(work)
    shutil.copyfile(cached, work)
    return f"sqlite:///{work}", info


def _remove_sqlite(path: Path, keep_main: bool = False) -> None:
    for suffix in ("-wal", "-shm", "-journal") if keep_main else ("", "-wal", "-shm", "-journal"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)


def postgres_database(base_url: str, n: int, seed: int) -> tuple[str, dict]:
    """A PostgreSQL database bench_<n> built afresh for this run (dropped first)."""
    parsed = make_url(base_url)
    name = parsed.database if parsed.database and parsed.database != "postgres" else None
    name = f"{name or 'bench'}_{n // 1000}k"
    if not BENCH_DATABASE.fullmatch(name):
        sys.exit(f"refusing to use the PostgreSQL database {name!r}: use a bench_* name")
    admin = create_engine(parsed.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.exec_driver_sql(f'CREATE DATABASE "{name}"')
    admin.dispose()
    url = parsed.set(database=name).render_as_string(hide_password=False)
    info = build(url, n, seed)
    info["cached"] = False
    return url, info


def sqlite_version() -> str:
    return sqlite3.sqlite_version

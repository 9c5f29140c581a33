"""Consistent backups of the live database, and restoring them (`flask backup/restore`).

SQLite uses the online backup API, which copies a consistent snapshot while other
workers keep writing (WAL readers never block writers). PostgreSQL uses pg_dump's
custom format, taken inside an exported snapshot so the row counts printed are exactly
those in the file, and pg_restore in a single transaction.
"""

from __future__ import annotations

import os
import re
import shutil
import sqlite3
import subprocess
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy import text
from sqlalchemy.engine import URL, Engine

SQLITE_MAGIC = b"SQLite format 3\x00"
PG_MAGIC = b"PGDMP"
# Row counts printed after a backup or restore (fixed statements, no interpolation).
COUNT_SQL = {
    "service_requests": "SELECT count(*) FROM service_requests",
    "users": "SELECT count(*) FROM users",
}


class BackupError(RuntimeError):
    """The backup or restore could not be done; nothing was changed."""


@dataclass
class Summary:
    path: Path
    size: int
    counts: dict[str, int]
    details: list[str] = field(default_factory=list)

    def lines(self) -> list[str]:
        counts = ", ".join(f"{name}: {n}" for name, n in self.counts.items())
        return [f"{self.path} ({self.size:,} bytes)", f"Rows: {counts}", *self.details]


def describe(engine: Engine) -> str:
    return engine.url.render_as_string(hide_password=True)


def _sqlite_file(engine: Engine) -> Path:
    database = engine.url.database
    if not database or database == ":memory:" or database.startswith("file:"):
        raise BackupError("Only a file-based SQLite database can be backed up or restored.")
    return Path(database).resolve()


def _check_dialect(engine: Engine) -> str:
    name = engine.dialect.name
    if name not in ("sqlite", "postgresql"):
        raise BackupError(f"Backups support SQLite and PostgreSQL, not {name}.")
    return name


def _header(path: Path, size: int) -> bytes:
    try:
        with path.open("rb") as handle:
            return handle.read(size)
    except OSError as exc:
        raise BackupError(f"Cannot read {path}: {exc.strerror or exc}") from exc


def _sqlite_counts(conn: sqlite3.Connection) -> dict[str, int]:
    return {
        name: conn.execute(sql).fetchone()[0] for name, sql in COUNT_SQL.items()
    }


def live_counts(engine: Engine) -> dict[str, int]:
    with engine.connect() as conn:
        return {
            name: conn.execute(text(sql)).scalar_one() for name, sql in COUNT_SQL.items()
        }


# --- backup -------------------------------------------------------------------------


def backup(engine: Engine, path: str | os.PathLike, *, force: bool = False) -> Summary:
    dialect = _check_dialect(engine)
    target = Path(path).resolve()
    if target.exists() and not force:
        raise BackupError(f"{target} already exists; use --force to overwrite it.")
    if target.is_dir():
        raise BackupError(f"{target} is a directory; give a file name.")
    if not target.parent.is_dir():
        raise BackupError(f"The folder {target.parent} does not exist.")
    # Write beside the target and move into place, so a failed run leaves no half file.
    partial = target.with_name(f".{target.name}.partial")
    partial.unlink(missing_ok=True)
    try:
        if dialect == "sqlite":
            if target == _sqlite_file(engine):
                raise BackupError("The backup cannot overwrite the live database.")
            counts = _backup_sqlite(engine, partial)
        else:
            counts = _backup_postgresql(engine, partial)
        os.replace(partial, target)
    finally:
        partial.unlink(missing_ok=True)
    return Summary(target, target.stat().st_size, counts)


def _backup_sqlite(engine: Engine, partial: Path) -> dict[str, int]:
    raw = engine.raw_connection()
    try:
        destination = sqlite3.connect(partial)
        try:
            # One step (pages=-1): the whole database is copied under a single read
            # snapshot; in WAL mode writers carry on meanwhile.
            raw.driver_connection.backup(destination)
            destination.execute("PRAGMA journal_mode=DELETE")  # one self-contained file
            counts = _sqlite_counts(destination)
        finally:
            destination.close()
    finally:
        raw.close()
    return counts


def _backup_postgresql(engine: Engine, partial: Path) -> dict[str, int]:
    pg_dump = pg_tool("pg_dump")
    _check_client_version(engine, pg_dump)
    # Export a snapshot, count rows in it and let pg_dump dump that same snapshot.
    with engine.connect().execution_options(isolation_level="REPEATABLE READ") as conn:
        snapshot = conn.execute(text("SELECT pg_export_snapshot()")).scalar_one()
        counts = {
            name: conn.execute(text(sql)).scalar_one() for name, sql in COUNT_SQL.items()
        }
        url, env = libpq_target(engine.url)
        run_tool(
            [pg_dump, "-Fc", "--no-owner", f"--snapshot={snapshot}", f"--dbname={url}",
             "-f", str(partial)],
            env,
        )
        conn.rollback()
    return counts


# --- restore ------------------------------------------------------------------------


def check_backup(engine: Engine, path: str | os.PathLike) -> Path:
    """Refuse a file that is not a backup this database can take; nothing is touched."""
    dialect = _check_dialect(engine)
    source = Path(path).resolve()
    if not source.is_file():
        raise BackupError(f"{source} is not a file.")
    if dialect == "sqlite":
        if _header(source, len(SQLITE_MAGIC)) != SQLITE_MAGIC:
            raise BackupError(f"{source} is not a SQLite backup (wrong file header).")
        if source == _sqlite_file(engine):
            raise BackupError("That file is the live database itself.")
        conn = sqlite3.connect(f"{source.as_uri()}?mode=ro", uri=True)
        try:
            tables = {
                row[0] for row in conn.execute("SELECT name FROM sqlite_master WHERE type='table'")
            }
            if not {"alembic_version", *COUNT_SQL} <= tables:
                raise BackupError(f"{source} is a SQLite file but not a Rapport backup.")
            result = conn.execute("PRAGMA quick_check").fetchone()[0]
            if result != "ok":
                raise BackupError(f"{source} is damaged (quick_check: {result}).")
        except sqlite3.DatabaseError as exc:
            raise BackupError(f"{source} cannot be read as a SQLite backup: {exc}") from exc
        finally:
            conn.close()
    else:
        if _header(source, len(PG_MAGIC)) != PG_MAGIC:
            raise BackupError(
                f"{source} is not a PostgreSQL custom-format backup (no PGDMP header)."
            )
        run_tool([pg_tool("pg_restore"), "--list", str(source)], None)  # readable archive?
    return source


def restore(engine: Engine, path: str | os.PathLike) -> Summary:
    """Replace the live database's contents with the backup at `path`."""
    source = check_backup(engine, path)
    details: list[str] = []
    if engine.dialect.name == "sqlite":
        details.append(f"integrity_check: {_restore_sqlite(engine, source)}")
    else:
        restore_postgresql(engine.url, source)
        engine.dispose()  # no pooled connection keeps plans of the dropped tables
    return Summary(source, source.stat().st_size, live_counts(engine), details)


def _restore_sqlite(engine: Engine, source: Path) -> str:
    backup_file = sqlite3.connect(f"{source.as_uri()}?mode=ro", uri=True)
    raw = engine.raw_connection()
    try:
        live = raw.driver_connection
        # The backup API takes the write lock on the live file (waiting while it is
        # busy) and replaces every page in one go; other connections see the result.
        backup_file.backup(live)
        rows = live.execute("PRAGMA integrity_check").fetchall()
    finally:
        raw.close()
        backup_file.close()
    return "; ".join(str(row[0]) for row in rows)


def restore_postgresql(url: URL, source: Path) -> None:
    pg_restore = pg_tool("pg_restore")
    target, env = libpq_target(url)
    run_tool(
        [pg_restore, "--clean", "--if-exists", "--no-owner", "--single-transaction",
         "--exit-on-error", "-d", target, str(source)],
        env,
    )


# --- PostgreSQL client tools --------------------------------------------------------


def pg_tool(name: str) -> str:
    found = shutil.which(name)
    if not found:
        raise BackupError(
            f"{name} was not found on PATH. Install the PostgreSQL client tools "
            f"(for example the postgresql-client package) at the server's version or newer."
        )
    return found


def libpq_target(url: URL) -> tuple[str, dict[str, str]]:
    """A libpq URL without the SQLAlchemy driver or password; the password goes in the env."""
    env = dict(os.environ)
    if url.password:
        env["PGPASSWORD"] = str(url.password)
    plain = url.set(drivername="postgresql", password=None)
    return plain.render_as_string(hide_password=False), env


def run_tool(args: list[str], env: dict[str, str] | None) -> str:
    try:
        done = subprocess.run(  # noqa: S603 - absolute tool path, fixed argument list, no shell
            args, env=env, capture_output=True, text=True, check=False
        )
    except OSError as exc:
        raise BackupError(f"Could not run {args[0]}: {exc}") from exc
    if done.returncode != 0:
        message = (done.stderr or done.stdout).strip()
        raise BackupError(f"{Path(args[0]).name} failed (exit {done.returncode}): {message}")
    return done.stdout


def _major(version: str) -> int:
    """12 from "pg_dump (PostgreSQL) 12.3 (Debian ...)"; 0 when unrecognised."""
    match = re.search(r"\)\s+(\d+)", version) or re.search(r"(\d+)", version)
    return int(match.group(1)) if match else 0


def _check_client_version(engine: Engine, pg_dump: str) -> None:
    client = run_tool([pg_dump, "--version"], None).strip()
    with engine.connect() as conn:
        server_num = int(conn.execute(text("SHOW server_version_num")).scalar_one())
    server_major = server_num // 10000
    client_major = _major(client)
    if client_major < server_major:
        raise BackupError(
            f"{client} is older than the server (PostgreSQL {server_major}); "
            f"pg_dump must be at least the server's version."
        )

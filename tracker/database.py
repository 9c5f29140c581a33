"""Database plumbing: SQLite tuned for several workers, and a UTC timestamp type."""

from __future__ import annotations

import logging
from datetime import UTC, datetime

from flask import Flask, has_request_context, request
from sqlalchemy import DateTime, Engine, event
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.types import TypeDecorator

log = logging.getLogger(__name__)

READ_ONLY_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


def utcnow() -> datetime:
    """The current time, timezone-aware in UTC."""
    return datetime.now(UTC)


class UTCDateTime(TypeDecorator):
    """A timestamp always handed back as an aware UTC datetime, on every backend."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetimes are not stored; use an aware UTC datetime")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)


def is_write_request() -> bool:
    """Whether the work in hand may write: a form post or a CLI command, not a page view.

    On SQLite a writing transaction takes the write lock up front: pages that only read
    (GET/HEAD/OPTIONS) start an ordinary deferred transaction so readers never wait, while
    everything else starts with BEGIN IMMEDIATE (a deferred transaction that later tries
    to write can fail at once with "database is locked" when another worker wrote in
    between, whereas IMMEDIATE waits its turn under busy_timeout). On PostgreSQL a writing
    request locks the rows it is about to change when it loads them.
    """
    if has_request_context():
        return request.method not in READ_ONLY_METHODS
    return True


def configure_sqlite(engine: Engine) -> None:
    """WAL, busy timeout, foreign keys, and explicit transaction starts for SQLite."""

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection, _record):
        # Let SQLAlchemy's "begin" event below issue BEGIN instead of pysqlite.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA busy_timeout=30000")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection):
        connection.exec_driver_sql("BEGIN IMMEDIATE" if is_write_request() else "BEGIN")


def release_session_at_teardown(app: Flask, db) -> None:
    """End each request's session without letting a dead connection turn it into a 500.

    Closing the session rolls back on its connection. When the database went away after
    the page was already answered (a restart, a failover), that rollback fails; the
    connection is then thrown away instead, and the answer the person got stands.
    Registered after Flask-SQLAlchemy's own teardown, so it runs first.
    """

    @app.teardown_appcontext
    def _release(_exc):
        try:
            db.session.close()
        except SQLAlchemyError as exc:
            log.warning(
                "database connection lost at the end of a request, discarded: %s",
                describe_database_error(exc),
            )
            db.session().invalidate()


def describe_database_error(exc: BaseException) -> str:
    """One line for the log: the exception's kind and the driver's first line."""
    lines = str(getattr(exc, "orig", None) or exc).strip().splitlines()
    return f"{type(exc).__name__}: {lines[0] if lines else ''}"

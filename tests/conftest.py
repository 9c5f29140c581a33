"""Fixtures: one app per session on a migrated database, a clean database per test.

The suite runs against RAPPORT_TEST_DATABASE_URL when it is set (PostgreSQL in CI) and
against a fresh SQLite file otherwise. Tests never hold an app context while they use
the test client, so every request gets its own session and `g`, as in production.
"""

from __future__ import annotations

import os
import re
from contextlib import contextmanager

import pytest
from flask.testing import FlaskClient
from flask_migrate import upgrade
from sqlalchemy import create_engine, event, inspect, text
from sqlalchemy.engine import make_url

from tests.factories import Factory
from tracker import create_app
from tracker.api.ratelimit import limiter_of
from tracker.config import TestConfig
from tracker.extensions import db
from tracker.service_requests.catalog import seed_categories
from tracker.service_requests.sla import seed_sla_defaults

CSRF_META = re.compile(r'<meta name="csrf-token" content="([^"]+)"')


class RapportClient(FlaskClient):
    """A test client that signs in and sends CSRF tokens like a browser would."""

    def csrf_token(self, path: str = "/login") -> str:
        response = self.get(path, follow_redirects=True)
        match = CSRF_META.search(response.get_data(as_text=True))
        assert match, f"no CSRF meta tag on {path}"
        return match.group(1)

    def login(self, email: str, password: str = Factory.PASSWORD, **extra):
        """Sign in as `email`, starting from a new browser session."""
        self.delete_cookie("session")
        token = self.csrf_token("/login")
        return self.post(
            "/login", data={"email": email, "password": password, "csrf_token": token, **extra}
        )

    def form_post(self, url: str, data: dict | None = None, *, htmx: bool = False, **kwargs):
        """POST a form with this session's CSRF token (in the body, or the header for htmx)."""
        data = dict(data or {})
        headers = dict(kwargs.pop("headers", {}))
        token = self.csrf_token("/")
        if htmx:
            headers.update({"HX-Request": "true", "X-CSRFToken": token})
        else:
            data.setdefault("csrf_token", token)
        return self.post(url, data=data, headers=headers, **kwargs)


def _database_url(tmp_path_factory, worker_id: str) -> str:
    url = os.environ.get("RAPPORT_TEST_DATABASE_URL", "").strip()
    if not url:
        return "sqlite:///" + str(tmp_path_factory.mktemp("db") / "rapport-test.sqlite3")
    if worker_id == "master":
        return url
    # Parallel workers (pytest -n) each get their own database beside the given one.
    own = make_url(url)
    own = own.set(database=f"{own.database}_{worker_id}")
    _create_database(own)
    return own.render_as_string(hide_password=False)


def _create_database(url) -> None:
    server = create_engine(url.set(database="postgres"), isolation_level="AUTOCOMMIT")
    try:
        with server.connect() as conn:
            exists = conn.execute(
                text("SELECT 1 FROM pg_database WHERE datname = :name"), {"name": url.database}
            ).scalar()
            if not exists:
                conn.execute(text(f'CREATE DATABASE "{url.database}"'))
    finally:
        server.dispose()


def _drop_everything() -> None:
    """Start the session from an empty database, whatever an earlier run left."""
    engine = db.engine
    if engine.dialect.name == "postgresql":
        with engine.begin() as conn:
            conn.execute(text("DROP SCHEMA public CASCADE"))
            conn.execute(text("CREATE SCHEMA public"))
    else:
        db.drop_all()
        with engine.begin() as conn:
            conn.execute(text("DROP TABLE IF EXISTS alembic_version"))


@pytest.fixture(scope="session")
def app(tmp_path_factory, worker_id):
    instance = tmp_path_factory.mktemp("instance")
    application = create_app(
        TestConfig(str(instance), _database_url(tmp_path_factory, worker_id))
    )
    application.test_client_class = RapportClient
    with application.app_context():
        _drop_everything()
        upgrade()  # the real migrations build the schema the suite runs on
        db.session.remove()
    yield application
    with application.app_context():
        db.session.remove()
        db.engine.dispose()


def _clean_postgresql(conn, tables: list[str]) -> None:
    """Empty the tables that have rows, children first, and restart every id sequence.

    TRUNCATE of every table costs a new file per table (a quarter to most of a second
    for the whole schema, before every test); most tests touch a handful of small tables,
    which DELETE empties in a few milliseconds.
    """
    probe = " UNION ALL ".join(
        f"SELECT '{name}' WHERE EXISTS (SELECT 1 FROM \"{name}\")"  # noqa: S608 - own tables
        for name in tables
    )
    filled = set(conn.execute(text(probe)).scalars())
    for table in reversed(db.metadata.sorted_tables):
        if table.name in filled:
            conn.execute(table.delete())
            filled.discard(table.name)
    for name in filled:  # tables the models don't know (there should be none)
        conn.execute(text(f'TRUNCATE TABLE "{name}" CASCADE'))
    conn.execute(text("SELECT setval(oid, 1, false) FROM pg_class WHERE relkind = 'S'"))


def _clean_database() -> None:
    engine = db.engine
    tables = [t for t in inspect(engine).get_table_names() if t != "alembic_version"]
    with engine.begin() as conn:
        if engine.dialect.name == "postgresql":
            _clean_postgresql(conn, tables)
        else:
            conn.exec_driver_sql("PRAGMA defer_foreign_keys=ON")
            for name in tables:
                conn.exec_driver_sql(f'DELETE FROM "{name}"')  # noqa: S608 - our own table names


@pytest.fixture(autouse=True)
def clean_db(app):
    """Every test starts from empty tables plus the reference data a fresh install has.

    The API's rate-limit counts start again too: token ids restart at 1 in every test, and
    calls without a token are counted per address, which every test shares.
    """
    limiter_of(app).reset()
    with app.app_context():
        _clean_database()
        seed_categories()
        seed_sla_defaults()
        db.session.commit()
        db.session.remove()
    yield


@pytest.fixture
def client(app) -> RapportClient:
    return app.test_client()


@pytest.fixture
def make(app) -> Factory:
    return Factory(app)


@pytest.fixture
def count_queries(app):
    """Context manager that counts the SQL statements run inside it."""

    @contextmanager
    def counting():
        statements: list[str] = []

        def on_execute(_conn, _cursor, statement, *_args):
            if not statement.lstrip().upper().startswith(("BEGIN", "SAVEPOINT", "RELEASE")):
                statements.append(statement)

        with app.app_context():
            engine = db.engine
        event.listen(engine, "before_cursor_execute", on_execute)
        try:
            yield statements
        finally:
            event.remove(engine, "before_cursor_execute", on_execute)

    return counting

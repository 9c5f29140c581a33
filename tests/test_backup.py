"""`flask backup` / `flask restore` on the test database (SQLite or PostgreSQL)."""

from __future__ import annotations

import sqlite3
import threading
from pathlib import Path

import pytest
from sqlalchemy import create_engine, select, text

from tracker import backup as backup_module
from tracker.extensions import db
from tracker.models import Category, User
from tracker.service_requests import services

CONSISTENCY_SQL = """
    SELECT count(*) FROM service_requests sr
    WHERE NOT EXISTS (
        SELECT 1 FROM request_events e WHERE e.request_id = sr.id AND e.kind = 'created'
    )
"""


def _counts(app) -> dict[str, int]:
    with app.app_context():
        counts = backup_module.live_counts(db.engine)
        db.session.remove()
    return counts


def _dialect(app) -> str:
    with app.app_context():
        return db.engine.dialect.name


def _run(app, *args, **kwargs):
    return app.test_cli_runner().invoke(args=list(args), **kwargs)


def test_backup_and_restore_round_trip(app, make, tmp_path):
    person = make.requester()
    for n in range(3):
        make.request(person, title=f"Before backup {n}")
    at_backup = _counts(app)
    target = tmp_path / "rapport.backup"

    result = _run(app, "backup", str(target))
    assert result.exit_code == 0, result.output
    assert target.is_file()
    assert str(target) in result.output
    assert f"service_requests: {at_backup['service_requests']}" in result.output
    assert f"users: {at_backup['users']}" in result.output

    later = make.requester()
    make.request(later, title="After backup")
    assert _counts(app) != at_backup

    result = _run(app, "restore", "--yes", str(target))
    assert result.exit_code == 0, result.output
    assert _counts(app) == at_backup
    assert f"service_requests: {at_backup['service_requests']}" in result.output
    if _dialect(app) == "sqlite":
        assert "integrity_check: ok" in result.output
        with app.app_context():
            assert db.session.execute(text("PRAGMA integrity_check")).scalar() == "ok"
            db.session.remove()
    # The restored database is fully usable.
    make.request(make.requester(), title="After restore")
    assert _counts(app)["service_requests"] == at_backup["service_requests"] + 1


def test_backup_while_requests_are_being_filed(app, make, tmp_path):
    person = make.requester()
    stop = threading.Event()
    filed = threading.Semaphore(0)
    errors: list[BaseException] = []

    def writer() -> None:
        n = 0
        try:
            while not stop.is_set():
                # Each request and its "created" event in one short transaction.
                with app.app_context():
                    requester = db.session.get(User, person.id)
                    category = db.session.scalar(select(Category).where(Category.slug == "broken"))
                    services.file_request(
                        requester,
                        services.NewRequest(f"Load {n}", "Busy.", category, "just_me", "slowed"),
                    )
                    db.session.commit()
                    db.session.remove()
                n += 1
                filed.release()
        except BaseException as exc:  # reported in the test thread
            errors.append(exc)
            filed.release()

    thread = threading.Thread(target=writer, daemon=True)
    thread.start()
    target = tmp_path / "under-load.backup"
    try:
        for _ in range(5):  # the writer is well under way before the backup starts
            assert filed.acquire(timeout=30)
        result = _run(app, "backup", str(target))
        for _ in range(3):  # ...and still writing after it
            assert filed.acquire(timeout=30)
    finally:
        stop.set()
        thread.join(timeout=60)
    assert not errors, errors
    assert result.exit_code == 0, result.output

    if _dialect(app) == "sqlite":
        conn = sqlite3.connect(target)
        try:
            assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
            in_backup = conn.execute("SELECT count(*) FROM service_requests").fetchone()[0]
            missing_events = conn.execute(CONSISTENCY_SQL).fetchone()[0]
        finally:
            conn.close()
    else:
        in_backup, missing_events = _check_in_scratch_database(app, target)
    assert in_backup >= 5
    assert f"service_requests: {in_backup}" in result.output
    assert missing_events == 0


def _check_in_scratch_database(app, archive: Path) -> tuple[int, int]:
    """Restore the archive into a throwaway database; (requests, requests without event)."""
    with app.app_context():
        url = db.engine.url
    scratch = url.set(database=f"{url.database}_scratch")
    server = create_engine(url.set(database="postgres"), isolation_level="AUTOCOMMIT")
    try:
        with server.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{scratch.database}" WITH (FORCE)'))
            conn.execute(text(f'CREATE DATABASE "{scratch.database}"'))
        try:
            backup_module.restore_postgresql(scratch, archive)
            engine = create_engine(scratch)
            try:
                with engine.connect() as conn:
                    in_backup = conn.execute(
                        text("SELECT count(*) FROM service_requests")
                    ).scalar_one()
                    missing = conn.execute(text(CONSISTENCY_SQL)).scalar_one()
            finally:
                engine.dispose()
        finally:
            with server.connect() as conn:
                conn.execute(text(f'DROP DATABASE IF EXISTS "{scratch.database}" WITH (FORCE)'))
    finally:
        server.dispose()
    return in_backup, missing


def test_restore_refuses_a_file_that_is_not_a_backup(app, make, tmp_path):
    make.request(make.requester())
    before = _counts(app)
    bogus = tmp_path / "notes.txt"
    bogus.write_text("certainly not a database\n")

    result = _run(app, "restore", "--yes", str(bogus))
    assert result.exit_code != 0
    assert "not a" in result.output and "backup" in result.output
    assert "Nothing was changed" in result.output
    assert _counts(app) == before


def test_restore_refuses_a_backup_of_the_other_kind(app, make, tmp_path):
    make.request(make.requester())
    before = _counts(app)
    other = tmp_path / "other.backup"
    if _dialect(app) == "sqlite":
        other.write_bytes(b"PGDMP\x01\x0e\x00" + b"\x00" * 64)
    else:
        conn = sqlite3.connect(other)
        conn.execute("CREATE TABLE t (x)")
        conn.commit()
        conn.close()
    result = _run(app, "restore", "--yes", str(other))
    assert result.exit_code != 0
    assert "Nothing was changed" in result.output
    assert _counts(app) == before


def test_restore_refuses_a_sqlite_file_that_is_not_rapport(app, tmp_path):
    if _dialect(app) != "sqlite":
        pytest.skip("SQLite only")
    other = tmp_path / "other.sqlite3"
    conn = sqlite3.connect(other)
    conn.execute("CREATE TABLE t (x)")
    conn.commit()
    conn.close()
    result = _run(app, "restore", "--yes", str(other))
    assert result.exit_code != 0
    assert "not a Rapport backup" in result.output


def test_backup_does_not_overwrite_without_force(app, make, tmp_path):
    target = tmp_path / "existing.backup"
    target.write_text("keep me")

    result = _run(app, "backup", str(target))
    assert result.exit_code != 0
    assert "already exists" in result.output and "--force" in result.output
    assert target.read_text() == "keep me"

    result = _run(app, "backup", "--force", str(target))
    assert result.exit_code == 0, result.output
    assert target.read_bytes()[:5] in (b"SQLit", b"PGDMP")
    assert not list(tmp_path.glob(".*.partial"))


def test_restore_asks_for_confirmation(app, make, tmp_path):
    make.request(make.requester())
    target = tmp_path / "confirm.backup"
    assert _run(app, "backup", str(target)).exit_code == 0
    make.request(make.requester(), title="Made after the backup")
    before = _counts(app)

    result = _run(app, "restore", str(target), input="n\n")
    assert "Replace everything in" in result.output
    assert result.exit_code != 0  # aborted
    assert _counts(app) == before

    result = _run(app, "restore", str(target), input="y\n")
    assert result.exit_code == 0, result.output
    assert _counts(app)["service_requests"] == before["service_requests"] - 1


def test_missing_pg_dump_is_a_clear_error(monkeypatch):
    monkeypatch.setattr(backup_module.shutil, "which", lambda _name: None)
    with pytest.raises(backup_module.BackupError, match="pg_dump was not found"):
        backup_module.pg_tool("pg_dump")


def test_client_version_is_read():
    assert backup_module._major("pg_dump (PostgreSQL) 15.20 (Debian 15.20-0+deb12u1)") == 15
    assert backup_module._major("pg_dump (PostgreSQL) 9.6.24") == 9

"""The local-disk store, and files following the database transaction they belong to."""

from __future__ import annotations

import stat
from io import BytesIO
from pathlib import Path

import pytest
from sqlalchemy import text

from tracker.attachments.storage import (
    LocalDiskStore,
    StorageError,
    delete_after_commit,
    get_store,
    new_key,
    save_in_transaction,
)
from tracker.extensions import db


def test_the_store_keeps_files_under_server_keys_outside_the_web_root(app, tmp_path):
    store = LocalDiskStore(tmp_path)
    key = new_key()
    store.save(key, BytesIO(b"hello"))
    path = tmp_path / key[:2] / key
    assert path.read_bytes() == b"hello"
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    with store.open(key) as handle:
        assert handle.read() == b"hello"
    store.delete(key)
    store.delete(key)  # already gone: not an error
    assert not path.exists()
    with pytest.raises(StorageError):
        store.open(key)
    root = Path(app.config["RAPPORT_ATTACHMENTS_DIR"]).resolve()
    assert Path(app.static_folder).resolve() not in root.parents


@pytest.mark.parametrize("key", ["../secret_key", "ab/../../x", "", "A" * 32, "0" * 31, "0" * 33])
def test_only_server_keys_reach_the_disk(tmp_path, key):
    store = LocalDiskStore(tmp_path)
    for call in (lambda: store.save(key, BytesIO(b"x")), lambda: store.open(key),
                 lambda: store.delete(key)):
        with pytest.raises(StorageError):
            call()
    assert list(tmp_path.iterdir()) == []


def test_a_key_is_never_written_twice(tmp_path):
    store = LocalDiskStore(tmp_path)
    key = new_key()
    store.save(key, BytesIO(b"first"))
    with pytest.raises(StorageError):
        store.save(key, BytesIO(b"second"))
    assert store.open(key).read() == b"first"


def test_written_files_go_unless_the_transaction_commits(app, stored_files):
    with app.app_context():
        store = get_store()
        db.session.execute(text("SELECT 1"))
        kept, dropped = new_key(), new_key()
        save_in_transaction(db.session, store, kept, BytesIO(b"kept"))
        db.session.commit()
        save_in_transaction(db.session, store, dropped, BytesIO(b"dropped"))
        with db.session.begin_nested():  # releasing a savepoint is not a commit
            db.session.execute(text("SELECT 1"))
        assert stored_files() == {kept, dropped}
        db.session.rollback()
        assert stored_files() == {kept}
        # A session closed without a commit (a crashed view) lets go of its files too.
        save_in_transaction(db.session, store, dropped, BytesIO(b"dropped"))
        db.session.remove()
    assert stored_files() == {kept}


def test_doomed_files_go_only_once_the_deletion_commits(app, stored_files):
    with app.app_context():
        store = get_store()
        key = new_key()
        store.save(key, BytesIO(b"x"))
        db.session.execute(text("SELECT 1"))
        delete_after_commit(db.session, store, key)
        db.session.rollback()
        assert stored_files() == {key}
        delete_after_commit(db.session, store, key)
        with db.session.begin_nested():
            db.session.execute(text("SELECT 1"))
        assert stored_files() == {key}
        db.session.commit()
        assert stored_files() == set()
        db.session.remove()

"""Where attached files' bytes live: a small store interface and a local-disk store.

Files are written while a request's database transaction is open, so they follow it:
written files are removed again unless the transaction commits, and files of deleted
rows are removed only once the deletion has committed (see `install_file_transactions`).
"""

from __future__ import annotations

import logging
import os
import re
import secrets
from pathlib import Path
from typing import BinaryIO, Protocol

from flask import current_app
from sqlalchemy import event
from sqlalchemy.orm import Session, SessionTransaction

log = logging.getLogger(__name__)

EXTENSION_KEY = "rapport_attachment_store"
_KEY = re.compile(r"^[0-9a-f]{32}$")
_CHUNK = 1024 * 1024
_WRITTEN = "attachments_written"
_DOOMED = "attachments_doomed"


class StorageError(RuntimeError):
    """The store could not keep, find or remove a file."""


class AttachmentStore(Protocol):
    """What the application needs from a place that keeps files under keys."""

    def save(self, key: str, data: BinaryIO) -> None:
        """Keep the bytes of `data` (read from its current position) under `key`."""

    def open(self, key: str) -> BinaryIO:
        """The bytes kept under `key`, for reading."""

    def delete(self, key: str) -> None:
        """Forget `key`; forgetting a key that is not there is not an error."""


def new_key() -> str:
    """A server-chosen storage key: random, so it says nothing about the file."""
    return secrets.token_hex(16)


class LocalDiskStore:
    """Files in a directory outside the web root, two hex digits of fan-out per key."""

    def __init__(self, root: str | os.PathLike[str]) -> None:
        self.root = Path(root)

    def _path(self, key: str) -> Path:
        if not _KEY.match(key):  # keys are ours; anything else never reaches the disk
            raise StorageError(f"not a storage key: {key!r}")
        return self.root / key[:2] / key

    def save(self, key: str, data: BinaryIO) -> None:
        path = self._path(key)
        try:
            path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except OSError as exc:
            raise StorageError(f"could not create {key}: {exc}") from exc
        try:
            with os.fdopen(fd, "wb") as handle:
                while chunk := data.read(_CHUNK):
                    handle.write(chunk)
                handle.flush()
                os.fsync(handle.fileno())
        except OSError as exc:
            path.unlink(missing_ok=True)
            raise StorageError(f"could not write {key}: {exc}") from exc

    def open(self, key: str) -> BinaryIO:
        try:
            return self._path(key).open("rb")
        except OSError as exc:
            raise StorageError(f"could not open {key}: {exc}") from exc

    def delete(self, key: str) -> None:
        try:
            self._path(key).unlink(missing_ok=True)
        except OSError as exc:
            raise StorageError(f"could not delete {key}: {exc}") from exc


def get_store() -> AttachmentStore:
    """This application's store, made on first use from RAPPORT_ATTACHMENTS_DIR."""
    store = current_app.extensions.get(EXTENSION_KEY)
    if store is None:
        store = LocalDiskStore(current_app.config["RAPPORT_ATTACHMENTS_DIR"])
        current_app.extensions[EXTENSION_KEY] = store
    return store


# --- files that follow the database transaction ------------------------------------------

def save_in_transaction(session: Session, store: AttachmentStore, key: str, data) -> None:
    """Write a file that is removed again unless `session`'s transaction commits."""
    session.connection()  # the transaction the file belongs to, begun if need be
    session.info.setdefault(_WRITTEN, []).append((store, key))
    store.save(key, data)


def delete_after_commit(session: Session, store: AttachmentStore, key: str) -> None:
    """Remove a file once `session`'s transaction has committed (never before)."""
    session.connection()
    session.info.setdefault(_DOOMED, []).append((store, key))


def _forget(files: list[tuple[AttachmentStore, str]], why: str) -> None:
    for store, key in files:
        try:
            store.delete(key)
        except StorageError:
            # The database is already right; a file left behind is only wasted space.
            log.warning("attachment file %s was not removed (%s)", key, why, exc_info=True)


def _after_commit(session: Session) -> None:
    if session.in_nested_transaction():
        return  # a savepoint was released: nothing is durable until the whole commits
    session.info.pop(_WRITTEN, None)
    _forget(session.info.pop(_DOOMED, []), "deleted")


def _after_transaction_end(session: Session, transaction: SessionTransaction) -> None:
    if transaction.parent is not None:
        return  # a savepoint: the files go or stay with the whole transaction
    # Still listed: the transaction ended without committing (rolled back or closed).
    _forget(session.info.pop(_WRITTEN, []), "not committed")
    session.info.pop(_DOOMED, None)


def install_file_transactions(session_factory) -> None:
    """Tie written and deleted files to the transactions of `session_factory`'s sessions."""
    for name, listener in (
        ("after_commit", _after_commit),
        ("after_transaction_end", _after_transaction_end),
    ):
        if not event.contains(session_factory, name, listener):
            event.listen(session_factory, name, listener)

"""Nothing half-stored: files and rows are kept together or not at all."""

from __future__ import annotations

import html
import re
from contextlib import contextmanager

import pytest
from sqlalchemy import event

from tests.attachments import samples
from tests.attachments.support import attachments, counts, file_request, keys, send_message
from tracker.attachments.storage import EXTENSION_KEY, LocalDiskStore, StorageError
from tracker.extensions import db
from tracker.models import Role


@contextmanager
def failing_commit(app):
    """The next commit fails in the database, after every file has been written."""

    def refuse(session):
        if not session.in_nested_transaction():  # a savepoint is no commit
            event.remove(db.session, "before_commit", refuse)
            raise RuntimeError("the database went away")

    event.listen(db.session, "before_commit", refuse)
    try:
        yield
    finally:
        if event.contains(db.session, "before_commit", refuse):
            event.remove(db.session, "before_commit", refuse)


class FlakyStore(LocalDiskStore):
    """A disk that fills up after `good` files."""

    def __init__(self, root, good: int) -> None:
        super().__init__(root)
        self.good = good

    def save(self, key, data):
        if self.good == 0:
            raise StorageError("no space left on device")
        self.good -= 1
        super().save(key, data)


@pytest.fixture
def flaky_store(app, monkeypatch):
    def install(good: int) -> FlakyStore:
        store = FlakyStore(app.config["RAPPORT_ATTACHMENTS_DIR"], good)
        monkeypatch.setitem(app.extensions, EXTENSION_KEY, store)
        return store

    return install


def test_files_of_a_request_the_database_refused_are_removed(app, client, make, stored_files):
    client.login(make.requester().email)
    before = counts(app)
    with failing_commit(app), pytest.raises(RuntimeError):
        file_request(client, ("a.png", samples.png()), ("b.log", samples.text()))
    assert counts(app) == before
    assert stored_files() == set()


def test_files_of_a_message_the_database_refused_are_removed(app, client, make, stored_files):
    rosa = make.requester()
    request = make.request(rosa)
    kept = make.attachment(request, rosa, samples.png(), "earlier.png")
    client.login(rosa.email)
    before = counts(app)
    with failing_commit(app), pytest.raises(RuntimeError):
        send_message(client, request.reference, "Look", ("a.png", samples.png()))
    assert counts(app) == before
    assert stored_files() == keys(kept)  # the earlier file is untouched


@pytest.mark.parametrize("good", [0, 1, 2])
def test_when_a_file_cannot_be_written_no_rows_remain(app, client, make, stored_files,
                                                     flaky_store, good):
    """The disk fails on the first picture, on its thumbnail, or on the second picture
    (after the first and its thumbnail were written): nothing of the request stays."""
    client.login(make.requester().email)
    flaky_store(good)
    before = counts(app)
    response = file_request(client, ("a.png", samples.png()), ("b.png", samples.png()),
                            title="Printer on fire")
    assert response.status_code == 503
    page = html.unescape(response.get_data(as_text=True))
    assert "We couldn't save your files" in page
    assert counts(app) == before
    assert stored_files() == set()


def test_when_a_messages_file_cannot_be_written_the_message_is_not_kept(
    app, client, make, stored_files, flaky_store
):
    rosa = make.requester()
    request = make.request(rosa)
    client.login(rosa.email)
    flaky_store(1)
    before = counts(app)
    response = send_message(client, request.reference, "Two files", ("a.log", samples.text()),
                            ("b.log", samples.text()), htmx=True)
    assert response.status_code == 503
    assert counts(app) == before and stored_files() == set()


def _key(page: str) -> str:
    match = re.search(r'name="idempotency_key" type="hidden" value="([0-9a-f]{32})"', page)
    assert match, "no idempotency key on the form"
    return match.group(1)


def test_sending_the_new_request_form_twice_stores_its_files_once(app, client, make,
                                                                  stored_files):
    client.login(make.requester().email)
    key = _key(client.get("/requests/new").get_data(as_text=True))
    first = file_request(client, ("a.png", samples.png()), idempotency_key=key)
    again = file_request(client, ("a.png", samples.png()), idempotency_key=key)
    assert first.status_code == again.status_code == 303
    assert first.headers["Location"] == again.headers["Location"]
    (stored,) = attachments(app)
    assert stored_files() == keys(stored)


def test_sending_a_message_twice_stores_its_files_once(app, client, make, stored_files):
    rosa = make.requester()
    request = make.request(rosa)
    client.login(rosa.email)
    key = _key(client.get(f"/requests/{request.reference}").get_data(as_text=True))
    for _ in range(2):
        response = send_message(client, request.reference, "Screenshot", ("a.png",
                                samples.png()), idempotency_key=key)
        assert response.status_code == 303
    (stored,) = attachments(app)
    assert stored_files() == keys(stored)
    assert counts(app)[1] == 2  # "created" and one message


def test_a_removal_the_database_refused_keeps_every_file(app, client, make, stored_files):
    rosa = make.requester()
    request = make.request(rosa)
    kept = make.attachment(request, rosa, samples.png(), "a.png")
    client.login(make.user(roles=(Role.ADMIN,)).email)
    with failing_commit(app), pytest.raises(RuntimeError):
        client.form_post(f"/requests/{request.reference}/attachments/remove")
    assert [a.id for a in attachments(app)] == [kept.id]
    assert stored_files() == keys(kept)

"""Administrators remove every file of a request (data protection), after confirming."""

from __future__ import annotations

import html

import pytest

from tests.attachments import samples
from tests.attachments.support import attachments, count
from tracker.models import RequestEvent, Role


@pytest.fixture
def files_scene(make):
    rosa = make.requester()
    agent = make.agent()
    admin = make.user(roles=(Role.ADMIN,), name="Sam Admin")
    request = make.request(rosa)
    other = make.request(rosa)
    filed = make.attachment(request, rosa, samples.png(), "payslip-rosa.png")
    note = make.comment(request, agent, "Internal detail", internal=True)
    internal = make.attachment(request, agent, samples.text(), "hr-export.csv", event=note)
    untouched = make.attachment(other, rosa, samples.text(), "other.log")
    return {"rosa": rosa, "agent": agent, "admin": admin, "request": request, "other": other,
            "files": [filed, internal], "untouched": untouched}


def test_an_administrator_confirms_then_removes_every_file(app, client, files_scene,
                                                           stored_files):
    s = files_scene
    reference = s["request"].reference
    client.login(s["admin"].email)
    page = client.get(f"/requests/{reference}").get_data(as_text=True)
    assert f'href="/requests/{reference}/attachments/remove"' in page

    confirm = client.get(f"/requests/{reference}/attachments/remove")
    assert confirm.status_code == 200
    text = html.unescape(confirm.get_data(as_text=True))
    assert "Remove every file from" in text and "payslip-rosa.png" in text
    assert "hr-export.csv" in text and "Remove 2 files" in text
    assert len(stored_files()) == 4  # two files, one thumbnail, and the other request's
    events = count(app, RequestEvent)

    response = client.form_post(f"/requests/{reference}/attachments/remove")
    assert response.status_code == 303
    assert response.headers["Location"].endswith(f"/requests/{reference}")
    assert [a.id for a in attachments(app)] == [s["untouched"].id]
    assert stored_files() == {s["untouched"].storage_key}
    assert count(app, RequestEvent) == events + 1
    page = html.unescape(client.get(f"/requests/{reference}").get_data(as_text=True))
    assert "Removed 2 files from this request." in page
    assert "Sam Admin removed 2 files from this request" in page
    for file in s["files"]:
        assert client.get(f"/requests/{reference}/attachments/{file.id}/x.png").status_code \
            == 404


def test_the_requester_is_told_without_the_file_names(client, files_scene):
    s = files_scene
    client.login(s["admin"].email)
    client.form_post(f"/requests/{s['request'].reference}/attachments/remove")
    client.login(s["rosa"].email)
    page = html.unescape(client.get(f"/requests/{s['request'].reference}").get_data(
        as_text=True))
    assert "Files attached to this request were removed by an administrator" in page
    assert "payslip-rosa.png" not in page and "hr-export.csv" not in page


@pytest.mark.parametrize("who", ["rosa", "agent"])
def test_only_administrators_may_remove_files(app, client, files_scene, stored_files, who):
    s = files_scene
    reference = s["request"].reference
    client.login(s[who].email)
    before = stored_files()
    assert "/attachments/remove" not in client.get(f"/requests/{reference}").get_data(
        as_text=True)
    assert client.get(f"/requests/{reference}/attachments/remove").status_code == 404
    assert client.form_post(f"/requests/{reference}/attachments/remove").status_code == 404
    assert len(attachments(app)) == 3 and stored_files() == before


def test_removing_from_a_request_without_files_changes_nothing(app, client, make):
    rosa = make.requester()
    request = make.request(rosa)
    client.login(make.user(roles=(Role.ADMIN,)).email)
    events = count(app, RequestEvent)
    confirm = client.get(f"/requests/{request.reference}/attachments/remove")
    assert "This request has no files." in confirm.get_data(as_text=True)
    response = client.form_post(f"/requests/{request.reference}/attachments/remove",
                                follow_redirects=True)
    assert "This request has no files to remove." in response.get_data(as_text=True)
    assert count(app, RequestEvent) == events

"""Who may fetch a file: the people who may see its request, and for an internal note's
files IT staff only. Everyone else gets 404, whatever id they try."""

from __future__ import annotations

import pytest

from tests.attachments import samples
from tracker.models import Role


@pytest.fixture
def scene(make):
    """Rosa's request in unit A with a public screenshot, an IT reply with a file and an
    internal note with a file; Rita in unit B has a request with a file of her own."""
    brm_a = make.user(roles=(Role.BRM,), name="Bea Brm")
    brm_b = make.user(roles=(Role.BRM,), name="Bo Brm")
    unit_a = make.unit("Aster", brm=brm_a)
    unit_b = make.unit("Birch", brm=brm_b)
    rosa = make.requester(unit=unit_a)
    rita = make.requester(unit=unit_b)
    agent = make.agent()
    admin = make.user(roles=(Role.ADMIN,))
    request = make.request(rosa)
    other = make.request(rita)
    filed = make.attachment(request, rosa, samples.png(), "my-screen.png")
    reply = make.comment(request, agent, "Try this")
    public = make.attachment(request, agent, samples.png(), "setting.png", event=reply)
    note = make.comment(request, agent, "Server side", internal=True)
    internal = make.attachment(request, agent, samples.png(), "server.png", event=note)
    foreign = make.attachment(other, rita, samples.png(), "ritas.png")
    return {
        "people": {"rosa": rosa, "rita": rita, "agent": agent, "admin": admin,
                   "brm_a": brm_a, "brm_b": brm_b},
        "request": request, "other": other, "filed": filed, "public": public,
        "internal": internal, "foreign": foreign,
    }


def _urls(reference: str, attachment) -> tuple[str, str]:
    name = attachment.original_name
    return (f"/requests/{reference}/attachments/{attachment.id}/{name}",
            f"/requests/{reference}/thumbnails/{attachment.id}")


def _status(client, url: str) -> int:
    return client.get(url).status_code


# (who, which file) -> may they fetch it?
ALLOWED = [
    ("rosa", "filed", True), ("rosa", "public", True), ("rosa", "internal", False),
    ("agent", "filed", True), ("agent", "internal", True),
    ("admin", "internal", True),
    ("brm_a", "filed", True), ("brm_a", "public", True), ("brm_a", "internal", False),
    ("rita", "filed", False), ("rita", "public", False), ("rita", "internal", False),
    ("brm_b", "filed", False), ("brm_b", "public", False),
]


@pytest.mark.parametrize(("who", "which", "allowed"), ALLOWED)
def test_files_are_served_only_to_those_who_may_see_them(client, scene, who, which, allowed):
    client.login(scene["people"][who].email)
    for url in _urls(scene["request"].reference, scene[which]):
        response = client.get(url)
        assert response.status_code == (200 if allowed else 404), (who, which, url)
        if not allowed:
            body = response.get_data(as_text=True)
            assert scene[which].original_name not in body


def test_another_requests_file_under_this_reference_is_not_found(client, scene):
    """Rosa names her own request but Rita's file id; staff too get 404 for the mix."""
    for who in ("rosa", "agent", "admin"):
        client.login(scene["people"][who].email)
        for url in _urls(scene["request"].reference, scene["foreign"]):
            assert _status(client, url) == 404, (who, url)
        # and the file is there, under its own request, for staff
        download, _ = _urls(scene["other"].reference, scene["foreign"])
        assert _status(client, download) == (200 if who != "rosa" else 404)


@pytest.mark.parametrize("attachment_id", ["0", "999999", "2147483648", "-1", "1e3", "x"])
def test_made_up_ids_are_not_found(client, scene, attachment_id):
    client.login(scene["people"]["admin"].email)
    reference = scene["request"].reference
    assert _status(client, f"/requests/{reference}/attachments/{attachment_id}/a.png") == 404
    assert _status(client, f"/requests/{reference}/thumbnails/{attachment_id}") == 404


def test_signed_out_visitors_are_sent_to_sign_in(client, scene):
    for url in _urls(scene["request"].reference, scene["filed"]):
        response = client.get(url)
        assert response.status_code == 302
        assert "/login" in response.headers["Location"]


def test_a_file_without_a_thumbnail_has_none(client, make):
    rosa = make.requester()
    request = make.request(rosa)
    log = make.attachment(request, rosa, samples.text(), "export.log")
    client.login(rosa.email)
    assert _status(client, f"/requests/{request.reference}/thumbnails/{log.id}") == 404


def test_the_conversation_lists_only_the_files_one_may_see(client, scene):
    reference = scene["request"].reference
    for who, shown, hidden in (
        ("rosa", {"my-screen.png", "setting.png"}, {"server.png", "ritas.png"}),
        ("brm_a", {"my-screen.png", "setting.png"}, {"server.png", "ritas.png"}),
        ("agent", {"my-screen.png", "setting.png", "server.png"}, {"ritas.png"}),
    ):
        client.login(scene["people"][who].email)
        page = client.get(f"/requests/{reference}").get_data(as_text=True)
        assert all(name in page for name in shown), who
        assert not any(name in page for name in hidden), who
        assert f"/thumbnails/{scene['internal'].id}" not in page or who == "agent"


def test_the_board_panel_shows_the_files(client, scene):
    client.login(scene["people"]["agent"].email)
    panel = client.get(f"/board/requests/{scene['request'].reference}",
                       headers={"HX-Request": "true"}).get_data(as_text=True)
    for name in ("my-screen.png", "setting.png", "server.png"):
        assert name in panel

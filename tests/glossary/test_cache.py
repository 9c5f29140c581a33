"""One compiled glossary per process, rebuilt when the glossary changes in any process;
request pages read its version with one small query."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
import time_machine
from sqlalchemy import select

from tracker import create_app
from tracker.config import TestConfig
from tracker.database import utcnow
from tracker.extensions import db
from tracker.models import GlossaryTerm, Role

TIP = re.compile(r'<span class="jargon-tip" role="tooltip" id="[^"]+">([^<]*)</span>')


def _tips(client, reference) -> list[str]:
    return TIP.findall(client.get(f"/requests/{reference}").get_data(as_text=True))


@pytest.fixture
def scene(make, add_term):
    term_id = add_term("VPN", "First words.")
    rosa = make.requester()
    agent = make.agent()
    request = make.request(rosa)
    make.comment(request, agent, "Connect to the VPN.")
    return rosa, request, term_id


@pytest.fixture
def other_worker(app, tmp_path):
    """A second application on the same database: another gunicorn worker, or host."""
    other = create_app(TestConfig(str(tmp_path), app.config["SQLALCHEMY_DATABASE_URI"]))
    other.test_client_class = app.test_client_class
    yield other
    with other.app_context():
        db.session.remove()
        db.engine.dispose()


def test_an_edit_shows_on_the_next_page(client, make, scene):
    rosa, request, term_id = scene
    admin = make.user(roles=(Role.ADMIN,))
    client.login(rosa.email)
    assert _tips(client, request.reference) == ["First words."]
    client.login(admin.email)
    client.form_post(f"/admin/glossary/{term_id}", {"term": "VPN", "explanation": "New words."})
    client.login(rosa.email)
    assert _tips(client, request.reference) == ["New words."]


def test_an_edit_in_another_worker_shows_here_too(app, client, make, scene, other_worker):
    rosa, request, term_id = scene
    admin = make.user(roles=(Role.ADMIN,))
    client.login(rosa.email)
    assert _tips(client, request.reference) == ["First words."]
    assert _tips(client, request.reference) == ["First words."]  # from this worker's cache

    elsewhere = other_worker.test_client()
    elsewhere.login(admin.email)
    response = elsewhere.form_post(f"/admin/glossary/{term_id}",
                                   {"term": "VPN", "explanation": "Edited elsewhere."})
    assert response.status_code == 303
    assert _tips(client, request.reference) == ["Edited elsewhere."]

    response = elsewhere.form_post("/admin/glossary/new",
                                   {"term": "connect", "explanation": "Join up."})
    assert response.status_code == 303
    assert _tips(client, request.reference) == ["Join up.", "Edited elsewhere."]

    elsewhere.form_post(f"/admin/glossary/{term_id}/delete")
    assert _tips(client, request.reference) == ["Join up."]


def test_an_edit_from_a_host_whose_clock_is_behind_still_counts(app, client, make, add_term,
                                                                 scene):
    rosa, request, term_id = scene
    add_term("later", "Saved after the VPN, so the latest change is this one.")
    client.login(rosa.email)
    assert _tips(client, request.reference) == ["First words."]
    admin = make.user(roles=(Role.ADMIN,))
    editor = app.test_client()
    with time_machine.travel(utcnow() - timedelta(hours=1), tick=False):
        editor.login(admin.email)
        response = editor.form_post(f"/admin/glossary/{term_id}",
                                    {"term": "VPN", "explanation": "Late."})
    assert response.status_code == 303, response.headers.get("Location")
    assert _tips(client, request.reference) == ["Late."]


def test_saving_without_changes_keeps_the_cache(app, client, make, scene, count_queries):
    rosa, request, term_id = scene
    admin = make.user(roles=(Role.ADMIN,))
    with app.app_context():
        before = db.session.scalar(select(GlossaryTerm.updated_at))
        db.session.remove()
    editor = app.test_client()
    editor.login(admin.email)
    client.login(rosa.email)
    url = f"/requests/{request.reference}"
    client.get(url)  # the matcher is built and cached
    response = editor.form_post(f"/admin/glossary/{term_id}",
                                {"term": "VPN", "explanation": "First words."})
    assert response.status_code == 303
    with app.app_context():
        assert db.session.scalar(select(GlossaryTerm.updated_at)) == before
        db.session.remove()
    _statements, reads = _count(client, count_queries, url)
    assert len(reads) == 1  # the version only: the cached matcher still stands


def _count(client, count_queries, url) -> tuple[int, list[str]]:
    with count_queries() as statements:
        assert client.get(url).status_code == 200
    return len(statements), [s for s in statements if "glossary_terms" in s]


def test_the_request_page_reads_the_glossary_once_and_compiles_it_only_after_a_change(
        client, make, add_term, scene, count_queries):
    rosa, request, _ = scene
    client.login(rosa.email)
    url = f"/requests/{request.reference}"
    client.get(url)
    steady, reads = _count(client, count_queries, url)
    assert len(reads) == 1 and "count(" in reads[0].lower() and "max(" in reads[0].lower()

    for n in range(20):
        add_term(f"word{n}", f"Explanation {n}.")
    agent = make.agent()
    for n in range(10):
        make.comment(request, agent, f"More about the VPN and word{n}.")
    after_change, reads = _count(client, count_queries, url)
    assert after_change == steady + 1 and len(reads) == 2  # the version, then the terms
    again, reads = _count(client, count_queries, url)
    assert again == steady and len(reads) == 1


def test_staff_pages_and_pages_without_replies_do_not_read_the_glossary(
        client, make, add_term, count_queries):
    add_term("VPN", "A private connection.")
    rosa = make.requester()
    agent = make.agent()
    request = make.request(rosa, description="My VPN is down.")
    make.comment(request, rosa, "Any news about the VPN?")
    client.login(rosa.email)
    assert _count(client, count_queries, f"/requests/{request.reference}")[1] == []
    make.comment(request, agent, "Connect to the VPN.")
    client.login(agent.email)
    for url in (f"/requests/{request.reference}", f"/board/requests/{request.reference}",
                "/board"):
        assert _count(client, count_queries, url)[1] == [], url


def test_the_public_and_admin_lists_run_a_fixed_number_of_queries(
        client, make, add_term, count_queries):
    add_term("VPN", "A private connection.")
    small, _ = _count(client, count_queries, "/glossary")
    for n in range(30):
        add_term(f"word{n}", f"Explanation {n}.", (f"other{n}",))
    large, _ = _count(client, count_queries, "/glossary")
    assert small == large == 1

    client.login(make.user(roles=(Role.ADMIN,)).email)
    admin_queries, _ = _count(client, count_queries, "/admin/glossary")
    add_term("extra", "One more.")
    assert _count(client, count_queries, "/admin/glossary")[0] == admin_queries

"""Several writers at once: no "database is locked", nothing lost."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

from sqlalchemy import func, select

from tracker.extensions import db
from tracker.models import RequestEvent, ServiceRequest

WRITERS = 4
REQUESTS_EACH = 8


def test_concurrent_writers_all_succeed(app, make):
    people = [make.requester() for _ in range(WRITERS)]
    target = make.request(make.requester())
    agent = make.agent()

    def file_many(person) -> list[int]:
        client = app.test_client()
        client.login(person.email)
        statuses = []
        for n in range(REQUESTS_EACH):
            response = client.form_post(
                "/requests/new",
                {"category": "question", "title": f"Question {n}", "description": "How?",
                 "impact": "just_me", "urgency": "workaround"},
            )
            statuses.append(response.status_code)
        return statuses

    def comment_many() -> list[int]:
        client = app.test_client()
        client.login(agent.email)
        return [
            client.form_post(
                f"/requests/{target.reference}/comments", {"body": f"Update {n}"}
            ).status_code
            for n in range(REQUESTS_EACH)
        ]

    with ThreadPoolExecutor(max_workers=WRITERS + 1) as pool:
        filings = [pool.submit(file_many, person) for person in people]
        comments = pool.submit(comment_many)
        statuses = [s for f in filings for s in f.result()] + comments.result()

    assert statuses == [303] * len(statuses)
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(ServiceRequest)) == (
            WRITERS * REQUESTS_EACH + 1
        )
        assert db.session.scalar(
            select(func.count()).select_from(RequestEvent).where(RequestEvent.kind == "comment")
        ) == REQUESTS_EACH


def test_agents_replying_at_once_to_one_request_all_succeed(app, make):
    """Replies bump the request's version; simultaneous ones must queue, not conflict."""
    target = make.request(make.requester())
    agents = [make.agent() for _ in range(WRITERS)]

    def reply_many(agent) -> list[int]:
        client = app.test_client()
        client.login(agent.email)
        return [
            client.form_post(
                f"/requests/{target.reference}/comments", {"body": f"{agent.email} {n}"}
            ).status_code
            for n in range(REQUESTS_EACH)
        ]

    with ThreadPoolExecutor(max_workers=WRITERS) as pool:
        statuses = [s for job in [pool.submit(reply_many, a) for a in agents] for s in job.result()]

    assert statuses == [303] * WRITERS * REQUESTS_EACH
    with app.app_context():
        assert db.session.scalar(
            select(func.count()).select_from(RequestEvent).where(RequestEvent.kind == "comment")
        ) == WRITERS * REQUESTS_EACH

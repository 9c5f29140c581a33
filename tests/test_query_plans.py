"""The main pages read through indexes, however many requests there are (SQLite plans).

Query counts (tests/*/test_query_counts.py) keep pages from running more statements as
data grows; these keep each statement from reading more rows. They ask SQLite for the
plan of every statement a page ran: a full scan or a join done before sorting would grow
with the number of requests. PostgreSQL plans small test tables differently, so they run
on SQLite only; the benchmark (bench/) shows both at 100,000 requests.
"""

from __future__ import annotations

from contextlib import contextmanager

import pytest
from sqlalchemy import event

from tests.feedback.support import invite
from tracker.extensions import db
from tracker.models import Stage


@pytest.fixture
def plans(app):
    """Run a page and return (statement, plan lines) for each SELECT it ran."""
    with app.app_context():
        engine = db.engine
    if engine.dialect.name != "sqlite":
        pytest.skip("query plans are checked on SQLite")

    @contextmanager
    def capturing():
        seen: list[tuple[str, object]] = []

        def on_execute(_conn, _cursor, statement, parameters, _context, _many):
            if statement.lstrip().upper().startswith("SELECT"):
                seen.append((statement, parameters))

        found: list[tuple[str, list[str]]] = []
        event.listen(engine, "before_cursor_execute", on_execute)
        try:
            yield found
        finally:
            event.remove(engine, "before_cursor_execute", on_execute)
        with engine.connect() as conn:
            for statement, parameters in seen:
                rows = conn.exec_driver_sql("EXPLAIN QUERY PLAN " + statement, parameters)
                found.append((statement, [row[3] for row in rows]))

    return capturing


def _plan_of(found, needle: str) -> list[str]:
    matching = [plan for statement, plan in found if needle in statement]
    assert matching, f"no statement contains {needle!r}"
    return matching[0]


def test_portal_home_reads_a_persons_requests_and_surveys_through_indexes(
    app, client, make, plans
):
    rosa = make.requester()
    for stage in (Stage.NEW, Stage.IN_PROGRESS, Stage.CLOSED):
        make.request(rosa, stage=stage)
    invite(app, make.request(rosa, stage=Stage.RESOLVED))
    client.login(rosa.email)
    with plans() as found:
        assert client.get("/").status_code == 200
    in_progress = _plan_of(found, "ORDER BY service_requests.last_activity_at DESC")
    assert any("INDEX ix_service_requests_requester_stage" in line for line in in_progress)
    waiting = _plan_of(found, "FROM survey_invitations")
    assert any("INDEX ix_survey_invitations_requester_open" in line for line in waiting)
    assert not any(line.startswith("SCAN survey_invitations") for line in waiting)


def test_list_view_sorts_the_requests_before_joining_what_a_row_shows(client, make, plans):
    rosa = make.requester()
    for _ in range(3):
        make.request(rosa)
    client.login(make.agent().email)
    with plans() as found:
        assert client.get("/board?view=list&sort=due").status_code == 200
    joined = _plan_of(found, "LEFT OUTER JOIN categories")
    # The rows are fetched by id (the page's 50), not sorted after joining every match.
    assert "SEARCH service_requests USING INTEGER PRIMARY KEY (rowid=?)" in joined
    assert not any("TEMP B-TREE" in line for line in joined)


def test_unit_median_times_read_covering_indexes(client, make, plans):
    unit = make.unit()
    rosa = make.requester(unit=unit)
    make.request(rosa, stage=Stage.RESOLVED)
    client.login(make.agent().email)
    with plans() as found:
        assert client.get(f"/units/{unit.id}?period=365").status_code == 200
    medians = _plan_of(found, "row_number() OVER")
    assert any("COVERING INDEX ix_service_requests_unit_created" in line for line in medians)
    assert any("COVERING INDEX ix_service_requests_unit_resolved" in line for line in medians)

"""The e-mails a change to a request causes; each hook is one call beside the in-app notice.

Every hook returns at once, without a query, while e-mail is off.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from flask import current_app
from sqlalchemy import select
from sqlalchemy.orm import joinedload

from tracker.extensions import db
from tracker.mail import outbox
from tracker.mail.kinds import MailKind
from tracker.models import ITTeam, RequestEvent, ServiceRequest, Stage, User
from tracker.service_requests import sla

# An SLA clock that ran out longer ago than this is the board's business, not a warning:
# the first sla-check on an old database does not mail about last month's breaches.
SLA_NOTICE_HORIZON = timedelta(days=1)


def request_received(service_request: ServiceRequest) -> None:
    """To the requester: we got it, here is its reference and link."""
    if not outbox.enabled():
        return
    outbox.queue(
        service_request.requester, MailKind.REQUEST_RECEIVED, "We got your request",
        service_request=service_request,
    )


def reply_from_it(service_request: ServiceRequest, event: RequestEvent) -> None:
    """To the requester: someone from IT answered in the conversation."""
    if not outbox.enabled() or event.internal:
        return
    author = event.actor
    who = author.first_name if author is not None else "IT"
    outbox.queue(
        service_request.requester, MailKind.REPLY, f"{who} from IT replied",
        service_request=service_request, author=author, body=event.body or "",
    )


def stage_changed(
    service_request: ServiceRequest,
    new: Stage,
    *,
    note: str | None = None,
    survey_token: str | None = None,
) -> None:
    """To the requester: IT needs something from them, or says it is done."""
    if not outbox.enabled():
        return
    if new is Stage.WAITING_ON_REQUESTER:
        outbox.queue(
            service_request.requester, MailKind.WAITING_ON_YOU, "We need something from you",
            service_request=service_request, note=note,
        )
    elif new is Stage.RESOLVED:
        survey_url = (
            outbox.external_url("feedback.survey", token=survey_token) if survey_token else None
        )
        outbox.queue(
            service_request.requester, MailKind.RESOLVED, "Done: did this fix it?",
            service_request=service_request, note=note, survey_url=survey_url,
        )


def assigned(service_request: ServiceRequest, actor: User, assignee: User | None) -> None:
    """To the new assignee, unless they took it themselves."""
    if not outbox.enabled() or assignee is None or assignee.id == actor.id:
        return
    outbox.queue(
        assignee, MailKind.ASSIGNED, "Assigned to you",
        service_request=service_request, actor=actor, due=_due_words(service_request),
    )


def check_sla(now: datetime) -> int:
    """Warn once per request, clock and due time when a running clock passes its warning
    point: the assignee, or else every member of the request's team. Returns how many
    notices were queued; running it again queues nothing new."""
    if not outbox.enabled():
        return 0
    running = [stage.value for stage in sla.RUNNING_STAGES]
    found = _requests_at_risk(running, now)
    planned: list[tuple[ServiceRequest, User, str]] = []
    for service_request in found:
        clock = "reply" if service_request.first_response_at is None else "resolution"
        due = int(service_request.sla_due_at.timestamp())
        for person in _sla_recipients(service_request):
            key = f"sla:{service_request.id}:{clock}:{due}:{person.id}"
            planned.append((service_request, person, key))
    done = outbox.existing_keys([key for _, _, key in planned])
    queued = 0
    for service_request, person, key in planned:
        if key in done:
            continue
        breached = service_request.sla_due_at <= now
        message = outbox.queue(
            person, MailKind.SLA_AT_RISK, "SLA breached" if breached else "SLA at risk",
            service_request=service_request, dedupe_key=key,
            clock_words=sla.describe(service_request, now), breached=breached,
            due=_due_words(service_request),
            for_team=service_request.assignee_id is None,
        )
        queued += message is not None
    return queued


def _requests_at_risk(running: list[str], now: datetime) -> list[ServiceRequest]:
    return list(
        db.session.scalars(
            select(ServiceRequest)
            .options(
                joinedload(ServiceRequest.assignee).selectinload(User.role_grants),
                joinedload(ServiceRequest.team)
                .selectinload(ITTeam.members)
                .selectinload(User.role_grants),
                joinedload(ServiceRequest.requester),
            )
            .where(
                ServiceRequest.stage.in_(running),
                ServiceRequest.sla_warn_at <= now,
                ServiceRequest.sla_due_at > now - SLA_NOTICE_HORIZON,
            )
            .order_by(ServiceRequest.sla_due_at, ServiceRequest.id)
        ).unique()
    )


def _sla_recipients(service_request: ServiceRequest) -> list[User]:
    assignee = service_request.assignee
    if assignee is not None and assignee.active and assignee.is_staff:
        return [assignee]
    team = service_request.team
    members = team.members if team is not None else []
    return sorted(
        (m for m in members if m.active and m.is_staff), key=lambda m: m.id
    )


def _due_words(service_request: ServiceRequest) -> str:
    """"Tue 3 Dec, 14:30 (Europe/London)": the clock's due time where IT works."""
    due = service_request.sla_due_at
    if due is None or service_request.stage_enum not in sla.RUNNING_STAGES:
        return ""
    zone_name = current_app.config.get("RAPPORT_TIMEZONE", "UTC")
    local = due.astimezone(ZoneInfo(zone_name))
    return f"{local.strftime('%a')} {local.day} {local.strftime('%b, %H:%M')} ({zone_name})"

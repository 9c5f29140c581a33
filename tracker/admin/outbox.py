"""The e-mail outbox: what waits, what went, what failed and why; failed mail can go again."""

from __future__ import annotations

from dataclasses import dataclass

from flask import current_app, flash, redirect, request, url_for
from sqlalchemy import func, select
from sqlalchemy.orm import defer
from wtforms import HiddenField
from wtforms.validators import AnyOf, Length

from tracker.admin.views import bp
from tracker.database import utcnow
from tracker.extensions import db
from tracker.mail import outbox
from tracker.mail.kinds import MailKind
from tracker.models import OutboxMessage, OutboxStatus, Role
from tracker.models.requests import parse_id
from tracker.web.arguments import page_number, search_words
from tracker.web.authz import role_required
from tracker.web.forms import RapportForm
from tracker.web.rendering import render

PER_PAGE = 50
# Tabs: a name in the URL and the statuses it shows ("waiting" includes messages a
# sender holds right now).
TABS = {
    "all": tuple(OutboxStatus),
    "waiting": (OutboxStatus.PENDING, OutboxStatus.SENDING),
    "failed": (OutboxStatus.FAILED,),
    "sent": (OutboxStatus.SENT,),
}
STATUS_WORDS = {
    OutboxStatus.PENDING: "Waiting",
    OutboxStatus.SENDING: "Sending",
    OutboxStatus.SENT: "Sent",
    OutboxStatus.FAILED: "Failed",
}


class RetryForm(RapportForm):
    """Try one failed message again, or every failed one."""

    scope = HiddenField(validators=[AnyOf(["one", "failed"]), Length(max=10)])
    message = HiddenField(validators=[Length(max=12)])


@dataclass(frozen=True)
class OutboxFilters:
    tab: str = "all"
    kind: str = ""
    q: str = ""

    @classmethod
    def from_args(cls, args) -> OutboxFilters:
        tab = args.get("status", "all")
        kind = args.get("kind", "")
        return cls(
            tab=tab if tab in TABS else "all",
            kind=kind if kind in {k.value for k in MailKind} else "",
            q=search_words(args.get("q", ""), 200),
        )

    def params(self, **changes) -> dict[str, str]:
        values = {"status": self.tab, "kind": self.kind, "q": self.q, **changes}
        return {k: v for k, v in values.items() if v and not (k == "status" and v == "all")}

    def apply(self, query):
        query = query.where(OutboxMessage.status.in_([s.value for s in TABS[self.tab]]))
        if self.kind:
            query = query.where(OutboxMessage.kind == self.kind)
        if self.q:
            needle = self.q.lower()
            query = query.where(
                func.lower(OutboxMessage.to_address).contains(needle, autoescape=True)
            )
        return query


@bp.get("/outbox")
@role_required(Role.ADMIN)
def outbox_page():
    """Newest first, 50 to a page, with the count and oldest due time per status."""
    filters = OutboxFilters.from_args(request.args)
    summary = outbox.status_summary()
    pagination = db.paginate(
        filters.apply(
            select(OutboxMessage).options(
                defer(OutboxMessage.body_text), defer(OutboxMessage.body_html)
            )
        ).order_by(
            OutboxMessage.created_at.desc(), OutboxMessage.id.desc()
        ),
        page=page_number(request.args),
        per_page=PER_PAGE,
        error_out=False,
    )
    now = utcnow()
    waiting, oldest_due = summary[OutboxStatus.PENDING]
    config = current_app.config
    return render(
        "admin/outbox.html",
        pagination=pagination,
        filters=filters,
        summary=summary,
        tab_counts={
            tab: sum(summary[status][0] for status in statuses)
            for tab, statuses in TABS.items()
        },
        kinds=list(MailKind),
        kind_labels={kind.value: kind.short_label for kind in MailKind},
        status_words=STATUS_WORDS,
        mail_enabled=outbox.enabled(),
        server=(
            f"{config['MAIL_SERVER']}:{config['MAIL_PORT']}"
            + (" with STARTTLS" if config.get("MAIL_USE_TLS") else "")
            + (" over TLS" if config.get("MAIL_USE_SSL") else "")
        ) if outbox.enabled() else "",
        sender=config.get("MAIL_DEFAULT_SENDER") or "",
        # Waiting mail that has been due for a while: is send-mail running at all?
        stuck_since=oldest_due if waiting and oldest_due and (now - oldest_due).total_seconds()
        > 15 * 60 else None,
        now=now,
        retry_form=RetryForm(formdata=None),
    )


@bp.post("/outbox/retry")
@role_required(Role.ADMIN)
def retry_outbox():
    """Failed messages get a fresh set of attempts; the next send-mail run sends them."""
    form = RetryForm()
    filters = OutboxFilters.from_args(request.form)
    if not form.validate_on_submit():
        flash("Choose a failed message to try again.", "error")
        return redirect(url_for(".outbox_page", **filters.params()), 303)
    if form.scope.data == "one":
        message_id = parse_id(form.message.data)
        count = outbox.retry_failed([message_id] if message_id is not None else [])
    else:
        count = outbox.retry_failed()
    db.session.commit()
    if count:
        noun = "message" if count == 1 else "messages"
        flash(f"{count} {noun} will be tried again on the next send-mail run.", "success")
    else:
        flash("Nothing to try again: that message is no longer failed.", "info")
    return redirect(url_for(".outbox_page", **filters.params()), 303)

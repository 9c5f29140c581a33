"""Administrator screens: SLA policies and business hours."""

from __future__ import annotations

from decimal import Decimal

from flask import Blueprint, flash, redirect, url_for
from sqlalchemy import select

from tracker.admin.forms import WEEKDAYS, SLAPolicyForm
from tracker.extensions import db
from tracker.models import BusinessHours, Role, SLAPolicy
from tracker.service_requests import sla
from tracker.web.authz import role_required
from tracker.web.rendering import render

bp = Blueprint("admin", __name__, url_prefix="/admin")


def _minutes(hours: Decimal) -> int:
    return max(round(float(hours) * 60), 1)


@bp.route("/sla", methods=["GET", "POST"])
@role_required(Role.ADMIN)
def sla_policies():
    """Targets per priority and the working week; saving re-times every open request."""
    sla.seed_sla_defaults()
    policies = {p.priority: p for p in db.session.scalars(select(SLAPolicy))}
    hours = db.session.scalar(select(BusinessHours).order_by(BusinessHours.id).limit(1))
    form = SLAPolicyForm()
    if not form.is_submitted():
        form.weekdays.data = sorted(str(d) for d in hours.weekday_set)
        form.opens.data, form.closes.data = hours.opens, hours.closes
        for priority, policy in policies.items():
            response, resolution, clock = form.priority_fields(priority)
            response.data = Decimal(policy.first_response_minutes) / 60
            resolution.data = Decimal(policy.resolution_minutes) / 60
            clock.data = policy.around_the_clock
    if form.validate_on_submit():
        hours.weekdays = ",".join(sorted(form.weekdays.data))
        hours.opens, hours.closes = form.opens.data, form.closes.data
        for priority, policy in policies.items():
            response, resolution, clock = form.priority_fields(priority)
            policy.first_response_minutes = _minutes(response.data)
            policy.resolution_minutes = _minutes(resolution.data)
            policy.around_the_clock = bool(clock.data)
        db.session.flush()
        updated = sla.recompute_open(sla.load_rules(fresh=True))
        db.session.commit()
        noun = "request" if updated == 1 else "requests"
        flash(f"Saved. Due times of {updated} open {noun} now follow the new policy.", "success")
        return redirect(url_for(".sla_policies"), 303)
    status = 422 if form.is_submitted() else 200
    return render(
        "admin/sla.html", status=status, form=form, weekdays=WEEKDAYS,
        day_hours=(hours.opens, hours.closes),
    )

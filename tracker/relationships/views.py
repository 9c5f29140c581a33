"""Unit dashboards and the BRM's portfolio."""

from __future__ import annotations

from flask import abort, redirect, request, url_for
from flask_login import current_user, login_required

from tracker.database import utcnow
from tracker.feedback import stats
from tracker.models import Role, ToolStatus
from tracker.relationships import access, health, metrics, overview
from tracker.relationships.blueprint import bp
from tracker.relationships.metrics import DEFAULT_PERIOD, PERIODS, Window
from tracker.relationships.pulse import latest_results
from tracker.relationships.touchpoints import open_actions, recent_touchpoints
from tracker.web.rendering import render


def _window() -> Window:
    days = request.args.get("period", type=int)
    return Window(utcnow(), days if days in PERIODS else DEFAULT_PERIOD)


@bp.route("/portfolio")
@login_required
def portfolio():
    """All the units a BRM looks after (every unit for IT staff), the troubled ones first."""
    if not (current_user.is_staff or current_user.has_role(Role.BRM)):
        abort(404)
    window = _window()
    sort = request.args.get("sort", "attention")
    sort = sort if sort in overview.SORTS else "attention"
    rows = overview.portfolio(current_user, window, sort)
    unit_ids = [row.unit.id for row in rows]
    return render(
        "relationships/portfolio.html",
        rows=rows,
        window=window,
        periods=PERIODS,
        sort=sort,
        sorts=overview.SORTS,
        actions=open_actions(unit_ids) if unit_ids else [],
        today=window.now.date(),
        unit_names={row.unit.id: row.unit.name for row in rows},
    )


@bp.route("/units/")
@login_required
def units():
    return redirect(url_for(".portfolio"))


@bp.route("/units/<int:unit_id>")
@login_required
def unit_dashboard(unit_id: int):
    """One relationship at a glance, with every figure behind the health score."""
    unit = access.load_unit_or_404(current_user, unit_id)
    window = _window()
    row = overview.assess_units([unit], window)[0]
    bars, previous_filed = metrics.volume(unit.id, window)
    return render(
        "relationships/dashboard.html",
        unit=unit,
        row=row,
        window=window,
        periods=PERIODS,
        today=window.now.date(),
        bars=bars,
        previous_filed=previous_filed,
        categories=metrics.by_category(unit.id, window),
        stages=[(stage.staff_label, n) for stage, n in metrics.open_by_stage(unit.id)],
        tool_statuses=[(status.value, status.staff_label) for status in ToolStatus],
        medians=metrics.medians(unit.id, window),
        csat_bars=metrics.csat_trend(unit.id, window),
        comments=stats.latest_comments(limit=5, unit_id=unit.id),
        tools=metrics.tools(unit.id),
        ideas=metrics.open_ideas(unit.id),
        open_requests=metrics.oldest_open_requests(unit.id),
        touchpoints=recent_touchpoints(unit.id),
        can_log=access.can_log_touchpoints(current_user, unit),
        pulse_results=latest_results(unit.id, window.now),
        can_send=access.can_send_pulse(current_user, unit),
        min_weight=health.MIN_WEIGHT,
    )

"""Register a tool, say "we use it too", see the inventory, review, export."""

from __future__ import annotations

from flask import Blueprint, Response, abort, flash, redirect, request, session, url_for
from flask_login import current_user, login_required
from sqlalchemy import select
from wtforms.fields.choices import SelectChoice

from tracker.database import utcnow
from tracker.extensions import db
from tracker.models import BusinessUnit, ServiceRequest, ShadowTool, ToolStatus
from tracker.models.requests import parse_id
from tracker.service_requests.timeline import RequestRuleError
from tracker.shadow_it import queries, services
from tracker.shadow_it.forms import JoinForm, ReviewForm, ToolForm
from tracker.shadow_it.risk import TIERS
from tracker.web.authz import staff_required
from tracker.web.rendering import render

bp = Blueprint("shadow_it", __name__, url_prefix="/tools")


def _my_requests():
    return db.session.scalars(
        select(ServiceRequest)
        .where(ServiceRequest.requester_id == current_user.id)
        .order_by(ServiceRequest.created_at.desc())
        .limit(30)
    ).all()


# The tool a duplicate registration was offered to join ("we use it too").
OFFERED_TOOL = "offered_tool"


@bp.route("/new", methods=["GET", "POST"])
@login_required
def new():
    form = ToolForm()
    form.set_requests(_my_requests())
    duplicate = None
    if form.validate_on_submit():
        duplicate = services.find_duplicate(form.name.data, form.url.data or "")
        if duplicate is None or form.different_tool.data:
            try:
                tool = services.register(current_user, _registration(form))
            except RequestRuleError as exc:
                db.session.rollback()
                form.unmet_request.errors = [str(exc)]
            else:
                db.session.commit()
                flash("Thank you for telling us. Nothing bad happens because of this; "
                      "IT will have a look and let you know here.", "success")
                return redirect(url_for(".detail", tool_id=tool.id), 303)
    status = 422 if form.is_submitted() else 200
    if duplicate is not None and not form.errors:
        status = 409
        # The person may join the tool they were just offered, even if it is not theirs.
        session[OFFERED_TOOL] = duplicate.id
    return render("shadow_it/new.html", status=status, form=form, duplicate=duplicate,
                  join_form=JoinForm(formdata=None, people=form.user_count.data or 1))


def _registration(form: ToolForm) -> services.Registration:
    return services.Registration(
        name=form.name.data,
        url=form.url.data or "",
        purpose=form.purpose.data,
        user_count=form.user_count.data,
        payer=form.payer.data,
        cost_amount=form.cost_amount.data,
        cost_period=form.cost_period.data,
        currency=form.currency.data,
        data_kind=form.data_kind.data,
        sign_in=form.sign_in.data,
        business_critical=form.critical.data == "yes",
        impact=form.impact.data or "",
        renewal_date=form.renewal_date.data,
        unmet_request_id=parse_id(form.unmet_request.data or ""),
    )


@bp.post("/<int(max=2147483647):tool_id>/join")
@login_required
def join(tool_id: int):
    """"We use it too": no need to register it twice."""
    if session.get(OFFERED_TOOL) == tool_id:
        tool = db.session.get(ShadowTool, tool_id)
        if tool is None:
            abort(404)
    else:
        tool = queries.load_tool_or_404(current_user, tool_id)
    form = JoinForm()
    if form.validate_on_submit():
        services.join(tool, current_user, form.people.data)
        db.session.commit()
        session.pop(OFFERED_TOOL, None)
        flash(f"Thanks! We've noted that your team uses {tool.name} too.", "success")
        return redirect(url_for(".detail", tool_id=tool.id), 303)
    # Said next to the field, with what was typed, on a page of its own: the registration
    # form the offer came with was not sent again.
    return render("shadow_it/join.html", status=422, tool=tool, form=form)


def _review_form(tool, form=None) -> ReviewForm:
    form = form or ReviewForm(formdata=None)
    moves = services.REVIEW_TRANSITIONS[tool.status_enum]
    form.status.choices = [SelectChoice(s.value, s.staff_label) for s in ToolStatus if s in moves]
    form.version.data = tool.version
    if not form.renewal_date.data:
        form.renewal_date.data = tool.renewal_date
    return form


@bp.get("/<int(max=2147483647):tool_id>")
@login_required
def detail(tool_id: int):
    tool = queries.load_tool_or_404(current_user, tool_id)
    return render("shadow_it/detail.html", tool=tool, review_form=_review_form(tool))


@bp.post("/<int(max=2147483647):tool_id>/review")
@staff_required
def review(tool_id: int):
    tool = queries.load_tool_or_404(current_user, tool_id)
    form = ReviewForm()
    status = 422
    if form.validate_on_submit():
        try:
            services.review(tool, current_user, form.status.data, form.rationale.data or "",
                            form.advice.data or "", seen_version=form.version.data)
            if form.renewal_date.data != tool.renewal_date:
                tool.renewal_date = form.renewal_date.data
        except RequestRuleError as exc:
            db.session.rollback()
            tool = queries.load_tool_or_404(current_user, tool_id)
            form.status.errors = [str(exc)]
            status = 409
        else:
            db.session.commit()
            flash(f"{tool.name} is now {tool.status_enum.staff_label.lower()}.", "success")
            return redirect(url_for(".detail", tool_id=tool.id), 303)
    return render("shadow_it/detail.html", status=status, tool=tool,
                  review_form=_review_form(tool, form))


@bp.get("/")
@login_required
def index():
    filters = queries.ToolFilters.from_args(request.args)
    today = utcnow().date()
    tools = db.session.scalars(queries.inventory_query(current_user, filters, today)).all()
    costs = queries.cost_by_unit(current_user)
    totals: dict[str, object] = {}
    for line in costs:
        totals[line.currency] = totals.get(line.currency, 0) + line.yearly
    return render(
        "shadow_it/index.html",
        tools=tools,
        filters=filters,
        tiers=TIERS,
        statuses=list(ToolStatus),
        units=(
            db.session.scalars(select(BusinessUnit).order_by(BusinessUnit.name)).all()
            if current_user.is_staff else []
        ),
        costs=costs,
        cost_totals=totals,
        renewing=queries.renewing_soon(current_user, today),
        today=today,
    )


@bp.get("/export.csv")
@login_required
def export():
    """The filtered inventory as CSV, safe to open in a spreadsheet."""
    filters = queries.ToolFilters.from_args(request.args)
    tools = db.session.scalars(
        queries.inventory_query(current_user, filters, utcnow().date())
    ).all()
    return Response(
        queries.to_csv(tools),
        mimetype="text/csv",
        headers={"Content-Disposition": "attachment; filename=tools.csv"},
    )

"""Portal and request pages: thin views over services, queries and policies."""

from __future__ import annotations

from flask import Blueprint, abort, current_app, flash, redirect, request, url_for
from flask_login import current_user, login_required
from sqlalchemy import select
from wtforms.fields.choices import SelectChoice

from tracker.attachments import services as attachment_services
from tracker.attachments.queries import files_for
from tracker.database import utcnow
from tracker.extensions import db
from tracker.feedback import services as feedback_services
from tracker.feedback import surveys
from tracker.feedback.forms import SurveyForm
from tracker.models import Category, Stage
from tracker.relationships.pulse import open_pulses_for
from tracker.relationships.services import it_people_for
from tracker.service_requests import services, workflow
from tracker.service_requests.catalog import active_categories
from tracker.service_requests.forms import (
    CommentForm,
    ConfirmForm,
    NewRequestForm,
    ReopenForm,
    StageForm,
)
from tracker.service_requests.policies import (
    can_comment,
    can_see_internal,
    is_requester_of,
)
from tracker.service_requests.queries import (
    load_request_or_404,
    my_open_requests,
    my_requests_query,
    timeline_for,
)
from tracker.web.arguments import page_number
from tracker.web.authz import staff_required
from tracker.web.rendering import render, wants_fragment

bp = Blueprint("service_requests", __name__)

HOME_OPEN_LIMIT = 5


def _page_number() -> int:
    return page_number(request.args)


@bp.get("/")
@login_required
def home():
    """Portal home: how can we help, what is in progress, who your IT people are."""
    return render(
        "service_requests/home.html",
        categories=active_categories(),
        open_requests=my_open_requests(current_user, HOME_OPEN_LIMIT),
        it_people=it_people_for(current_user),
        pending_surveys=surveys.pending_for_person(current_user, utcnow()),
        pending_pulses=open_pulses_for(current_user, utcnow()),
    )


@bp.route("/requests/new", methods=["GET", "POST"])
@login_required
def new_request():
    categories = active_categories()
    form = NewRequestForm()
    form.set_categories(categories)
    if request.method == "GET" and request.args.get("category"):
        form.category.data = request.args["category"]
    form.prepare_key()
    if form.validate_on_submit():
        category = db.session.scalar(select(Category).where(Category.slug == form.category.data))
        service_request, created = services.file_request(
            current_user,
            services.NewRequest(
                title=form.title.data,
                description=form.description.data,
                category=category,
                impact=form.impact.data,
                urgency=form.urgency.data,
                idempotency_key=form.submitted_key(),
            ),
        )
        if created:
            attachment_services.attach(service_request, current_user, form.files.uploads)
        db.session.commit()
        if created:
            flash(
                f"Thanks, we got your request. Its reference is {service_request.reference}; "
                "we'll keep you posted here.",
                "success",
            )
        return redirect(url_for(".detail", reference=service_request.reference), 303)
    status = 422 if form.is_submitted() else 200
    return render("service_requests/new.html", form=form, status=status)


@bp.get("/requests/")
@login_required
def my_requests():
    pagination = db.paginate(
        my_requests_query(current_user),
        page=_page_number(),
        per_page=current_app.config["RAPPORT_PAGE_SIZE"],
        error_out=False,
    )
    return render("service_requests/my_requests.html", block="results", pagination=pagination)


def _detail_context(service_request, **forms) -> dict:
    """The request page's data; only the forms the page shows this person are built."""
    now = utcnow()
    staff_view = can_see_internal(current_user)
    is_requester = is_requester_of(current_user, service_request)
    may_comment = can_comment(current_user, service_request)
    pending_survey = surveys.pending_for_request(service_request, now) if is_requester else None
    comment_form = forms.get("comment_form")
    if comment_form is None and may_comment:
        comment_form = CommentForm(formdata=None)
    if comment_form is not None:
        comment_form.prepare_key()
    stage_form = forms.get("stage_form")
    if stage_form is None and staff_view:
        stage_form = StageForm(formdata=None)
    if stage_form is not None:
        stage_form.version.data = service_request.version
        moves = workflow.allowed_stage_moves(service_request)
        stage_form.stage.choices = [
            SelectChoice("", "Choose a stage…"),
            *(SelectChoice(stage.value, stage.staff_label) for stage in moves),
        ] if moves else []
    reopen_form = forms.get("reopen_form")
    if reopen_form is None and is_requester and service_request.stage == Stage.RESOLVED:
        reopen_form = ReopenForm(formdata=None)
    survey_form = forms.get("survey_form")
    if survey_form is None and pending_survey is not None:
        survey_form = SurveyForm(formdata=None)
    return {
        "req": service_request,
        "events": timeline_for(service_request, current_user),
        "request_files": files_for(service_request, current_user),
        "comment_form": comment_form,
        "reopen_form": reopen_form,
        "stage_form": stage_form,
        "staff_view": staff_view,
        "is_requester": is_requester,
        "may_comment": may_comment,
        "now": now,
        "pending_survey": pending_survey,
        "feedback": feedback_services.latest_response_for(service_request),
        "survey_form": survey_form,
        "preview": forms.get("preview", False),
    }


def render_detail(service_request, status: int = 200, block: str | None = None, **forms):
    """The request page; a form given by name is shown as it was sent, with its errors."""
    return render(
        "service_requests/detail.html",
        block=block,
        status=status,
        oob=block is not None and wants_fragment(),
        **_detail_context(service_request, **forms),
    )


@bp.get("/requests/<reference>")
@login_required
def detail(reference: str):
    service_request = load_request_or_404(reference)
    if reference != service_request.reference:
        return redirect(url_for(".detail", reference=service_request.reference), 301)
    return render_detail(service_request)


@bp.post("/requests/<reference>/comments")
@login_required
def add_comment(reference: str):
    service_request = load_request_or_404(reference)
    if not (current_user.is_staff or is_requester_of(current_user, service_request)):
        abort(404)  # a BRM reads their units' requests but does not take part
    form = CommentForm()
    if not can_see_internal(current_user):
        form.visibility.validate_choice = False  # not offered to them: always a reply
    if current_user.is_staff and request.form.get("preview"):
        # The reply as the requester will see it, with its explained words; nothing is sent.
        return render_detail(
            service_request, status=200 if form.validate() else 422, block="conversation",
            comment_form=form, preview=True,
        )
    if form.validate_on_submit():
        internal = form.visibility.data == "internal"
        try:
            event = services.add_comment(
                service_request,
                current_user,
                form.body.data,
                internal=internal and can_see_internal(current_user),
                idempotency_key=form.submitted_key(),
            )
            attachment_services.attach(
                service_request, current_user, form.files.uploads, event=event
            )
        except services.RequestRuleError as exc:
            db.session.rollback()
            form.body.errors = [str(exc)]
        except attachment_services.AttachmentError as exc:
            db.session.rollback()
            form.files.errors = exc.messages
        else:
            db.session.commit()
            if wants_fragment():
                return render_detail(service_request, block="conversation")
            flash("Your message was added." if not internal else "Note added.", "success")
            anchor = f"event-{event.id}"
            return redirect(
                url_for(".detail", reference=service_request.reference, _anchor=anchor), 303
            )
    return render_detail(service_request, status=422, block="conversation", comment_form=form)


@bp.post("/requests/<reference>/confirm")
@login_required
def confirm(reference: str):
    service_request = load_request_or_404(reference)
    if not is_requester_of(current_user, service_request):
        abort(404)
    form = ConfirmForm()
    if form.validate_on_submit():
        try:
            services.confirm_fixed(service_request, current_user)
        except services.RequestRuleError as exc:
            db.session.rollback()
            flash(str(exc), "error")
        else:
            db.session.commit()
            flash("Great, glad it's fixed. We've closed this request.", "success")
    return redirect(url_for(".detail", reference=service_request.reference), 303)


@bp.post("/requests/<reference>/reopen")
@login_required
def reopen(reference: str):
    service_request = load_request_or_404(reference)
    if not is_requester_of(current_user, service_request):
        abort(404)
    form = ReopenForm()
    if form.validate_on_submit():
        try:
            services.reopen(service_request, current_user, form.reason.data)
        except services.RequestRuleError as exc:
            db.session.rollback()
            form.reason.errors = [str(exc)]
        else:
            db.session.commit()
            flash("Sorry it's not fixed yet. We've reopened your request.", "success")
            return redirect(url_for(".detail", reference=service_request.reference), 303)
    return render_detail(service_request, status=422, reopen_form=form)


@bp.post("/requests/<reference>/stage")
@staff_required
def change_stage(reference: str):
    service_request = load_request_or_404(reference)
    form = StageForm()
    status = 422
    if form.validate_on_submit():
        try:
            workflow.move_stage(
                service_request,
                current_user,
                form.stage.data,
                note=form.note.data or "",
                seen_version=form.version.data,
            )
        except workflow.RequestRuleError as exc:
            db.session.rollback()
            service_request = load_request_or_404(reference)
            form = StageForm(formdata=None)
            form.stage.errors = [str(exc)]
            status = 409
        else:
            db.session.commit()
            flash(f"Moved to {service_request.stage_enum.staff_label.lower()}.", "success")
            return redirect(url_for(".detail", reference=service_request.reference), 303)
    return render_detail(service_request, status=status, stage_form=form)


@bp.get("/staff/requests/")
@staff_required
def staff_list():
    """The old staff list lives on as the triage board's list view."""
    stage = request.args.get("stage")
    closed = "1" if stage == "closed" else None
    return redirect(url_for("triage.board", view="list", closed=closed), 301)

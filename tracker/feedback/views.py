"""Surveys (by link, signed out, or in the app) and the staff feedback page."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, request, url_for
from flask_login import current_user, login_required

from tracker.database import utcnow
from tracker.extensions import db
from tracker.feedback import services, stats, surveys
from tracker.feedback.forms import ActedUponForm, FollowUpForm, SurveyForm
from tracker.models import ServiceRequest, SurveyInvitation, User
from tracker.service_requests import views as request_pages  # (they import this package too)
from tracker.service_requests.policies import is_requester_of
from tracker.service_requests.queries import load_request_or_404
from tracker.service_requests.timeline import RequestRuleError
from tracker.web.arguments import ids_in
from tracker.web.authz import staff_required
from tracker.web.rendering import render

bp = Blueprint("feedback", __name__)


def _no_referrer(response):
    """The survey page's address holds the token: never send it on to another site."""
    response.headers["Referrer-Policy"] = "no-referrer"
    response.headers["Cache-Control"] = "no-store"
    return response


def _invitation_or_404(token: str) -> SurveyInvitation:
    invitation = surveys.find_by_token(token)
    if invitation is None:
        abort(404)
    return invitation


def _survey_page(invitation, *, status=200, **context):
    service_request = db.session.get(ServiceRequest, invitation.request_id)
    response = render(
        "feedback/survey.html",
        status=status,
        invitation=invitation,
        req=service_request,
        **context,
    )
    return _no_referrer(response)


@bp.route("/survey/<token>", methods=["GET", "POST"])
def survey(token: str):
    """The one-question survey behind an e-mailed link; works without signing in."""
    invitation = _invitation_or_404(token)
    now = utcnow()
    form = SurveyForm()
    try:
        surveys.check_open(invitation, now)
    except surveys.SurveyClosed as exc:
        if exc.status == 409 and request.method == "GET":
            return _survey_page(invitation, closed=str(exc))
        return _survey_page(invitation, closed=str(exc), status=exc.status)
    if form.validate_on_submit():
        try:
            response = surveys.answer(invitation, int(form.score.data), form.comment.data or "")
        except surveys.SurveyClosed as exc:
            db.session.rollback()
            return _survey_page(invitation, closed=str(exc), status=exc.status)
        db.session.commit()
        return _survey_page(
            invitation, answered=response, follow_up=FollowUpForm(formdata=None),
            follow_up_url=url_for(".survey_follow_up", token=token),
        )
    status = 422 if form.is_submitted() else 200
    return _survey_page(invitation, form=form, status=status,
                        action_url=url_for(".survey", token=token))


@bp.post("/survey/<token>/follow-up")
def survey_follow_up(token: str):
    """"What went wrong?" after a low score, with the offer to reopen."""
    invitation = _invitation_or_404(token)
    return _follow_up(invitation, url_for(".survey_follow_up", token=token))


def _follow_up(invitation: SurveyInvitation, follow_up_url: str, *, in_app: bool = False):
    response = invitation.response
    # Only a low score is asked "what went wrong?", and only while the link is valid.
    if (
        response is None
        or response.score not in surveys.LOW_SCORES
        or invitation.expires_at <= utcnow()
    ):
        abort(404)
    form = FollowUpForm()
    if form.validate_on_submit():
        try:
            surveys.add_follow_up(response, form.details.data)
            service_request = db.session.get(ServiceRequest, invitation.request_id)
            reopened = False
            if form.reopen.data and surveys.can_reopen(service_request):
                requester = db.session.get(User, invitation.requester_id)
                services.reopen_after_survey(service_request, requester, form.details.data)
                reopened = True
        except RequestRuleError as exc:
            db.session.rollback()
            form.details.errors = [str(exc)]
        else:
            db.session.commit()
            if in_app:
                flash("Thank you for telling us." + (" We've reopened your request." if reopened
                      else ""), "success")
                return redirect(url_for("service_requests.detail",
                                        reference=service_request.reference), 303)
            return _survey_page(invitation, thanked=True, reopened=reopened)
    return _survey_page(invitation, answered=response, follow_up=form,
                        follow_up_url=follow_up_url, status=422)


def _own_request(reference: str) -> ServiceRequest:
    service_request = load_request_or_404(reference)
    if not is_requester_of(current_user, service_request):
        abort(404)
    return service_request


@bp.post("/requests/<reference>/survey")
@login_required
def answer_in_app(reference: str):
    """The survey card on the request page and the portal home."""
    service_request = _own_request(reference)
    invitation = surveys.pending_for_request(service_request, utcnow())
    if invitation is None:
        flash("This survey has already been answered or has closed. Thank you!", "info")
        return redirect(url_for("service_requests.detail", reference=reference), 303)
    form = SurveyForm()
    if not form.validate_on_submit():
        return request_pages.render_detail(service_request, status=422, survey_form=form)
    try:
        response = surveys.answer(invitation, int(form.score.data), form.comment.data or "")
    except surveys.SurveyClosed as exc:
        db.session.rollback()
        flash(str(exc), "info")
        return redirect(url_for("service_requests.detail", reference=reference), 303)
    db.session.commit()
    if response.score in surveys.LOW_SCORES:
        return _survey_page(
            invitation, answered=response, follow_up=FollowUpForm(formdata=None),
            follow_up_url=url_for(".follow_up_in_app", reference=reference),
        )
    flash("Thank you for your feedback!", "success")
    return redirect(url_for("service_requests.detail", reference=reference), 303)


@bp.post("/requests/<reference>/survey/follow-up")
@login_required
def follow_up_in_app(reference: str):
    service_request = _own_request(reference)
    invitation = db.session.scalar(
        db.select(SurveyInvitation)
        .where(SurveyInvitation.request_id == service_request.id,
               SurveyInvitation.answered_at.is_not(None))
        .order_by(SurveyInvitation.answered_at.desc())
        .limit(1)
    )
    if invitation is None:
        abort(404)
    return _follow_up(
        invitation, url_for(".follow_up_in_app", reference=reference), in_app=True
    )


def _overview(status: int = 200, form: ActedUponForm | None = None, selected=(),
              selection_error: str | None = None):
    now = utcnow()
    return render(
        "feedback/overview.html",
        status=status,
        agents=stats.by_agent(now),
        teams=stats.by_team(now),
        units=stats.by_unit(now),
        comments=stats.latest_comments(20),
        actions=stats.latest_actions(8),
        min_answers=stats.MIN_ANSWERS_FOR_A_PERSON,
        form=form or ActedUponForm(formdata=None),
        selected=set(selected),
        selection_error=selection_error,
    )


@bp.get("/feedback/")
@staff_required
def overview():
    """How satisfied people are, per agent, team and unit, and what they said."""
    return _overview()


@bp.post("/feedback/actions")
@staff_required
def acted_upon():
    """"You said, we did": link selected comments to what changed."""
    form = ActedUponForm()
    ids = sorted(ids_in(request.form.getlist("responses")))
    selection_error = None
    if form.validate_on_submit():
        try:
            services.mark_acted_upon(ids, form.note.data, current_user)
        except RequestRuleError as exc:
            db.session.rollback()
            selection_error = str(exc)
        else:
            db.session.commit()
            flash("Noted. The people who said it will see what changed.", "success")
            return redirect(url_for(".overview"), 303)
    # The page again, with the selection and the note as they were sent.
    return _overview(422, form, ids, selection_error)

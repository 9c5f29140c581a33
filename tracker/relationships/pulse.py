"""The quarterly relationship pulse: three questions to a unit and to IT, and the gap.

Who answers for which side: active members of the pulse's unit answer for the business,
even when they are IT staff too (they live with IT as part of that unit, and the unit's
own voice should include them); other IT staff answer for IT. Everyone else gets 404.
Answers are stored apart from who gave them and shown only as averages, per side, once
at least MIN_PULSE_ANSWERS people on that side have answered.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal

from flask import abort, flash, redirect, request, url_for
from flask_login import current_user, login_required
from sqlalchemy import exists, func, insert, literal, or_, select, true
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import joinedload
from wtforms import RadioField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import InputRequired, ValidationError

from tracker.auth.redirects import safe_next_url
from tracker.database import UTCDateTime, utcnow
from tracker.extensions import db
from tracker.models import (
    PULSE_QUESTIONS,
    BusinessUnit,
    Notification,
    PulseAnswer,
    PulseParticipant,
    PulseSide,
    PulseSurvey,
    RoleGrant,
    User,
)
from tracker.models.users import STAFF_ROLES
from tracker.relationships.access import can_send_pulse, load_unit_or_404
from tracker.relationships.blueprint import bp
from tracker.web.forms import RapportForm
from tracker.web.rendering import render

MIN_PULSE_ANSWERS = 3
PULSE_LIFETIME = timedelta(days=21)
QUESTION_KEYS = tuple(key for key, _, _ in PULSE_QUESTIONS)
QUESTION_TITLES = {
    "understanding": "IT understands the unit's work",
    "ease": "Getting help from IT is easy",
    "trust": "The unit trusts IT's advice",
}
SCALE_WORDS = {
    "understanding": ("Not at all", "A little", "Fairly well", "Well", "Very well"),
    "ease": ("Not at all", "Not very", "Fairly easy", "Easy", "Very easy"),
    "trust": ("Not at all", "A little", "Somewhat", "A lot", "Very much"),
}
CHOOSE = "Please choose an answer from 1 to 5."


class PulseAlreadySent(Exception):
    """This unit already has a pulse this quarter."""


class AlreadyAnswered(Exception):
    """This person already answered this pulse."""


def quarter_of(moment: datetime) -> str:
    return f"{moment.year}-Q{(moment.month - 1) // 3 + 1}"


def side_for(user: User, pulse: PulseSurvey) -> PulseSide | None:
    """Which side this person answers for, or None if the pulse is not theirs."""
    if not user.is_authenticated or not user.is_active:
        return None
    if user.business_unit_id == pulse.business_unit_id:
        return PulseSide.BUSINESS
    return PulseSide.IT if user.is_staff else None


# --- sending ---------------------------------------------------------------------------

def start_pulse(unit: BusinessUnit, sender: User, now: datetime) -> PulseSurvey:
    """Open this quarter's pulse and tell the people who may answer; flushes only."""
    quarter = quarter_of(now)
    taken = select(PulseSurvey.id).where(
        PulseSurvey.business_unit_id == unit.id, PulseSurvey.quarter == quarter
    )
    if db.session.scalar(taken) is not None:
        raise PulseAlreadySent(quarter)
    pulse = PulseSurvey(business_unit_id=unit.id, quarter=quarter, opened_at=now,
                        closes_at=now + PULSE_LIFETIME, sent_by_id=sender.id)
    db.session.add(pulse)
    try:
        with db.session.begin_nested():
            db.session.flush()
    except IntegrityError as exc:  # someone sent it a moment ago
        raise PulseAlreadySent(quarter) from exc
    _notify_people(pulse, unit, sender, now)
    return pulse


def _notify_people(pulse: PulseSurvey, unit: BusinessUnit, sender: User, now: datetime) -> None:
    """One INSERT ... SELECT per side, however many people there are."""
    link = url_for("relationships.answer_pulse", pulse_id=pulse.id)
    is_staff = exists().where(
        RoleGrant.user_id == User.id, RoleGrant.role.in_([role.value for role in STAFF_ROLES])
    )
    in_unit = User.business_unit_id == unit.id
    outside_unit = or_(User.business_unit_id.is_(None), User.business_unit_id != unit.id)
    audiences = (
        (in_unit, "IT would like to know how we're doing together: 3 quick questions."),
        (is_staff & outside_unit,
         f"Relationship pulse for {unit.name}: how are IT and {unit.name} doing? "
         "3 quick questions."),
    )
    for who, message in audiences:
        people = select(
            User.id,
            literal("pulse"),
            literal(message[:300]),
            literal(link),
            literal(now, UTCDateTime()),
        ).where(User.active.is_(True), User.id != sender.id, who)
        db.session.execute(
            insert(Notification).from_select(
                ["user_id", "kind", "message", "link", "created_at"], people
            )
        )


@bp.post("/units/<int(max=2147483647):unit_id>/pulse")
@login_required
def send_pulse(unit_id: int):
    """The BRM opens this quarter's pulse for the unit; once per quarter."""
    unit = load_unit_or_404(current_user, unit_id, check=can_send_pulse)
    back = safe_next_url(request.form.get("next")) or url_for(
        "relationships.unit_dashboard", unit_id=unit.id
    )
    try:
        pulse = start_pulse(unit, current_user, utcnow())
    except PulseAlreadySent:
        db.session.rollback()
        flash(f"{unit.name} already has a pulse this quarter, so nothing was sent. "
              "You can send the next one when the new quarter starts.", "error")
        return redirect(back, 303)
    label, closes = pulse.quarter_label, pulse.closes_at
    db.session.commit()
    flash(f"The {label} pulse is on its way to {unit.name} and IT. "
          f"It stays open until {closes.day} {closes:%b %Y}.", "success")
    return redirect(back, 303)


# --- answering -------------------------------------------------------------------------

class PulseScore(RadioField):
    def pre_validate(self, form):
        if self.data not in {choice.value for choice in self.choices}:
            raise ValidationError(CHOOSE)


def _scale(key: str) -> list[SelectChoice]:
    return [SelectChoice(str(n), f"{n} · {word}") for n, word in enumerate(SCALE_WORDS[key], 1)]


class PulseForm(RapportForm):
    understanding = PulseScore(choices=_scale("understanding"), validators=[InputRequired(CHOOSE)])
    ease = PulseScore(choices=_scale("ease"), validators=[InputRequired(CHOOSE)])
    trust = PulseScore(choices=_scale("trust"), validators=[InputRequired(CHOOSE)])

    def ask(self, side: PulseSide) -> PulseForm:
        """Word the questions for the business or for IT."""
        for key, to_business, to_it in PULSE_QUESTIONS:
            self[key].label.text = to_business if side is PulseSide.BUSINESS else to_it
        return self

    def scores(self) -> dict[str, int]:
        return {key: int(self[key].data) for key in QUESTION_KEYS}


def record_answer(pulse: PulseSurvey, person: User, side: PulseSide, scores: dict[str, int]):
    """Note that the person answered and store the scores apart from them; flushes only."""
    db.session.add(PulseParticipant(pulse_id=pulse.id, user_id=person.id))
    db.session.add(PulseAnswer(id=secrets.token_hex(16), pulse_id=pulse.id, side=side.value,
                               **scores))
    try:
        with db.session.begin_nested():
            db.session.flush()
    except IntegrityError as exc:  # the participant's primary key: a second answer
        raise AlreadyAnswered from exc


def _has_answered(pulse: PulseSurvey, person: User) -> bool:
    return db.session.get(PulseParticipant, (pulse.id, person.id)) is not None


def _pulse_page(pulse, side, state, status=200, form=None):
    return render("relationships/pulse_answer.html", status=status, pulse=pulse,
                  unit=pulse.business_unit, side=side.value, state=state, form=form)


@bp.route("/pulse/<int(max=2147483647):pulse_id>", methods=["GET", "POST"])
@login_required
def answer_pulse(pulse_id: int):
    """Three questions, answered once, while the pulse is open."""
    pulse = db.session.scalar(
        select(PulseSurvey)
        .options(joinedload(PulseSurvey.business_unit))
        .where(PulseSurvey.id == pulse_id)
    )
    side = side_for(current_user, pulse) if pulse is not None else None
    if side is None:
        abort(404)
    posted = request.method == "POST"
    if _has_answered(pulse, current_user):
        return _pulse_page(pulse, side, "answered", 409 if posted else 200)
    if not pulse.is_open(utcnow()):
        return _pulse_page(pulse, side, "closed", 410 if posted else 200)
    form = PulseForm().ask(side)
    if form.validate_on_submit():
        try:
            record_answer(pulse, current_user, side, form.scores())
        except AlreadyAnswered:
            db.session.rollback()
            return _pulse_page(pulse, side, "answered", 409)
        db.session.commit()
        flash("Thank you! Your answers are in. They are only ever shown as averages.", "success")
        return redirect(url_for("service_requests.home"), 303)
    return _pulse_page(pulse, side, "form", 422 if form.is_submitted() else 200, form)


def open_pulses_for(user: User, now: datetime) -> list[PulseSurvey]:
    """Open pulses this person may answer and hasn't yet, with their units (one query)."""
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return []
    if user.is_staff:
        theirs = true()  # their own unit's as business, every other unit's as IT
    elif user.business_unit_id is not None:
        theirs = PulseSurvey.business_unit_id == user.business_unit_id
    else:
        return []
    answered = exists().where(
        PulseParticipant.pulse_id == PulseSurvey.id, PulseParticipant.user_id == user.id
    )
    return list(
        db.session.scalars(
            select(PulseSurvey)
            .options(joinedload(PulseSurvey.business_unit))
            .where(theirs, PulseSurvey.closes_at > now, ~answered)
            .order_by(PulseSurvey.closes_at, PulseSurvey.id)
        )
    )


# --- results ---------------------------------------------------------------------------

@dataclass(frozen=True)
class SideResult:
    count: int
    averages: dict[str, float] | None  # None until MIN_PULSE_ANSWERS have answered

    @property
    def shown(self) -> bool:
        return self.averages is not None


@dataclass(frozen=True)
class QuestionResult:
    key: str
    title: str
    business: float | None
    it: float | None
    gap: float | None  # IT's average minus the unit's
    previous_business: float | None

    @property
    def trend(self) -> float | None:
        if self.business is None or self.previous_business is None:
            return None
        return _tenths(Decimal(str(self.business)) - Decimal(str(self.previous_business)))


@dataclass(frozen=True)
class PulseResults:
    pulse_id: int
    quarter: str
    quarter_label: str
    is_open: bool
    is_current_quarter: bool
    closes_at: datetime
    business: SideResult
    it: SideResult
    questions: list[QuestionResult]
    previous_quarter_label: str | None
    min_answers: int = MIN_PULSE_ANSWERS


def _tenths(value) -> float:
    return float(Decimal(str(value)).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP))


def _sides(rows, pulse_id: int, *, sealed: bool = False) -> dict[str, SideResult]:
    """Counts and averages per side; averages stay hidden while the pulse is `sealed`."""
    found = {}
    for row in rows:
        if row.pulse_id != pulse_id:
            continue
        averages = None
        if row.answers >= MIN_PULSE_ANSWERS and not sealed:
            averages = {key: _tenths(getattr(row, key)) for key in QUESTION_KEYS}
        found[row.side] = SideResult(row.answers, averages)
    return {side.value: found.get(side.value, SideResult(0, None)) for side in PulseSide}


def latest_results(unit_id: int, now: datetime) -> PulseResults | None:
    """The unit's most recent pulse, as averages per side, with the gap (two queries)."""
    pulses = db.session.scalars(
        select(PulseSurvey)
        .where(PulseSurvey.business_unit_id == unit_id)
        .order_by(PulseSurvey.quarter.desc())
        .limit(2)
    ).all()
    if not pulses:
        return None
    rows = db.session.execute(
        select(
            PulseAnswer.pulse_id,
            PulseAnswer.side,
            func.count().label("answers"),
            *(func.avg(getattr(PulseAnswer, key)).label(key) for key in QUESTION_KEYS),
        )
        .where(PulseAnswer.pulse_id.in_([pulse.id for pulse in pulses]))
        .group_by(PulseAnswer.pulse_id, PulseAnswer.side)
    ).all()
    latest, previous = pulses[0], (pulses[1] if len(pulses) > 1 else None)
    # While a pulse is open its averages stay sealed: watching them move after each
    # answer would tell who gave which scores.
    sides = _sides(rows, latest.id, sealed=latest.is_open(now))
    business, it = sides[PulseSide.BUSINESS.value], sides[PulseSide.IT.value]
    before = _sides(rows, previous.id)[PulseSide.BUSINESS.value] if previous else None
    questions = []
    for key in QUESTION_KEYS:
        ours = business.averages[key] if business.shown else None
        theirs = it.averages[key] if it.shown else None
        gap = None
        if ours is not None and theirs is not None:
            gap = _tenths(Decimal(str(theirs)) - Decimal(str(ours)))
        questions.append(QuestionResult(
            key=key, title=QUESTION_TITLES[key], business=ours, it=theirs, gap=gap,
            previous_business=before.averages[key] if before and before.shown else None,
        ))
    return PulseResults(
        pulse_id=latest.id,
        quarter=latest.quarter,
        quarter_label=latest.quarter_label,
        is_open=latest.is_open(now),
        is_current_quarter=latest.quarter == quarter_of(now),
        closes_at=latest.closes_at,
        business=business,
        it=it,
        questions=questions,
        previous_quarter_label=previous.quarter_label if previous else None,
    )

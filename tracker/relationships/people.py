"""People and who looks after them: a person's page, and an IT buddy's "My people"."""

from __future__ import annotations

from flask import abort
from flask_login import current_user
from sqlalchemy import func, or_, select
from sqlalchemy.orm import joinedload, selectinload

from tracker.database import utcnow
from tracker.extensions import db
from tracker.models import BusinessUnit, Role, ServiceRequest, User
from tracker.models.requests import parse_id
from tracker.relationships.blueprint import bp
from tracker.relationships.metrics import OPEN_STAGES
from tracker.relationships.services import it_people_for
from tracker.web.authz import role_required, staff_required
from tracker.web.rendering import render

MY_PEOPLE_REQUEST_LIMIT = 50
PERSON_REQUEST_LIMIT = 10


def _requests_query():
    return select(ServiceRequest).options(
        joinedload(ServiceRequest.requester),
        joinedload(ServiceRequest.assignee),
        joinedload(ServiceRequest.category),
    )


@bp.route("/people/<int:user_id>")
@staff_required
def person(user_id: int):
    """Who someone is, who their BRM and IT buddy are, and what they have asked for."""
    key = parse_id(str(user_id))
    found = key and db.session.scalar(
        select(User)
        .options(
            joinedload(User.business_unit).joinedload(BusinessUnit.brm),
            joinedload(User.business_unit).joinedload(BusinessUnit.it_buddy),
            joinedload(User.it_buddy),
            selectinload(User.role_grants),
        )
        .where(User.id == key)
    )
    if not found:
        abort(404)
    requests = list(
        db.session.scalars(
            _requests_query()
            .where(ServiceRequest.requester_id == found.id)
            .order_by(
                ServiceRequest.stage.in_(OPEN_STAGES).desc(), ServiceRequest.created_at.desc()
            )
            .limit(PERSON_REQUEST_LIMIT)
        )
    )
    open_count = db.session.scalar(
        select(func.count()).where(
            ServiceRequest.requester_id == found.id, ServiceRequest.stage.in_(OPEN_STAGES)
        )
    )
    return render(
        "relationships/person.html",
        person=found,
        it_people=it_people_for(found),
        requests=requests,
        open_count=open_count,
    )


@bp.route("/my-people")
@role_required(Role.BUDDY)
def my_people():
    """An IT buddy's units and people, with what they are waiting for."""
    me = current_user.id
    units = list(
        db.session.scalars(
            select(BusinessUnit)
            .options(joinedload(BusinessUnit.brm))
            .where(BusinessUnit.it_buddy_id == me)
            .order_by(BusinessUnit.name)
        ).unique()
    )
    people = list(
        db.session.scalars(
            select(User)
            .options(joinedload(User.business_unit))
            .where(User.it_buddy_id == me, User.active.is_(True))
            .order_by(User.display_name)
        )
    )
    unit_ids = [u.id for u in units]
    person_ids = [p.id for p in people]
    mine = or_(
        ServiceRequest.business_unit_id.in_(unit_ids),
        ServiceRequest.requester_id.in_(person_ids),
    )
    members = dict(
        db.session.execute(
            select(User.business_unit_id, func.count())
            .where(User.business_unit_id.in_(unit_ids), User.active.is_(True))
            .group_by(User.business_unit_id)
        ).all()
    )
    open_by_unit = dict(
        db.session.execute(
            select(ServiceRequest.business_unit_id, func.count())
            .where(ServiceRequest.business_unit_id.in_(unit_ids),
                   ServiceRequest.stage.in_(OPEN_STAGES))
            .group_by(ServiceRequest.business_unit_id)
        ).all()
    )
    open_by_person = dict(
        db.session.execute(
            select(ServiceRequest.requester_id, func.count())
            .where(ServiceRequest.requester_id.in_(person_ids),
                   ServiceRequest.stage.in_(OPEN_STAGES))
            .group_by(ServiceRequest.requester_id)
        ).all()
    )
    requests = list(
        db.session.scalars(
            _requests_query()
            .where(mine, ServiceRequest.stage.in_(OPEN_STAGES))
            .order_by(ServiceRequest.sla_due_at.is_(None), ServiceRequest.sla_due_at,
                      ServiceRequest.id)
            .limit(MY_PEOPLE_REQUEST_LIMIT)
        )
    )
    total_open = db.session.scalar(
        select(func.count()).where(mine, ServiceRequest.stage.in_(OPEN_STAGES))
    )
    return render(
        "relationships/my_people.html",
        units=units,
        people=people,
        members=members,
        open_by_unit=open_by_unit,
        open_by_person=open_by_person,
        requests=requests,
        total_open=total_open,
        now=utcnow(),
    )

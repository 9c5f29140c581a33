"""Small factories: each call commits and hands back a detached, fully loaded object."""

from __future__ import annotations

import itertools
from datetime import timedelta
from io import BytesIO

from sqlalchemy import select

from tracker.attachments import services as attachment_services
from tracker.auth.passwords import hash_password
from tracker.database import utcnow
from tracker.extensions import db
from tracker.models import (
    BusinessUnit,
    Category,
    ITTeam,
    RequestEvent,
    Role,
    ServiceRequest,
    Stage,
    User,
)
from tracker.service_requests import services

_sequence = itertools.count(1)
_password_hash: str | None = None


class Factory:
    PASSWORD = "correct horse battery"

    def __init__(self, app):
        self.app = app

    def _done(self, *objects):
        db.session.commit()
        for obj in objects:
            db.session.refresh(obj)
        db.session.expunge_all()
        return objects[0] if len(objects) == 1 else objects

    @staticmethod
    def _hash() -> str:
        global _password_hash
        if _password_hash is None:
            _password_hash = hash_password(Factory.PASSWORD)
        return _password_hash

    def unit(self, name: str | None = None, brm: User | None = None, buddy: User | None = None):
        with self.app.app_context():
            unit = BusinessUnit(
                name=name or f"Unit {next(_sequence)}",
                brm_id=brm.id if brm else None,
                it_buddy_id=buddy.id if buddy else None,
            )
            db.session.add(unit)
            return self._done(unit)

    def team(self, name: str | None = None, members=()):
        with self.app.app_context():
            team = ITTeam(name=name or f"Team {next(_sequence)}")
            team.members = [db.session.get(User, m.id) for m in members]
            db.session.add(team)
            return self._done(team)

    def user(
        self,
        email: str | None = None,
        name: str | None = None,
        roles=(Role.REQUESTER,),
        unit: BusinessUnit | None = None,
        buddy: User | None = None,
        active: bool = True,
    ) -> User:
        n = next(_sequence)
        with self.app.app_context():
            user = User(
                email=email or f"person{n}@example.com",
                display_name=name or f"Person {n}",
                password_hash=self._hash(),
                business_unit_id=unit.id if unit else None,
                it_buddy_id=buddy.id if buddy else None,
                active=active,
            )
            user.set_roles({Role.REQUESTER, *roles})
            db.session.add(user)
            return self._done(user)

    def requester(self, **kwargs) -> User:
        return self.user(**kwargs)

    def agent(self, **kwargs) -> User:
        kwargs.setdefault("roles", (Role.AGENT,))
        return self.user(**kwargs)

    def request(
        self,
        requester: User,
        title: str = "Printer is jammed",
        description: str = "It jams on every page.",
        category: str = "broken",
        impact: str = "just_me",
        urgency: str = "slowed",
        stage: Stage | str = Stage.NEW,
        age: timedelta | None = None,
    ) -> ServiceRequest:
        """File a request through the real service, then put it in the wanted stage."""
        with self.app.app_context():
            person = db.session.get(User, requester.id)
            chosen = db.session.scalar(select(Category).where(Category.slug == category))
            service_request, _ = services.file_request(
                person,
                services.NewRequest(title, description, chosen, impact, urgency),
            )
            if age is not None:
                service_request.created_at = utcnow() - age
                service_request.last_activity_at = service_request.created_at
            stage = Stage(stage)
            if stage is not Stage.NEW:
                service_request.stage = stage.value
                if stage in (Stage.RESOLVED, Stage.CLOSED):
                    service_request.resolved_at = utcnow()
                if stage is Stage.CLOSED:
                    service_request.closed_at = utcnow()
            return self._done(service_request)

    def comment(self, service_request: ServiceRequest, author: User, body: str, internal=False):
        with self.app.app_context():
            sr = db.session.get(ServiceRequest, service_request.id)
            event = services.add_comment(
                sr, db.session.get(User, author.id), body, internal=internal
            )
            return self._done(event)

    def attachment(
        self,
        service_request: ServiceRequest,
        uploader: User,
        data: bytes,
        name: str = "screenshot.png",
        event: RequestEvent | None = None,
    ):
        """Check and store a file the way an upload is, filed with the request or a message."""
        with self.app.app_context():
            limits = attachment_services.Limits.from_config()
            upload = attachment_services.check_upload(name, BytesIO(data), limits)
            (attachment,) = attachment_services.attach(
                db.session.get(ServiceRequest, service_request.id),
                db.session.get(User, uploader.id),
                [upload],
                event=db.session.get(RequestEvent, event.id) if event is not None else None,
            )
            return self._done(attachment)
    def api_token(self, user: User, name: str = "Script", expires_in: timedelta | None = None):
        """A new API token of `user`, made by the real service; returns its secret."""
        from tracker.auth.tokens import issue_token

        with self.app.app_context():
            _, secret = issue_token(db.session.get(User, user.id), name, expires_in)
            db.session.commit()
            db.session.remove()
        return secret

"""The board's filters: parsed from the URL, applied in SQL, written back into links."""

from __future__ import annotations

from dataclasses import dataclass, fields, replace
from datetime import datetime
from urllib.parse import urlencode

from sqlalchemy import Select, or_, select

from tracker.models import Category, ServiceRequest, User
from tracker.models.requests import parse_id, parse_reference
from tracker.service_requests.sla import SLAState, state_clause
from tracker.web.arguments import search_words

VIEWS = ("board", "list")
SORTS = {
    "priority": "Priority",
    "due": "SLA due",
    "age": "Age",
    "updated": "Last update",
    "reference": "Reference",
}
SEARCH_MAX = 100


def _int(value: str | None) -> int | None:
    return parse_id(value)


@dataclass(frozen=True)
class BoardFilters:
    """What the agent chose to see. Empty means "any"."""

    team: str = ""  # team id, or "none"
    assignee: str = ""  # "me", "none" or a person's id
    unit: str = ""  # business unit id
    category: str = ""  # category slug
    priority: str = ""  # 1-4
    sla: str = ""  # an SLAState value
    q: str = ""
    closed: str = ""  # "1" shows the closed column
    view: str = "board"
    sort: str = "priority"
    order: str = "asc"

    @classmethod
    def from_args(cls, args) -> BoardFilters:
        """Read filters from query arguments, dropping anything that makes no sense."""
        team = args.get("team", "")
        assignee = args.get("assignee", "")
        priority = args.get("priority", "")
        sla = args.get("sla", "")
        return cls(
            team=team if team == "none" or _int(team) else "",
            assignee=assignee if assignee in ("me", "none") or _int(assignee) else "",
            unit=args.get("unit", "") if _int(args.get("unit")) else "",
            category=search_words(args.get("category", ""), 40),
            priority=priority if priority in ("1", "2", "3", "4") else "",
            sla=sla if sla in {s.value for s in SLAState} - {"done"} else "",
            q=search_words(args.get("q", ""), SEARCH_MAX),
            closed="1" if args.get("closed") == "1" else "",
            view=args.get("view") if args.get("view") in VIEWS else "board",
            sort=args.get("sort") if args.get("sort") in SORTS else "priority",
            order="desc" if args.get("order") == "desc" else "asc",
        )

    def params(self, **overrides) -> dict[str, str]:
        """The non-default values, for links and saved views."""
        current = replace(self, **overrides)
        default = BoardFilters()
        return {
            f.name: getattr(current, f.name)
            for f in fields(self)
            if getattr(current, f.name) != getattr(default, f.name)
        }

    def query_string(self, **overrides) -> str:
        return urlencode(self.params(**overrides))

    @property
    def active(self) -> bool:
        """Whether any filter narrows the requests (view and sort don't)."""
        return any(
            self.params(view="board", sort="priority", order="asc", closed="").values()
        )

    def apply(self, query: Select, user: User, now: datetime) -> Select:
        """Narrow a query over ServiceRequest to these filters."""
        if self.team == "none":
            query = query.where(ServiceRequest.team_id.is_(None))
        elif self.team:
            query = query.where(ServiceRequest.team_id == int(self.team))
        if self.assignee == "me":
            query = query.where(ServiceRequest.assignee_id == user.id)
        elif self.assignee == "none":
            query = query.where(ServiceRequest.assignee_id.is_(None))
        elif self.assignee:
            query = query.where(ServiceRequest.assignee_id == int(self.assignee))
        if self.unit:
            query = query.where(ServiceRequest.business_unit_id == int(self.unit))
        if self.category:
            category_id = select(Category.id).where(Category.slug == self.category)
            query = query.where(ServiceRequest.category_id == category_id.scalar_subquery())
        if self.priority:
            query = query.where(ServiceRequest.priority == int(self.priority))
        if self.sla:
            query = query.where(state_clause(self.sla, now))
        if self.q:
            conditions = [
                ServiceRequest.title.icontains(self.q, autoescape=True),
                ServiceRequest.description.icontains(self.q, autoescape=True),
            ]
            request_id = parse_reference(self.q) or parse_id(self.q)
            if request_id is not None:
                conditions.append(ServiceRequest.id == request_id)
            query = query.where(or_(*conditions))
        return query


BUILT_IN_VIEWS = (
    ("My work", BoardFilters(assignee="me")),
    ("Unassigned", BoardFilters(assignee="none")),
    ("Breaching", BoardFilters(sla="breached")),
)

"""Registering tools without blame, "we use it too", and IT's review."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from urllib.parse import urlsplit

from sqlalchemy import or_, select

from tracker.extensions import db
from tracker.models import ServiceRequest, ShadowTool, ToolAdoption, ToolEvent, ToolStatus, User
from tracker.service_requests.timeline import RequestRuleError
from tracker.shadow_it.risk import assess

REVIEW_TRANSITIONS: dict[ToolStatus, frozenset[ToolStatus]] = {
    ToolStatus.REGISTERED: frozenset({ToolStatus.UNDER_REVIEW}),
    ToolStatus.UNDER_REVIEW: frozenset(
        {ToolStatus.SANCTIONED, ToolStatus.TOLERATED, ToolStatus.REPLACE, ToolStatus.RETIRE}
    ),
    ToolStatus.SANCTIONED: frozenset({ToolStatus.UNDER_REVIEW}),
    ToolStatus.TOLERATED: frozenset({ToolStatus.UNDER_REVIEW}),
    ToolStatus.REPLACE: frozenset({ToolStatus.UNDER_REVIEW, ToolStatus.RETIRE}),
    ToolStatus.RETIRE: frozenset({ToolStatus.UNDER_REVIEW}),
}
DECISIONS = frozenset(
    {ToolStatus.SANCTIONED, ToolStatus.TOLERATED, ToolStatus.REPLACE, ToolStatus.RETIRE}
)


@dataclass(frozen=True)
class Registration:
    """What a person told us about a tool."""

    name: str
    url: str
    purpose: str
    user_count: int
    payer: str
    cost_amount: Decimal | None
    cost_period: str
    currency: str
    data_kind: str
    sign_in: str
    business_critical: bool
    impact: str
    renewal_date: date | None = None
    unmet_request_id: int | None = None


NAME_KEY_MAX = 120  # the column's length
DOMAIN_MAX = 200


def name_key(name: str) -> str:
    """The name as compared for duplicates; lower-casing can lengthen it ("İ" is two)."""
    return " ".join(name.lower().split())[:NAME_KEY_MAX]


def domain_of(url: str) -> str:
    """The web domain of an address, without "www.", for spotting the same tool."""
    text = url.strip().lower()
    if not text:
        return ""
    if "://" not in text:
        text = "https://" + text
    try:
        host = urlsplit(text).hostname or ""
    except ValueError:  # e.g. "https://[unclosed": no domain to compare
        return ""
    return host.removeprefix("www.")[:DOMAIN_MAX]


NOT_A_WEB_ADDRESS = "That doesn't look like a web address. Something like example.com is enough."


def web_address_problem(url: str) -> str | None:
    """Why a typed web address can't be kept, or None (an empty one is fine)."""
    text = url.strip()
    if not text:
        return None
    try:
        host = urlsplit(text if "://" in text else "https://" + text).hostname or ""
    except ValueError:
        return NOT_A_WEB_ADDRESS
    # No real web domain is that long (and the registry keeps at most DOMAIN_MAX characters).
    return NOT_A_WEB_ADDRESS if len(host) > DOMAIN_MAX else None


def find_duplicate(name: str, url: str) -> ShadowTool | None:
    """An already registered tool with the same name or web domain, if any."""
    conditions = [ShadowTool.name_key == name_key(name)]
    domain = domain_of(url)
    if domain:
        conditions.append(ShadowTool.domain == domain)
    return db.session.scalar(select(ShadowTool).where(or_(*conditions)).limit(1))


def _event(tool, actor, kind, *, old=None, new=None, body=None) -> None:
    db.session.add(
        ToolEvent(tool=tool, actor_id=actor.id if actor else None, kind=kind,
                  old_value=old, new_value=new, body=body)
    )


def _check_unmet_request(person: User, request_id: int | None) -> int | None:
    if request_id is None:
        return None
    found = db.session.get(ServiceRequest, request_id)
    if found is None or found.requester_id != person.id:
        raise RequestRuleError("Please pick one of your own requests.")
    return found.id


def register(person: User, data: Registration) -> ShadowTool:
    """A new tool in the registry, with its risk tier worked out from the answers."""
    risk = assess(data.data_kind, data.sign_in, data.user_count, data.business_critical)
    tool = ShadowTool(
        name=data.name.strip(),
        name_key=name_key(data.name),
        url=data.url.strip(),
        domain=domain_of(data.url),
        purpose=data.purpose.strip(),
        user_count=data.user_count,
        payer=data.payer,
        cost_amount=data.cost_amount,
        cost_period=data.cost_period,
        currency=data.currency.upper(),
        data_kind=data.data_kind,
        sign_in=data.sign_in,
        business_critical=data.business_critical,
        impact=data.impact.strip(),
        renewal_date=data.renewal_date,
        unmet_request_id=_check_unmet_request(person, data.unmet_request_id),
        risk_tier=risk.tier,
        risk_reasons=risk.explanation,
        registered_by_id=person.id,
        business_unit_id=person.business_unit_id,
    )
    db.session.add(tool)
    tool.adoptions.append(
        ToolAdoption(business_unit_id=person.business_unit_id, person_id=person.id,
                     people=data.user_count)
    )
    _event(tool, person, "registered", new=ToolStatus.REGISTERED.value)
    db.session.flush()
    return tool


def join(tool: ShadowTool, person: User, people: int) -> ToolAdoption:
    """"We use it too": add the person's unit and people to the existing record."""
    if people < 1:
        raise RequestRuleError("Please say how many people use it.")
    adoption = ToolAdoption(tool=tool, business_unit_id=person.business_unit_id,
                            person_id=person.id, people=people)
    db.session.add(adoption)
    tool.user_count += people
    risk = assess(tool.data_kind, tool.sign_in, tool.user_count, tool.business_critical)
    tool.risk_tier, tool.risk_reasons = risk.tier, risk.explanation
    unit = person.business_unit.name if person.business_unit else "another team"
    _event(tool, person, "joined", body=f"{unit}: {people} more people use it")
    db.session.flush()
    return adoption


def review(
    tool: ShadowTool,
    actor: User,
    status: ToolStatus | str,
    rationale: str,
    advice: str = "",
    *,
    seen_version: int | None = None,
) -> None:
    """Move a tool through IT's review; every decision carries its rationale."""
    if not actor.is_staff:
        raise RequestRuleError("Only IT staff review tools.")
    if seen_version is not None and seen_version != tool.version:
        raise RequestRuleError(
            "Someone else changed this tool while you were looking. Here it is as it stands."
        )
    new = ToolStatus(status)
    current = tool.status_enum
    if new not in REVIEW_TRANSITIONS[current]:
        raise RequestRuleError(
            f"A tool that is {current.staff_label.lower()} can't be moved to "
            f"{new.staff_label.lower()}."
        )
    rationale = rationale.strip()
    if new in DECISIONS and not rationale:
        raise RequestRuleError("Please give the reason for this decision.")
    tool.status = new.value
    if advice.strip():
        tool.advice = advice.strip()
    _event(tool, actor, "status", old=current.value, new=new.value, body=rationale or None)
    db.session.flush()

"""Reading the registry: who sees which tools, filters, cost roll-ups, CSV."""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, fields, replace
from datetime import date, timedelta
from decimal import Decimal

from flask import abort
from sqlalchemy import Select, case, func, or_, select
from sqlalchemy.orm import joinedload, selectinload

from tracker.extensions import db
from tracker.models import BusinessUnit, ShadowTool, ToolAdoption, ToolStatus, User
from tracker.models.requests import parse_id
from tracker.relationships.access import brm_unit_ids
from tracker.shadow_it.risk import TIERS

SORTS = ("risk", "name", "renewal", "cost", "newest")
HIGH_TIERS = ("high", "critical")
UNREVIEWED = (ToolStatus.REGISTERED.value, ToolStatus.UNDER_REVIEW.value)


def visible_tools(user: User) -> Select:
    """Staff see every tool; others see their unit's, their BRM units', and their own."""
    query = select(ShadowTool)
    if user.is_staff:
        return query
    unit_ids = [user.business_unit_id] if user.business_unit_id else []
    adopted = select(ToolAdoption.tool_id).where(
        or_(
            ToolAdoption.business_unit_id.in_(unit_ids),
            ToolAdoption.business_unit_id.in_(brm_unit_ids(user)),
        )
    )
    return query.where(or_(ShadowTool.id.in_(adopted), ShadowTool.registered_by_id == user.id))


def load_tool_or_404(user: User, tool_id: int) -> ShadowTool:
    tool = db.session.scalar(
        visible_tools(user)
        .options(
            joinedload(ShadowTool.registered_by),
            joinedload(ShadowTool.business_unit),
            joinedload(ShadowTool.unmet_request),
            selectinload(ShadowTool.adoptions).joinedload(ToolAdoption.business_unit),
            selectinload(ShadowTool.events),
        )
        .where(ShadowTool.id == tool_id)
    )
    if tool is None:
        abort(404)
    return tool


@dataclass(frozen=True)
class ToolFilters:
    status: str = ""
    tier: str = ""
    unit: str = ""
    data: str = ""
    renewal: str = ""  # "30" or "90" days
    sort: str = "risk"

    @classmethod
    def from_args(cls, args) -> ToolFilters:
        status = args.get("status", "")
        return cls(
            status=status if status in {s.value for s in ToolStatus} else "",
            tier=args.get("tier", "") if args.get("tier") in TIERS else "",
            unit=args.get("unit", "") if parse_id(args.get("unit")) else "",
            data=args.get("data", "") if args.get("data") in (
                "none", "internal", "personal", "sensitive") else "",
            renewal=args.get("renewal", "") if args.get("renewal") in ("30", "90") else "",
            sort=args.get("sort") if args.get("sort") in SORTS else "risk",
        )

    def params(self, **overrides) -> dict[str, str]:
        current = replace(self, **overrides)
        return {f.name: getattr(current, f.name) for f in fields(self)
                if getattr(current, f.name) != getattr(ToolFilters(), f.name)}


def _tier_rank():
    return case({tier: rank for rank, tier in enumerate(reversed(TIERS))},
                value=ShadowTool.risk_tier)


def yearly_cost_sql():
    return case((ShadowTool.cost_period == "month", ShadowTool.cost_amount * 12),
                else_=ShadowTool.cost_amount)


def inventory_query(user: User, filters: ToolFilters, today: date) -> Select:
    query = visible_tools(user).options(joinedload(ShadowTool.business_unit))
    if filters.status:
        query = query.where(ShadowTool.status == filters.status)
    if filters.tier:
        query = query.where(ShadowTool.risk_tier == filters.tier)
    if filters.unit:
        query = query.where(
            ShadowTool.id.in_(
                select(ToolAdoption.tool_id).where(
                    ToolAdoption.business_unit_id == int(filters.unit)
                )
            )
        )
    if filters.data:
        query = query.where(ShadowTool.data_kind == filters.data)
    if filters.renewal:
        query = query.where(
            ShadowTool.renewal_date.between(today, today + timedelta(days=int(filters.renewal)))
        )
    order = {
        "risk": (_tier_rank(), ShadowTool.name_key),
        "name": (ShadowTool.name_key,),
        "renewal": (ShadowTool.renewal_date.asc().nulls_last(), ShadowTool.name_key),
        "cost": (yearly_cost_sql().desc().nulls_last(), ShadowTool.name_key),
        "newest": (ShadowTool.created_at.desc(), ShadowTool.id.desc()),
    }[filters.sort]
    return query.order_by(*order)


@dataclass(frozen=True)
class CostLine:
    unit: str
    currency: str
    yearly: Decimal
    tools: int


def cost_by_unit(user: User) -> list[CostLine]:
    """Yearly cost of the tools each unit registered, per currency, in one query."""
    visible = visible_tools(user).with_only_columns(ShadowTool.id)
    rows = db.session.execute(
        select(
            func.coalesce(BusinessUnit.name, "No unit"),
            ShadowTool.currency,
            func.sum(yearly_cost_sql()),
            func.count(ShadowTool.id),
        )
        .outerjoin(BusinessUnit, BusinessUnit.id == ShadowTool.business_unit_id)
        .where(ShadowTool.id.in_(visible), ShadowTool.cost_amount.is_not(None))
        .group_by(BusinessUnit.name, ShadowTool.currency)
        .order_by(func.sum(yearly_cost_sql()).desc())
    ).all()
    return [CostLine(unit, currency, Decimal(total or 0), count)
            for unit, currency, total, count in rows]


def renewing_soon(user: User, today: date, days: int = 90, limit: int = 10) -> list[ShadowTool]:
    return list(
        db.session.scalars(
            visible_tools(user)
            .where(ShadowTool.renewal_date.between(today, today + timedelta(days=days)))
            .order_by(ShadowTool.renewal_date)
            .limit(limit)
        )
    )


def unreviewed_high_risk(unit_id: int) -> int:
    """A unit's high or critical tools IT hasn't decided on (for the health score)."""
    return db.session.scalar(
        select(func.count(func.distinct(ShadowTool.id)))
        .join(ToolAdoption, ToolAdoption.tool_id == ShadowTool.id)
        .where(
            ToolAdoption.business_unit_id == unit_id,
            ShadowTool.status.in_(UNREVIEWED),
            ShadowTool.risk_tier.in_(HIGH_TIERS),
        )
    ) or 0


_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def _cell(value) -> str:
    """A CSV cell a spreadsheet shows as text and never runs as a formula."""
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(_FORMULA_START) else text


CSV_COLUMNS = (
    "name", "web address", "status", "risk tier", "risk reasons", "unit", "people",
    "data", "sign-in", "payer", "cost", "per", "currency", "yearly cost", "renewal",
    "registered",
)


def to_csv(tools: list[ShadowTool]) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(CSV_COLUMNS)
    for tool in tools:
        writer.writerow([_cell(v) for v in (
            tool.name, tool.url, tool.status, tool.risk_tier, tool.risk_reasons,
            tool.business_unit.name if tool.business_unit else "", tool.user_count,
            tool.data_kind, tool.sign_in, tool.payer, tool.cost_amount, tool.cost_period,
            tool.currency, tool.yearly_cost, tool.renewal_date,
            tool.created_at.date().isoformat(),
        )])
    return buffer.getvalue()

"""What the pages and the API show of an expert's credit, and the pools list's filter and sort."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import ColumnElement, Select, exists, func, select
from sqlalchemy.orm import aliased

from ..extensions import db
from ..models import Expert
from ..models.credit import START_POINTS, CreditEntry, Leave, Suspension
from ..models.types import utcnow
from ..timeutil import iso_local
from .points import active_suspension, active_suspensions, scores, this_year, today, year_bounds


@dataclass(frozen=True)
class CreditSummary:
    """An expert's points this year, every entry that makes them, the suspension in force, the history."""

    expert: Expert
    year: int
    score: int
    entries: list[CreditEntry]
    earlier: list[CreditEntry]
    suspension: Suspension | None
    suspensions: list[Suspension]


def summary(expert: Expert, year: int | None = None) -> CreditSummary:
    y = year or this_year()
    start, end = year_bounds(y)
    rows = list(
        db.session.scalars(
            select(CreditEntry)
            .where(CreditEntry.expert_id == expert.id)
            .order_by(CreditEntry.at.desc(), CreditEntry.id.desc())
        )
    )
    suspensions = list(
        db.session.scalars(
            select(Suspension).where(Suspension.expert_id == expert.id).order_by(Suspension.start.desc())
        )
    )
    return CreditSummary(
        expert=expert,
        year=y,
        score=scores([expert.id], y)[expert.id],
        entries=[e for e in rows if start <= e.at < end],
        earlier=[e for e in rows if e.at < start],
        suspension=active_suspension(expert.id),
        suspensions=suspensions,
    )


def entry_to_dict(entry: CreditEntry) -> dict[str, Any]:
    return {
        "delta": entry.delta,
        "reason": entry.reason,
        "at": iso_local(entry.at),
        "by": entry.created_by.username if entry.created_by else None,
    }


def credit_to_dict(expert: Expert) -> dict[str, Any]:
    """The contract's ``credit`` object: this year's points, the suspension's last day, the entries."""
    s = summary(expert)
    return {
        "score": s.score,
        "year": s.year,
        "suspended_until": s.suspension.until.isoformat() if s.suspension else None,
        "entries": [entry_to_dict(e) for e in s.entries],
    }


# --- the pools list ------------------------------------------------------------------------------


def _year_points() -> Any:
    start, end = year_bounds(this_year())
    return (
        select(CreditEntry.expert_id, func.sum(CreditEntry.delta).label("delta"))
        .where(CreditEntry.at >= start, CreditEntry.at < end)
        .group_by(CreditEntry.expert_id)
        .subquery()
    )


def suspended_now(on: date | None = None) -> ColumnElement[bool]:
    s = aliased(Suspension)
    return exists().where(s.expert_id == Expert.id, s.lifted_at.is_(None), s.until >= (on or today()))


def filter_and_sort(stmt: Select[Any], suspended: str = "", sort: str = "") -> Select[Any]:
    """The pools list narrowed to suspended (``yes``) or drawable (``no``) experts, and sorted by
    this year's points (``points``: lowest first; ``-points``: highest first)."""
    if suspended == "yes":
        stmt = stmt.where(suspended_now())
    elif suspended == "no":
        stmt = stmt.where(~suspended_now())
    if sort in ("points", "-points"):
        points = _year_points()
        total = START_POINTS + func.coalesce(points.c.delta, 0)
        stmt = stmt.outerjoin(points, points.c.expert_id == Expert.id)
        stmt = stmt.order_by(None).order_by(total if sort == "points" else total.desc(), Expert.id)
    return stmt


@dataclass(frozen=True)
class PoolCredit:
    """For one page of the pools list: points this year, and who is suspended or away today."""

    points: dict[int, int]
    suspended: dict[int, Suspension]
    away: set[int]


def pool_credit(expert_ids: list[int]) -> PoolCredit:
    now = utcnow()
    away = set(
        db.session.scalars(
            select(Leave.expert_id).where(
                Leave.expert_id.in_(expert_ids),
                Leave.withdrawn_at.is_(None),
                Leave.start <= now,
                Leave.end > now,
            )
        )
    )
    return PoolCredit(scores(expert_ids), active_suspensions(expert_ids), away)

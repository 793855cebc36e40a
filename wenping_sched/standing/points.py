"""Reading credit: the rules in force, points per calendar year, suspensions in force, dates in Chinese.

Reads only; it imports nothing but the models, so the draw (``solving``) can use it too.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, time

from flask_babel import gettext as _
from sqlalchemy import func, select

from ..extensions import db
from ..models.credit import DEFAULT_RULES, START_POINTS, CreditEntry, CreditRules, Suspension
from ..timeutil import at_local, local_now, to_local


@dataclass(frozen=True)
class Rules:
    """The rules in force: points deducted per event, the threshold and the term of a suspension."""

    id: int | None
    absent: int
    late_decline: int
    late: int
    low_score: int
    threshold: int
    suspension_months: int

    def values(self) -> dict[str, int]:
        return {key: getattr(self, key) for key in DEFAULT_RULES}


def rules_in_force() -> Rules:
    """The newest version a city coordinator saved, or the contract's defaults."""
    row = db.session.scalars(select(CreditRules).order_by(CreditRules.id.desc()).limit(1)).first()
    if row is None:
        return Rules(id=None, **DEFAULT_RULES)
    return Rules(id=row.id, **{key: getattr(row, key) for key in DEFAULT_RULES})


def year_bounds(year: int) -> tuple[datetime, datetime]:
    """1 January to 1 January, local time: points are counted per calendar year."""
    return at_local(date(year, 1, 1), time(0, 0)), at_local(date(year + 1, 1, 1), time(0, 0))


def this_year() -> int:
    return local_now().year


def scores(expert_ids: Iterable[int], year: int | None = None) -> dict[int, int]:
    """Each expert's points in ``year`` (this year by default): 100 plus the year's entries."""
    ids = list(expert_ids)
    start, end = year_bounds(year or this_year())
    totals = dict.fromkeys(ids, START_POINTS)
    if not ids:
        return totals
    stmt = (
        select(CreditEntry.expert_id, func.sum(CreditEntry.delta))
        .where(CreditEntry.expert_id.in_(ids), CreditEntry.at >= start, CreditEntry.at < end)
        .group_by(CreditEntry.expert_id)
    )
    for expert_id, total in db.session.execute(stmt):
        totals[expert_id] = START_POINTS + int(total or 0)
    return totals


def score(expert_id: int, year: int | None = None) -> int:
    return scores([expert_id], year)[expert_id]


def today() -> date:
    return local_now().date()


def active_suspensions(expert_ids: Iterable[int], on: date | None = None) -> dict[int, Suspension]:
    """The suspension in force for each expert on ``on`` (today), the one lasting longest if several."""
    ids = list(expert_ids)
    if not ids:
        return {}
    day = on or today()
    # A suspension starts the moment it is made: any row not lifted and not yet over is in force.
    stmt = (
        select(Suspension)
        .where(Suspension.expert_id.in_(ids), Suspension.lifted_at.is_(None), Suspension.until >= day)
        .order_by(Suspension.until)
    )
    return {s.expert_id: s for s in db.session.scalars(stmt)}


def active_suspension(expert_id: int, on: date | None = None) -> Suspension | None:
    return active_suspensions([expert_id], on).get(expert_id)


def cn_date(day: date, with_year: bool = True) -> str:
    """2027年6月3日 (or 6月3日)."""
    if with_year:
        return _("%(y)d年%(m)d月%(d)d日", y=day.year, m=day.month, d=day.day)
    return _("%(m)d月%(d)d日", m=day.month, d=day.day)


def suspension_reason(suspension: Suspension, current_score: int) -> str:
    """Why the draw avoids a suspended expert, e.g. 信用分55，暂停抽取至2027年6月3日."""
    if suspension.kind == "automatic":
        return _("信用分%(s)d，暂停抽取至%(d)s", s=current_score, d=cn_date(suspension.until))
    return _("经协调员决定，暂停抽取至%(d)s", d=cn_date(suspension.until))


def local_day(value: datetime) -> date:
    return to_local(value).date()

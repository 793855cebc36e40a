"""Reading experts within a user's scope, and their load."""

from __future__ import annotations

from collections import Counter
from datetime import datetime

from sqlalchemy import Select, func, select

from ..extensions import db
from ..models import CITY, Expert, Panel, PanelMember, Pool, Sector, User, expert_sector
from ..timeutil import local_now


def visible_pool_codes(user: User) -> list[str] | None:
    """The pools a coordinator sees; None means every pool."""
    if user.is_city:
        return None
    return [CITY, user.scope or CITY]


def experts_query(
    user: User,
    pool: str | None = None,
    sector: str | None = None,
    senior: bool | None = None,
    active: bool | None = True,
) -> Select[Expert]:
    stmt = select(Expert).join(Expert.pool).order_by(Pool.sort_order, Expert.id)
    codes = visible_pool_codes(user)
    if codes is not None:
        stmt = stmt.where(Pool.code.in_(codes))
    if pool:
        stmt = stmt.where(Pool.code == pool)
    if sector:
        stmt = stmt.where(
            Expert.id.in_(select(expert_sector.c.expert_id).join(Sector).where(Sector.name == sector))
        )
    if senior is not None:
        stmt = stmt.where(Expert.senior.is_(senior))
    if active is not None:
        stmt = stmt.where(Expert.active.is_(active))
    return stmt


def year_bounds(year: int | None = None) -> tuple[datetime, datetime]:
    now = local_now()
    y = year or now.year
    return now.replace(year=y, month=1, day=1, hour=0, minute=0, second=0, microsecond=0), now.replace(
        year=y + 1, month=1, day=1, hour=0, minute=0, second=0, microsecond=0
    )


def loads(expert_ids: list[int] | None = None, year: int | None = None) -> Counter[int]:
    """Panels per expert this year (members not declined or replaced, panels not cancelled)."""
    start, end = year_bounds(year)
    stmt = (
        select(PanelMember.expert_id, func.count())
        .join(Panel)
        .where(PanelMember.state.in_(("proposed", "pending", "accepted")))
        .where(Panel.status != "cancelled")
        .where(Panel.start >= start, Panel.start < end)
        .group_by(PanelMember.expert_id)
    )
    if expert_ids is not None:
        stmt = stmt.where(PanelMember.expert_id.in_(expert_ids))
    return Counter({eid: n for eid, n in db.session.execute(stmt)})


def pool_counts(user: User) -> list[tuple[Pool, int, int]]:
    """Each visible pool with its active experts and how many of them are senior."""
    stmt = (
        select(Pool, func.count(Expert.id), func.count(Expert.id).filter(Expert.senior.is_(True)))
        .outerjoin(Expert, (Expert.pool_id == Pool.id) & Expert.active.is_(True))
        .group_by(Pool.id)
        .order_by(Pool.sort_order)
    )
    codes = visible_pool_codes(user)
    if codes is not None:
        stmt = stmt.where(Pool.code.in_(codes))
    return [(p, n, s) for p, n, s in db.session.execute(stmt)]

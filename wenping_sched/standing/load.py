"""An expert's panel load: how many panels the expert sits on in a year, as the draw balances it."""

from __future__ import annotations

from collections import Counter
from datetime import datetime

from sqlalchemy import func, select

from ..extensions import db
from ..models import Panel, PanelMember
from ..timeutil import local_now


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

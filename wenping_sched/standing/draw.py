"""What credit tells the draw: who is suspended (excluded, with the reason), who is away on leave
(busy then; excluded, with the reason, when the leave covers a panel's whole window).

``solving.build_panels_instance`` asks ``draw_constraints`` once per instance.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from flask_babel import gettext as _
from sqlalchemy import select

from ..extensions import db
from ..models.credit import Leave
from ..timeutil import to_local
from .points import active_suspensions, cn_date, scores, suspension_reason


@dataclass(frozen=True)
class Away:
    """One leave as the draw sees it: a busy interval and how the record names it."""

    start: datetime
    end: datetime
    label: str


@dataclass(frozen=True)
class DrawConstraints:
    # expert id -> why a suspended expert is not drawn
    suspended: dict[int, str] = field(default_factory=dict)
    # expert id -> the expert's leave touching the instance's span, in order of start
    leave: dict[int, list[Away]] = field(default_factory=dict)

    def busy(self, expert_id: int) -> list[tuple[datetime, datetime]]:
        """The expert's leave as busy intervals."""
        return [(a.start, a.end) for a in self.leave.get(expert_id, [])]

    def exclusions(self, window: tuple[datetime, datetime], fixed: Iterable[int] = ()) -> dict[int, str]:
        """Experts a panel in ``window`` must not draw, with the reason; ``fixed`` members stay.

        Fixed members (those who accepted, kept through a redraw or a new time) are never excluded:
        suspension stops new draws, and a member's leave is handled when it is declared.
        """
        keep = set(fixed)
        out = {e: why for e, why in self.suspended.items() if e not in keep}
        for expert_id, periods in self.leave.items():
            if expert_id in keep or expert_id in out:
                continue
            covering = _covering(periods, window)
            if covering is not None:
                out[expert_id] = covering
        return out


def _covering(periods: list[Away], window: tuple[datetime, datetime]) -> str | None:
    """The label of the leave that covers the whole window (leave back to back counts as one)."""
    start, end = window
    reach, labels = start, []
    for away in periods:
        if away.end <= start:
            continue
        if away.start > reach:
            return None
        reach = max(reach, away.end)
        labels.append(away.label)
        if reach >= end:
            return "；".join(labels)
    return None


def leave_period(leave: Leave) -> str:
    """2026年12月7日至12月11日 (whole days, the end inclusive) or with the clock times."""
    start, end = to_local(leave.start), to_local(leave.end)
    if leave.all_day:
        last = (end - timedelta(days=1)).date()
        if last <= start.date():
            return cn_date(start.date())
        return _("%(a)s至%(b)s", a=cn_date(start.date()), b=cn_date(last, with_year=last.year != start.year))
    if start.date() == end.date():
        return _("%(d)s %(a)s至%(b)s", d=cn_date(start.date()), a=f"{start:%H:%M}", b=f"{end:%H:%M}")
    return _(
        "%(a)s至%(b)s",
        a=f"{cn_date(start.date())} {start:%H:%M}",
        b=f"{cn_date(end.date(), with_year=end.year != start.year)} {end:%H:%M}",
    )


def leave_label(leave: Leave) -> str:
    """How the draw record names a leave: 请假：2026年12月7日至12月11日."""
    return _("请假：%(p)s", p=leave_period(leave))


def draw_constraints(expert_ids: Iterable[int], span: tuple[datetime, datetime]) -> DrawConstraints:
    """Suspensions in force today and leave touching ``span``, for these experts."""
    ids = list(expert_ids)
    if not ids:
        return DrawConstraints()
    suspensions = active_suspensions(ids)
    points = scores(suspensions)
    suspended = {e: suspension_reason(s, points[e]) for e, s in suspensions.items()}
    leave: dict[int, list[Away]] = {}
    stmt = (
        select(Leave)
        .where(
            Leave.expert_id.in_(ids),
            Leave.withdrawn_at.is_(None),
            Leave.start < span[1],
            Leave.end > span[0],
        )
        .order_by(Leave.expert_id, Leave.start)
    )
    for row in db.session.scalars(stmt):
        leave.setdefault(row.expert_id, []).append(Away(row.start, row.end, leave_label(row)))
    return DrawConstraints(suspended, leave)

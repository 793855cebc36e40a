"""What the dashboard and the month calendar read, within a coordinator's scope."""

from __future__ import annotations

import calendar as pycalendar
import datetime as dt
from dataclasses import dataclass, field
from datetime import datetime, timedelta

import chinese_calendar
from flask_babel import gettext as _
from sqlalchemy import ColumnElement, and_, func, or_, select, true

from ..extensions import db
from ..models import STAGES, AuditLog, CalendarDay, DrawRecord, JointMeeting, Matter, Panel, User
from ..models.outbox import OutboxMessage
from ..timeutil import at_local, local_now, to_local

UPCOMING_DAYS = 30
# The statutory holidays as chinese_calendar names them, in Chinese.
HOLIDAY_NAMES = {
    "New Year's Day": "元旦",
    "Spring Festival": "春节",
    "Tomb-sweeping Day": "清明节",
    "Labour Day": "劳动节",
    "Dragon Boat Festival": "端午节",
    "National Day": "国庆节",
    "Mid-autumn Festival": "中秋节",
    "Anti-Fascist 70th Day": "抗战胜利纪念日",
}


def _in_scope(user: User) -> ColumnElement[bool]:
    """Only the user's county's matters for a county coordinator (the city sees all)."""
    return true() if user.is_city else Matter.county == user.scope


# --- the dashboard ------------------------------------------------------------------------------


@dataclass
class WaitingPanel:
    panel: Panel
    answered: int
    invited: int
    accepted: int


@dataclass
class Upcoming:
    """A panel or a joint meeting in the coming days, as one list sorted by start."""

    kind: str  # "panel" | "meeting"
    id: int
    title: str
    start: datetime
    end: datetime | None
    status: str
    location: str


@dataclass
class DrawnAgain:
    """A matter drawn more than once (replacement draws aside): each draw is on its page."""

    matter: Matter
    draws: int


@dataclass
class ChainCheck:
    """The audit log's last verification: when, how (command line or page), and whether it was whole."""

    at: datetime
    via: str
    ok: bool
    entries: int
    message: str
    by: str


@dataclass
class Dashboard:
    stages: list[tuple[int, str, int]]
    matters_total: int
    waiting: list[WaitingPanel]
    upcoming: list[Upcoming]
    mail_queued: int
    mail_failed: int
    drawn_again: list[DrawnAgain] = field(default_factory=list)
    chain: ChainCheck | None = None


def stage_counts(user: User) -> list[tuple[int, str, int]]:
    """Matters at each of the seven steps (zeros shown)."""
    stmt = select(Matter.stage, func.count()).where(_in_scope(user)).group_by(Matter.stage)
    counts = {stage: n for stage, n in db.session.execute(stmt)}
    return [(n, name, counts.get(n, 0)) for n, name in enumerate(STAGES, start=1)]


def waiting_panels(user: User) -> list[WaitingPanel]:
    """Panels whose invitations are out: how many of the invited members have answered."""
    stmt = select(Panel).join(Panel.matter).where(Panel.status == "inviting", _in_scope(user))
    rows = []
    for panel in db.session.scalars(stmt.order_by(Panel.start, Panel.id)):
        members = [m for m in panel.members if m.state != "replaced"]
        answered = [m for m in members if m.state in ("accepted", "declined")]
        accepted = [m for m in members if m.state == "accepted"]
        rows.append(WaitingPanel(panel, len(answered), len(members), len(accepted)))
    return rows


def upcoming(user: User, days: int = UPCOMING_DAYS, now: datetime | None = None) -> list[Upcoming]:
    """Panels and (for the city office) joint meetings starting within ``days``."""
    start = now or local_now()
    end = start + timedelta(days=days)
    return sorted(
        panels_between(user, start, end) + meetings_between(user, start, end), key=lambda u: (u.start, u.kind)
    )


def panels_between(user: User, start: datetime, end: datetime) -> list[Upcoming]:
    stmt = (
        select(Panel)
        .join(Panel.matter)
        .where(Panel.status != "cancelled", Panel.start >= start, Panel.start < end, _in_scope(user))
        .order_by(Panel.start, Panel.id)
    )
    return [
        Upcoming("panel", p.id, p.matter.title, p.start, p.end, p.status, p.location)
        for p in db.session.scalars(stmt)
        if p.start is not None
    ]


def meetings_between(user: User, start: datetime, end: datetime) -> list[Upcoming]:
    """Joint meetings are the city office's: county coordinators do not see them."""
    if not user.is_city:
        return []
    stmt = (
        select(JointMeeting)
        .where(JointMeeting.status != "cancelled", JointMeeting.start >= start, JointMeeting.start < end)
        .order_by(JointMeeting.start, JointMeeting.id)
    )
    return [
        Upcoming("meeting", m.id, m.title, m.start, m.end, m.status, m.room.name if m.room else "")
        for m in db.session.scalars(stmt)
        if m.start is not None
    ]


def undelivered(user: User) -> tuple[int, int]:
    """Queued and failed messages, counted as the outbox page shows them to this user."""
    stmt = select(OutboxMessage.status, func.count()).where(OutboxMessage.status.in_(("queued", "failed")))
    if not user.is_city:
        stmt = (
            stmt.join(Panel, OutboxMessage.panel_id == Panel.id)
            .join(Matter, Panel.matter_id == Matter.id)
            .where(Matter.county == user.scope)
        )
    counts = {status: n for status, n in db.session.execute(stmt.group_by(OutboxMessage.status))}
    return counts.get("queued", 0), counts.get("failed", 0)


def drawn_again(user: User) -> list[DrawnAgain]:
    """Matters with more than one draw of their own (a 补抽 after a decline does not count)."""
    first_draws = or_(
        DrawRecord.kind.in_(("draw", "plan")),
        and_(DrawRecord.kind == "legacy", DrawRecord.legacy_kind != "redraw"),
    )
    stmt = (
        select(Matter, func.count(DrawRecord.id))
        .join(DrawRecord, DrawRecord.matter_id == Matter.id)
        .where(first_draws, _in_scope(user))
        .group_by(Matter.id)
        .having(func.count(DrawRecord.id) > 1)
        .order_by(func.count(DrawRecord.id).desc(), Matter.id)
        .limit(20)
    )
    return [DrawnAgain(matter, n) for matter, n in db.session.execute(stmt)]


def last_chain_check() -> ChainCheck | None:
    entry = db.session.scalars(
        select(AuditLog).where(AuditLog.action == "audit.verify").order_by(AuditLog.id.desc()).limit(1)
    ).first()
    if entry is None:
        return None
    d = entry.detail or {}
    return ChainCheck(
        at=entry.at,
        via=str(d.get("via", "")),
        ok=bool(d.get("ok")),
        entries=int(d.get("entries") or 0),
        message=str(d.get("message") or ""),
        by=entry.username,
    )


def dashboard(user: User) -> Dashboard:
    stages = stage_counts(user)
    queued, failed = undelivered(user)
    return Dashboard(
        stages=stages,
        matters_total=sum(n for _n, _name, n in stages),
        waiting=waiting_panels(user),
        upcoming=upcoming(user),
        mail_queued=queued,
        mail_failed=failed,
        drawn_again=drawn_again(user),
        chain=last_chain_check(),
    )


# --- the month calendar -------------------------------------------------------------------------


@dataclass
class Day:
    date: dt.date
    in_month: bool
    kind: str  # "workday" | "weekend" | "holiday" | "makeup" (a weekend worked, 调休上班)
    note: str
    items: list[Upcoming] = field(default_factory=list)

    @property
    def is_today(self) -> bool:
        return self.date == local_now().date()


@dataclass
class Month:
    year: int
    month: int
    weeks: list[list[Day]]
    previous: tuple[int, int]
    next: tuple[int, int]
    items: int


def day_kind(d: dt.date, table: dict[dt.date, tuple[str, str]]) -> tuple[str, str]:
    """A day's kind and note: the coordinators' holiday table first, then the statutory calendar."""
    weekend = d.weekday() >= 5
    if d in table:
        kind, note = table[d]
        if kind == "holiday":
            return "holiday", note or _("放假")
        return "makeup", note or _("调休上班")
    try:
        on_holiday, name = chinese_calendar.get_holiday_detail(d)
    except NotImplementedError:
        return ("weekend" if weekend else "workday"), ""
    label = HOLIDAY_NAMES.get(str(name), str(name)) if name else ""
    if on_holiday and name:
        return "holiday", label
    if weekend and not on_holiday:
        return "makeup", _("%(h)s调休上班", h=label) if label else _("调休上班")
    return ("weekend" if weekend else "workday"), ""


def parse_month(year: str | None, month: str | None) -> tuple[int, int]:
    """The requested month, or this month when the request is missing or out of range."""
    today = local_now().date()
    try:
        y, m = int(year or today.year), int(month or today.month)
    except ValueError:
        return today.year, today.month
    if not (2000 <= y <= 2100 and 1 <= m <= 12):
        return today.year, today.month
    return y, m


def month(user: User, year: int, month_number: int) -> Month:
    """Monday-first weeks covering the month, each day with its kind and its panels and meetings."""
    cal = pycalendar.Calendar(firstweekday=0)
    dates = [d for week in cal.monthdatescalendar(year, month_number) for d in week]
    first, last = dates[0], dates[-1]
    table = {
        row.date: (row.kind, row.note)
        for row in db.session.scalars(select(CalendarDay).where(CalendarDay.date.between(first, last)))
    }
    start = at_local(first, dt.time(0, 0))
    end = at_local(last + timedelta(days=1), dt.time(0, 0))
    by_day: dict[dt.date, list[Upcoming]] = {}
    items = sorted(
        panels_between(user, start, end) + meetings_between(user, start, end), key=lambda u: u.start
    )
    for item in items:
        by_day.setdefault(to_local(item.start).date(), []).append(item)
    days = []
    for d in dates:
        kind, note = day_kind(d, table)
        days.append(Day(d, d.month == month_number, kind, note, by_day.get(d, [])))
    previous = (year - 1, 12) if month_number == 1 else (year, month_number - 1)
    following = (year + 1, 1) if month_number == 12 else (year, month_number + 1)
    in_month = sum(len(d.items) for d in days if d.in_month)
    return Month(
        year, month_number, [days[i : i + 7] for i in range(0, len(days), 7)], previous, following, in_month
    )

"""Joint meetings between the ORM and the solver: rows in, a wenping-meetings/1 instance out, and back.

The meetings' counterpart of ``solving.panels`` (``solving.common`` holds the calendar block
both share). Everyone's other commitments become ``busy``: a contact's own busy
periods and the other joint meetings they attend; a room's other joint meetings and the panels
whose location names it. Every solution passes the independent validator before it is used.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select

from solver.calendar import WorkCalendar
from solver.instance import (
    CalendarSpec,
    MeetingAssignment,
    MeetingInstance,
    MeetingSolution,
    parse_meetings,
)
from solver.meetings import alternatives, availability_grid, solve_meetings
from solver.validate import validate_meetings

from ..extensions import db
from ..models import BOOKING_STATES, Department, JointMeeting, Panel, Room
from ..timeutil import local_tz, to_local
from .common import SolverBug, calendar_block

MEETING_TIME_LIMIT = 10.0

Span = tuple[datetime, datetime]


@dataclass(frozen=True)
class MeetingRequest:
    """One meeting to schedule, in the app's terms (department codes, aware datetimes)."""

    key: str
    title: str
    required: tuple[str, ...]
    optional: tuple[str, ...]
    window: Span
    duration_minutes: int
    attendees_per_department: int = 1


@dataclass(frozen=True)
class Alternative:
    start: datetime
    end: datetime
    room_id: int
    room_name: str


def person_key(contact_id: int) -> str:
    return f"C{contact_id}"


def room_key(room_id: int) -> str:
    return f"R{room_id}"


def key_id(key: str) -> int:
    """The database id inside a person or room key ("C12" -> 12)."""
    return int(key[1:])


def _iso(value: datetime) -> str:
    return to_local(value).isoformat(timespec="seconds")


def room_busy(room_name: str, span: Span, ignore_panel_id: int | None = None) -> list[Span] | None:
    """When the room of this name is taken within the span (joint meetings and panels), or
    None when no room has this name (a panel's location may be any place)."""
    room_id = db.session.scalar(select(Room.id).where(Room.name == room_name))
    if room_id is None:
        return None
    _people, rooms = _commitments(span, (), ignore_panel_id)
    return sorted(rooms.get(room_id, []))


def _overlaps(a: Span, b: Span) -> bool:
    return a[0] < b[1] and b[0] < a[1]


def _commitments(
    span: Span, ignore: Collection[int], ignore_panel_id: int | None = None
) -> tuple[dict[int, list[Span]], dict[int, list[Span]]]:
    """People (contact id) and rooms (room id) taken by other joint meetings and by panels in the span."""
    people: dict[int, list[Span]] = {}
    rooms: dict[int, list[Span]] = {}
    stmt = select(JointMeeting).where(
        JointMeeting.status.in_(BOOKING_STATES),
        JointMeeting.start < span[1],
        JointMeeting.end > span[0],
    )
    if ignore:
        stmt = stmt.where(JointMeeting.id.not_in(list(ignore)))
    for m in db.session.scalars(stmt):
        assert m.start is not None and m.end is not None
        for part in m.departments:
            if part.confirmation == "declined":
                continue  # the department is not coming: its people are free again
            for contact_id in part.attendee_contact_ids or []:
                people.setdefault(contact_id, []).append((m.start, m.end))
        if m.room_id is not None:
            rooms.setdefault(m.room_id, []).append((m.start, m.end))
    # Panels have only a location text: one naming a room books that room.
    by_name = {name: rid for rid, name in db.session.execute(select(Room.id, Room.name))}
    panels = select(Panel.location, Panel.start, Panel.end).where(
        Panel.status != "cancelled",
        Panel.location.in_(list(by_name)),
        Panel.start < span[1],
        Panel.end > span[0],
    )
    if ignore_panel_id is not None:
        panels = panels.where(Panel.id != ignore_panel_id)
    for location, start, end in db.session.execute(panels):
        if start is not None and end is not None:
            rooms.setdefault(by_name[location], []).append((start, end))
    return people, rooms


def build_meeting_instance(
    requests: Sequence[MeetingRequest], ignore: Collection[int] = ()
) -> dict[str, Any]:
    """A wenping-meetings/1 instance for these meetings; ``ignore`` lists stored meetings to leave out."""
    codes = list(dict.fromkeys(c for r in requests for c in (*r.required, *r.optional)))
    departments = list(
        db.session.scalars(
            select(Department)
            .where(Department.code.in_(codes))
            .order_by(Department.sort_order, Department.id)
        )
    )
    span = (min(r.window[0] for r in requests), max(r.window[1] for r in requests))
    people_taken, rooms_taken = _commitments(span, ignore)

    department_rows = []
    for d in departments:
        people = []
        for c in d.contacts:
            busy = [(b.start, b.end) for b in c.busy if _overlaps((b.start, b.end), span)]
            busy += people_taken.get(c.id, [])
            people.append(
                {
                    "id": person_key(c.id),
                    "name": c.name,
                    "busy": [[_iso(s), _iso(e)] for s, e in sorted(busy)],
                }
            )
        department_rows.append({"id": d.code, "name": d.name, "people": people})
    # Smallest rooms first: a small meeting should not take the big hall from a large one.
    room_rows = [
        {
            "id": room_key(r.id),
            "name": r.name,
            "capacity": r.capacity,
            "busy": [[_iso(s), _iso(e)] for s, e in sorted(rooms_taken.get(r.id, []))],
        }
        for r in db.session.scalars(select(Room).order_by(Room.capacity, Room.name))
    ]
    meeting_rows = [
        {
            "id": r.key,
            "title": r.title,
            "required": list(r.required),
            "optional": list(r.optional),
            "attendees_per_department": r.attendees_per_department,
            "window": [_iso(r.window[0]), _iso(r.window[1])],
            "duration_minutes": r.duration_minutes,
        }
        for r in requests
    ]
    return {
        "format": "wenping-meetings/1",
        "timezone": str(local_tz()),
        "calendar": calendar_block(),
        "departments": department_rows,
        "rooms": room_rows,
        "meetings": meeting_rows,
    }


def solve(
    instance: dict[str, Any], time_limit: float = MEETING_TIME_LIMIT
) -> tuple[MeetingInstance, MeetingSolution]:
    """Parse, solve and validate; a solution the validator rejects is a bug, never a meeting."""
    parsed = parse_meetings(instance)
    solution = solve_meetings(parsed, time_limit=time_limit)
    problems = validate_meetings(parsed, solution)
    if problems:
        raise SolverBug("; ".join(problems))
    return parsed, solution


# --- a stored meeting, seen again -----------------------------------------------------


def request_of(meeting: JointMeeting, window: Span | None = None) -> MeetingRequest:
    """The stored meeting as a request (its own window unless another is given)."""
    return MeetingRequest(
        key=meeting.instance_key,
        title=meeting.title,
        required=tuple(p.department.code for p in meeting.departments if p.required),
        optional=tuple(p.department.code for p in meeting.departments if not p.required),
        window=window or (meeting.window_start, meeting.window_end),
        duration_minutes=meeting.duration_minutes,
        attendees_per_department=meeting.attendees_per_department,
    )


def assignment_of(meeting: JointMeeting) -> MeetingAssignment:
    """The stored time, room and attendees in the solver's terms."""
    assert meeting.start is not None and meeting.end is not None and meeting.room_id is not None
    tz = local_tz()
    attendees = tuple(
        (p.department.code, tuple(person_key(c) for c in p.attendee_contact_ids))
        for p in meeting.departments
        if p.attendee_contact_ids
    )
    return MeetingAssignment(
        id=meeting.instance_key,
        start=meeting.start.astimezone(tz),
        end=meeting.end.astimezone(tz),
        room=room_key(meeting.room_id),
        attendees=attendees,
    )


def current_view(meeting: JointMeeting) -> tuple[MeetingInstance, MeetingSolution]:
    """The meeting against today's data: an instance of everyone else's commitments, and its stored slot.

    ``validate_meetings`` on the pair re-checks the stored meeting against the current database.
    """
    instance = parse_meetings(build_meeting_instance([request_of(meeting)], ignore=[meeting.id]))
    solution = MeetingSolution(status="optimal", meetings=(assignment_of(meeting),), unscheduled=())
    return instance, solution


def alternatives_for(
    instance: MeetingInstance, solution: MeetingSolution, key: str, k: int = 3
) -> list[Alternative]:
    rooms = {room_key(r.id): r for r in db.session.scalars(select(Room))}
    out = []
    for start, end, rid in alternatives(instance, key, solution, k=k):
        room = rooms.get(rid)
        out.append(Alternative(start, end, key_id(rid), room.name if room else rid))
    return out


# --- the availability heat map ----------------------------------------------------------


@dataclass(frozen=True)
class HeatCell:
    available: int
    required: int
    missing: tuple[str, ...]  # department names
    fits: bool  # whether the meeting's duration fits the block (inside the window)
    marks: tuple[str, ...]  # "chosen", "alt1", ...

    @property
    def level(self) -> int:
        """0 (nobody) to 4 (every required department), for the shading."""
        if self.required == 0 or self.available >= self.required:
            return 4
        if self.available == 0:
            return 0
        ratio = self.available / self.required
        return 3 if ratio >= 0.75 else 2 if ratio >= 0.5 else 1


@dataclass(frozen=True)
class HeatRow:
    date: dt.date
    day_kind: str  # "workday" | "weekend" | "holiday"
    cells: tuple[HeatCell | None, ...]  # one per work-hours block; None outside the window


@dataclass(frozen=True)
class HeatMap:
    columns: tuple[tuple[dt.time, dt.time], ...]
    rows: tuple[HeatRow, ...]
    truncated: bool


MAX_HEAT_DAYS = 62


def heat_map(
    instance: MeetingInstance,
    key: str,
    chosen: datetime | None = None,
    alternative_starts: Sequence[datetime] = (),
) -> HeatMap:
    """Days × work-hours blocks of the meeting's window, with how many required departments can come."""
    meeting = next(m for m in instance.meetings if m.id == key)
    calendar = WorkCalendar(instance.calendar, instance.timezone)
    names = {d.id: d.name or d.id for d in instance.departments}
    blocks = instance.calendar.work_hours
    tz = local_tz()

    def column(t: datetime) -> int | None:
        clock = t.astimezone(tz).time()
        return next((i for i, (s, e) in enumerate(blocks) if s <= clock < e), None)

    marks: dict[tuple[dt.date, int], list[str]] = {}
    for label, t in [("chosen", chosen), *((f"alt{n}", a) for n, a in enumerate(alternative_starts, 1))]:
        if t is not None and (i := column(t)) is not None:
            marks.setdefault((t.astimezone(tz).date(), i), []).append(label)

    cells: dict[tuple[dt.date, int], HeatCell] = {}
    for c in availability_grid(instance, key):
        i = column(c["start"])
        if i is None:
            continue
        day = c["start"].astimezone(tz).date()
        cells[(day, i)] = HeatCell(
            available=c["available"],
            required=c["required"],
            missing=tuple(names.get(d, d) for d in c["missing"]),
            fits=c["best_start"] is not None,
            marks=tuple(marks.get((day, i), ())),
        )
    first = meeting.window[0].astimezone(tz).date()
    last = meeting.window[1].astimezone(tz).date()
    days = min((last - first).days + 1, MAX_HEAT_DAYS)
    rows = []
    for n in range(days):
        d = first + timedelta(days=n)
        kind = "workday" if calendar.is_workday(d) else ("weekend" if d.weekday() >= 5 else "holiday")
        rows.append(HeatRow(d, kind, tuple(cells.get((d, i)) for i in range(len(blocks)))))
    return HeatMap(columns=blocks, rows=tuple(rows), truncated=(last - first).days + 1 > MAX_HEAT_DAYS)


def calendar_spec() -> CalendarSpec:
    """The app's calendar (statutory plus the coordinators' table) for planning windows."""
    block = calendar_block()
    return CalendarSpec(
        workdays="cn",
        holidays=frozenset(dt.date.fromisoformat(d) for d in block["holidays"]),
        extra_workdays=frozenset(dt.date.fromisoformat(d) for d in block["extra_workdays"]),
    )


def quarter_window(year: int, quarter: int, workdays: int = 15) -> Span:
    """The first ``workdays`` workdays of the quarter's last month, 08:30 to 18:00 local."""
    calendar = WorkCalendar(calendar_spec(), str(local_tz()))
    month = quarter * 3
    day = dt.date(year, month, 1)
    found: list[dt.date] = []
    while day.month == month and len(found) < workdays:
        if calendar.is_workday(day):
            found.append(day)
        day += timedelta(days=1)
    tz = local_tz()
    return (
        datetime.combine(found[0], dt.time(8, 30), tzinfo=tz),
        datetime.combine(found[-1], dt.time(18, 0), tzinfo=tz),
    )


@dataclass(frozen=True)
class Review:
    """A stored meeting against today's data: other good times, the heat map, and any new clash."""

    alternatives: list[Alternative]
    heat: HeatMap
    problems: list[str]


def review(meeting: JointMeeting) -> Review:
    instance, solution = current_view(meeting)
    alts = alternatives_for(instance, solution, meeting.instance_key)
    heat = heat_map(instance, meeting.instance_key, meeting.start, [a.start for a in alts])
    return Review(alts, heat, validate_meetings(instance, solution))

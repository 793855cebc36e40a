"""What the data allows a joint meeting: who is free at each candidate start, and why a meeting fails.

Everything here is plain Python over the instance; the CP-SAT model in :mod:`solver.meetings`
builds on :func:`meeting_options`, and :func:`explain_unscheduled` turns the same data into the
contract's reason codes (``no_workday``, ``department_unavailable``, ``no_common_slot``, ``no_room``).
"""

from __future__ import annotations

import bisect
import itertools
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from solver.calendar import WorkCalendar
from solver.instance import (
    Department,
    Interval,
    Meeting,
    MeetingAssignment,
    MeetingInstance,
    MeetingSolution,
    Reason,
    Room,
)

# Intervals taken by the other meetings of a solution: person id (or room id) -> intervals.
Taken = Mapping[str, list[Interval]]


class BusyIndex:
    """Answers "does any of these intervals overlap [start, end)?" in logarithmic time."""

    def __init__(self, intervals: Iterable[Interval]) -> None:
        pairs = sorted((s.timestamp(), e.timestamp()) for s, e in intervals)
        self._starts = [s for s, _ in pairs]
        # The latest end among the intervals starting before each position: an interval
        # overlaps [start, end) iff it starts before `end` and ends after `start`.
        self._max_end = list(itertools.accumulate((e for _, e in pairs), max))

    def overlaps(self, start: datetime, end: datetime) -> bool:
        i = bisect.bisect_left(self._starts, end.timestamp())
        return i > 0 and self._max_end[i - 1] > start.timestamp()


@dataclass(frozen=True)
class StartOption:
    """One calendar candidate start of a meeting and who and what is free for all of it."""

    start: datetime
    end: datetime
    free: dict[str, tuple[str, ...]]  # department id -> its people free for the whole meeting
    rooms: tuple[str, ...]  # rooms free for the whole meeting, whatever their capacity


def department_label(department: Department) -> str:
    """The name coordinators know a department by."""
    return department.name or department.id


def room_label(room: Room) -> str:
    return f"{room.id}（{room.name}）" if room.name and room.name != room.id else room.id


def departments_of(meeting: Meeting) -> tuple[str, ...]:
    """Required then optional departments, each once."""
    return tuple(dict.fromkeys(meeting.required + meeting.optional))


def min_head_count(meeting: Meeting) -> int:
    """People in the room when only the required departments come."""
    return meeting.attendees_per_department * len(meeting.required)


def taken_by(
    meetings: Iterable[MeetingAssignment],
) -> tuple[dict[str, list[Interval]], dict[str, list[Interval]]]:
    """People and rooms occupied by these scheduled meetings, each with its intervals."""
    people: dict[str, list[Interval]] = {}
    rooms: dict[str, list[Interval]] = {}
    for a in meetings:
        rooms.setdefault(a.room, []).append((a.start, a.end))
        for _, person_ids in a.attendees:
            for p in person_ids:
                people.setdefault(p, []).append((a.start, a.end))
    return people, rooms


def others_of(solution: MeetingSolution, meeting_id: str) -> list[MeetingAssignment]:
    """The solution's scheduled meetings other than ``meeting_id``."""
    return [a for a in solution.meetings if a.id != meeting_id]


def meeting_options(
    instance: MeetingInstance,
    meeting: Meeting,
    calendar: WorkCalendar,
    people_taken: Taken | None = None,
    rooms_taken: Taken | None = None,
) -> list[StartOption]:
    """Every calendar candidate start with the free people per department and the free rooms."""
    people_taken = people_taken or {}
    rooms_taken = rooms_taken or {}
    departments = {d.id: d for d in instance.departments}
    wanted = departments_of(meeting)
    person_busy = {
        p.id: BusyIndex(itertools.chain(p.busy, people_taken.get(p.id, ())))
        for d in wanted
        for p in departments[d].people
    }
    room_busy = {r.id: BusyIndex(itertools.chain(r.busy, rooms_taken.get(r.id, ()))) for r in instance.rooms}
    duration = timedelta(minutes=meeting.duration_minutes)
    options = []
    for start in calendar.candidate_starts(meeting.window, meeting.duration_minutes):
        end = start + duration
        free = {
            d: tuple(p.id for p in departments[d].people if not person_busy[p.id].overlaps(start, end))
            for d in wanted
        }
        rooms = tuple(r.id for r in instance.rooms if not room_busy[r.id].overlaps(start, end))
        options.append(StartOption(start, end, free, rooms))
    return options


def departments_short(option: StartOption, meeting: Meeting) -> list[str]:
    """The required departments that cannot send enough free people at this start."""
    k = meeting.attendees_per_department
    return [d for d in meeting.required if len(option.free[d]) < k]


def _fmt(t: datetime) -> str:
    return t.strftime("%Y-%m-%d %H:%M")


def _fmt_dates(days: list[date]) -> str:
    if not days:
        return ""
    if len(days) > 2 and all((b - a).days == 1 for a, b in itertools.pairwise(days)):
        return f"{days[0].isoformat()}至{days[-1].isoformat()}"
    return "、".join(d.isoformat() for d in days)


def _no_workday(meeting: Meeting, calendar: WorkCalendar) -> Reason:
    first = meeting.window[0].astimezone(calendar.tz).date()
    last = meeting.window[1].astimezone(calendar.tz).date()
    days = [first + timedelta(days=i) for i in range((last - first).days + 1)]
    off = [d for d in days if not calendar.is_workday(d)]
    on = [d for d in days if calendar.is_workday(d)]
    if not on:
        message = f"窗口内的 {_fmt_dates(off)} 均非工作日"
    else:
        message = (
            f"窗口内的工作日 {_fmt_dates(on)} 没有能容纳{meeting.duration_minutes}分钟会议的完整工作时段"
            + (f"（{_fmt_dates(off)} 非工作日）" if off else "")
        )
    return Reason(
        "no_workday",
        message,
        (("dates_off", [d.isoformat() for d in off]), ("workdays", [d.isoformat() for d in on])),
    )


def _department_unavailable(meeting: Meeting, department: Department, options: list[StartOption]) -> Reason:
    k = meeting.attendees_per_department
    most = max((len(o.free[department.id]) for o in options), default=0)
    name = department_label(department)
    if most == 0:
        message = f"{name}在窗口内没有人员空闲"
    else:
        message = f"{name}需{k}人，窗口内每个可选时段空闲人数均不足（最多{most}人）"
    return Reason(
        "department_unavailable",
        message,
        (("department", department.id), ("needed", k), ("most_free", most)),
    )


def _best_together(meeting: Meeting, options: list[StartOption]) -> StartOption:
    return min(options, key=lambda o: (len(departments_short(o, meeting)), o.start))


def _no_common_slot(
    meeting: Meeting, departments: Mapping[str, Department], options: list[StartOption]
) -> Reason:
    best = _best_together(meeting, options)
    missing = departments_short(best, meeting)
    names = "、".join(department_label(departments[d]) for d in missing)
    n = len(meeting.required)
    message = (
        f"{n}个必需部门各自都有空闲时段，但窗口内没有任何时段能同时到齐；"
        f"最多在 {_fmt(best.start)} 到齐{n - len(missing)}个，缺{names}"
    )
    return Reason(
        "no_common_slot",
        message,
        (
            ("required", n),
            ("most_together", n - len(missing)),
            ("best_start", best.start.isoformat()),
            ("missing", missing),
        ),
    )


def _no_room(meeting: Meeting, rooms: tuple[Room, ...], together: list[StartOption]) -> Reason:
    heads = min_head_count(meeting)
    largest = max((r.capacity for r in rooms), default=0)
    big = [r for r in rooms if r.capacity >= heads]
    if not big:
        message = f"与会至少{heads}人，最大的会议室只能容纳{largest}人"
    else:
        names = "、".join(room_label(r) for r in big)
        message = f"与会至少{heads}人，容纳得下的会议室{names}在各部门能到齐的{len(together)}个时段均被占用"
    return Reason(
        "no_room",
        message,
        (("head_count", heads), ("largest_capacity", largest), ("rooms", [r.id for r in big])),
    )


def usable_rooms(instance: MeetingInstance, meeting: Meeting, option: StartOption) -> list[Room]:
    """Free rooms at this start that hold at least the required departments."""
    heads = min_head_count(meeting)
    free = set(option.rooms)
    return [r for r in instance.rooms if r.id in free and r.capacity >= heads]


def _in_the_way(
    instance: MeetingInstance,
    meeting: Meeting,
    together: list[StartOption],
    others: Sequence[MeetingAssignment],
    rooms: bool,
) -> list[str]:
    """The other meetings that overlap a start that works alone and take its people (or rooms)."""
    departments = {d.id: d for d in instance.departments}
    ours = (
        {r.id for r in instance.rooms if r.capacity >= min_head_count(meeting)}
        if rooms
        else {p.id for d in meeting.required for p in departments[d].people}
    )
    out = []
    for a in others:
        used = {a.room} if rooms else {p for _, people in a.attendees for p in people}
        if used & ours and any(a.start < o.end and o.start < a.end for o in together):
            out.append(a.id)
    return out


def explain_unscheduled(
    instance: MeetingInstance,
    meeting: Meeting,
    calendar: WorkCalendar,
    others: Sequence[MeetingAssignment] = (),
) -> tuple[Reason, ...]:
    """Why ``meeting`` cannot be had, given the other meetings of the solution.

    The rules are checked in the order they bind: work time, each department alone, all
    departments together, a room; and only then what the other meetings take.
    """
    departments = {d.id: d for d in instance.departments}
    k = meeting.attendees_per_department
    alone = meeting_options(instance, meeting, calendar)
    if not alone:
        return (_no_workday(meeting, calendar),)
    unavailable = [d for d in meeting.required if all(len(o.free[d]) < k for o in alone)]
    if unavailable:
        return tuple(_department_unavailable(meeting, departments[d], alone) for d in unavailable)
    together_alone = [o for o in alone if not departments_short(o, meeting)]
    if not together_alone:
        return (_no_common_slot(meeting, departments, alone),)
    if not any(usable_rooms(instance, meeting, o) for o in together_alone):
        return (_no_room(meeting, instance.rooms, together_alone),)

    # On its own the meeting fits: the other meetings of the solution are in the way.
    people_taken, rooms_taken = taken_by(others)
    options = meeting_options(instance, meeting, calendar, people_taken, rooms_taken)
    together = [o for o in options if not departments_short(o, meeting)]
    n = len(together_alone)
    if not together:
        blocking = _in_the_way(instance, meeting, together_alone, others, rooms=False)
        best = _best_together(meeting, options)
        missing = departments_short(best, meeting)
        names = "、".join(department_label(departments[d]) for d in missing)
        return (
            Reason(
                "no_common_slot",
                f"各部门原本可在{n}个时段到齐，但这些时段的人员已被会议{'、'.join(blocking)}占用；"
                f"其余时段最多在 {_fmt(best.start)} 到齐{len(meeting.required) - len(missing)}个，缺{names}",
                (("conflicts", blocking), ("best_start", best.start.isoformat()), ("missing", missing)),
            ),
        )
    if not any(usable_rooms(instance, meeting, o) for o in together):
        blocking = _in_the_way(instance, meeting, together, others, rooms=True)
        reason = _no_room(meeting, instance.rooms, together)
        return (
            Reason(
                "no_room",
                reason.message + f"（被会议{'、'.join(blocking)}占用）",
                (*reason.details, ("conflicts", blocking)),
            ),
        )
    # Every rule can be met: the solver ran out of time before placing it.
    return (
        Reason(
            "no_common_slot",
            f"有{len(together)}个时段各部门均可到齐，但求解时限内未能与其他会议一并安排，请延长时限重试",
            (("required", len(meeting.required)), ("slots_together", len(together))),
        ),
    )

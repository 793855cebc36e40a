"""Joint meetings (联席会议) as one CP-SAT model: SOLVER.md, "Joint meetings".

The model reads data → variables → rules → objective → solve. Time is not a variable of
its own: the calendar and the people's busy times leave each meeting a short list of usable
starts (every required department can send enough free people and some room fits), and the
model picks one start, one room and the attendees per meeting. Meetings only interact
where they could overlap and share a person or a room.
"""

from __future__ import annotations

import itertools
import time
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from ortools.sat.python import cp_model

from solver.calendar import WorkCalendar
from solver.instance import (
    Department,
    Interval,
    Meeting,
    MeetingAssignment,
    MeetingInstance,
    MeetingSolution,
    Unscheduled,
)
from solver.meetings_explain import (
    BusyIndex,
    StartOption,
    departments_short,
    explain_unscheduled,
    meeting_options,
    others_of,
    taken_by,
    usable_rooms,
)

__all__ = ["alternatives", "availability_grid", "solve_meetings"]

SOLVER_WORKERS = 8


# --- data -----------------------------------------------------------------------------


@dataclass
class _MeetingData:
    """What one meeting may use: its usable starts, per start the rooms that fit, and who can come."""

    meeting: Meeting
    options: list[StartOption]  # usable starts, in time order
    rank: list[int]  # per usable start, its position among all calendar candidates (earliness)
    rooms: list[list[str]]  # per usable start, the free rooms holding at least the required departments
    optional: list[str]  # optional departments that can come at some usable start
    candidates: dict[str, list[str]]  # department -> its people free at some usable start

    def people(self, department: str) -> list[str]:
        return self.candidates.get(department, [])


def _read_data(instance: MeetingInstance, calendar: WorkCalendar) -> list[_MeetingData]:
    data = []
    for m in instance.meetings:
        k = m.attendees_per_department
        kept = []
        for i, o in enumerate(meeting_options(instance, m, calendar)):
            rooms = [r.id for r in usable_rooms(instance, m, o)]
            if rooms and not departments_short(o, m):
                kept.append((i, o, rooms))
        options = [o for _, o, _ in kept]
        optional = [d for d in m.optional if any(len(o.free[d]) >= k for o in options)]
        candidates = {
            d: list(dict.fromkeys(p for o in options for p in o.free[d])) for d in (*m.required, *optional)
        }
        data.append(
            _MeetingData(
                meeting=m,
                options=options,
                rank=[i for i, _, _ in kept],
                rooms=[rooms for _, _, rooms in kept],
                optional=optional,
                candidates=candidates,
            )
        )
    return data


# --- variables ------------------------------------------------------------------------


@dataclass
class _Vars:
    # scheduled[m]: meeting m takes place
    scheduled: dict[str, cp_model.IntVar] = field(default_factory=dict)
    # at[m, i]: meeting m starts at its usable start i
    at: dict[tuple[str, int], cp_model.IntVar] = field(default_factory=dict)
    # room[m, i, r]: meeting m starts at usable start i in room r
    room: dict[tuple[str, int, str], cp_model.IntVar] = field(default_factory=dict)
    # attends[m, d, p]: person p attends meeting m for department d
    attends: dict[tuple[str, str, str], cp_model.IntVar] = field(default_factory=dict)
    # optional[m, d]: optional department d attends meeting m
    optional: dict[tuple[str, str], cp_model.IntVar] = field(default_factory=dict)
    # start[m]: minutes from the epoch at which meeting m starts (any usable value when not scheduled)
    start: dict[str, cp_model.IntVar] = field(default_factory=dict)


def _minutes(t: datetime, epoch: datetime) -> int:
    return int((t - epoch) // timedelta(minutes=1))


def _variables(model: cp_model.CpModel, data: list[_MeetingData], epoch: datetime) -> _Vars:
    v = _Vars()
    for md in data:
        m = md.meeting.id
        if not md.options:
            continue
        v.scheduled[m] = model.new_bool_var(f"scheduled[{m}]")
        for i, rooms in enumerate(md.rooms):
            v.at[m, i] = model.new_bool_var(f"at[{m},{i}]")
            for r in rooms:
                v.room[m, i, r] = model.new_bool_var(f"room[{m},{i},{r}]")
        for d in (*md.meeting.required, *md.optional):
            for p in md.people(d):
                v.attends[m, d, p] = model.new_bool_var(f"attends[{m},{d},{p}]")
        for d in md.optional:
            v.optional[m, d] = model.new_bool_var(f"optional[{m},{d}]")
        starts = [_minutes(o.start, epoch) for o in md.options]
        v.start[m] = model.new_int_var_from_domain(cp_model.Domain.from_values(starts), f"start[{m}]")
    return v


# --- rules ----------------------------------------------------------------------------


def _add_one_start_and_room(
    model: cp_model.CpModel, v: _Vars, data: list[_MeetingData], epoch: datetime
) -> None:
    # A scheduled meeting has exactly one usable start and one room there; start[m] says when.
    for md in data:
        m = md.meeting.id
        if m not in v.scheduled:
            continue
        ats = [v.at[m, i] for i in range(len(md.options))]
        model.add(sum(ats) == v.scheduled[m])
        for i, rooms in enumerate(md.rooms):
            model.add(sum(v.room[m, i, r] for r in rooms) == v.at[m, i])
            model.add(v.start[m] == _minutes(md.options[i].start, epoch)).only_enforce_if(v.at[m, i])


def _add_department_attendance(model: cp_model.CpModel, v: _Vars, data: list[_MeetingData]) -> None:
    # Each required department sends k people; an optional one sends k or nobody; nobody comes twice.
    for md in data:
        m = md.meeting.id
        if m not in v.scheduled:
            continue
        k = md.meeting.attendees_per_department
        for d in md.meeting.required:
            model.add(sum(v.attends[m, d, p] for p in md.people(d)) == k * v.scheduled[m])
        for d in md.optional:
            model.add(sum(v.attends[m, d, p] for p in md.people(d)) == k * v.optional[m, d])
            can_come = [v.at[m, i] for i, o in enumerate(md.options) if len(o.free[d]) >= k]
            model.add(v.optional[m, d] <= sum(can_come))
        by_person: dict[str, list[cp_model.IntVar]] = {}
        for (mm, _, p), var in v.attends.items():
            if mm == m:
                by_person.setdefault(p, []).append(var)
        for vars_ in by_person.values():
            if len(vars_) > 1:
                model.add(sum(vars_) <= 1)


def _add_attendees_free(model: cp_model.CpModel, v: _Vars, data: list[_MeetingData]) -> None:
    # An attendee is free for the whole meeting at the chosen start.
    for md in data:
        m = md.meeting.id
        for d in (*md.meeting.required, *md.optional):
            for p in md.people(d):
                free_at = [v.at[m, i] for i, o in enumerate(md.options) if p in o.free[d]]
                if len(free_at) < len(md.options):
                    model.add(v.attends[m, d, p] <= sum(free_at))


def _add_room_capacity(
    model: cp_model.CpModel, v: _Vars, data: list[_MeetingData], capacity: dict[str, int]
) -> None:
    # The room holds everyone attending.
    for md in data:
        m = md.meeting.id
        if m not in v.scheduled:
            continue
        most = md.meeting.attendees_per_department * (len(md.meeting.required) + len(md.optional))
        if all(capacity[r] >= most for rooms in md.rooms for r in rooms):
            continue
        heads = sum(var for (mm, _, _), var in v.attends.items() if mm == m)
        seats = sum(capacity[r] * v.room[m, i, r] for i, rooms in enumerate(md.rooms) for r in rooms)
        model.add(seats >= heads)


def _spans_overlap(spans: list[Interval]) -> bool:
    ordered = sorted(spans)
    return any(b[0] < a[1] for a, b in itertools.pairwise(ordered))


def _add_no_double_booking(model: cp_model.CpModel, v: _Vars, data: list[_MeetingData]) -> None:
    # Nobody and no room is in two overlapping meetings of the solution.
    span: dict[str, Interval] = {}
    person_uses: dict[str, list[tuple[str, cp_model.IntVar]]] = {}
    room_uses: dict[str, list[tuple[str, cp_model.IntVar]]] = {}
    for md in data:
        m = md.meeting.id
        if m not in v.scheduled:
            continue
        span[m] = (md.options[0].start, md.options[-1].end)
        attends_by_person: dict[str, list[cp_model.IntVar]] = {}
        for (mm, _, p), var in v.attends.items():
            if mm == m:
                attends_by_person.setdefault(p, []).append(var)
        for p, vars_ in attends_by_person.items():
            present = vars_[0]
            if len(vars_) > 1:
                present = model.new_bool_var(f"present[{m},{p}]")
                model.add(sum(vars_) == present)
            person_uses.setdefault(p, []).append((m, present))
        for r in dict.fromkeys(r for rooms in md.rooms for r in rooms):
            in_room = model.new_bool_var(f"in_room[{m},{r}]")
            model.add(sum(v.room[m, i, r] for i, rooms in enumerate(md.rooms) if r in rooms) == in_room)
            room_uses.setdefault(r, []).append((m, in_room))

    duration = {md.meeting.id: md.meeting.duration_minutes for md in data}
    for uses in (*person_uses.values(), *room_uses.values()):
        if len(uses) < 2 or not _spans_overlap([span[m] for m, _ in uses]):
            continue
        model.add_no_overlap(
            model.new_optional_fixed_size_interval_var(v.start[m], duration[m], present, f"use[{m}]")
            for m, present in uses
        )


def _add_department_headcount(
    model: cp_model.CpModel, v: _Vars, data: list[_MeetingData], instance: MeetingInstance
) -> None:
    # Redundant: meetings running at once draw no more people from a department than it has free.
    # Two meetings on the slot grid that overlap both run at the later one's start, a grid point.
    slot = timedelta(minutes=instance.calendar.slot_minutes)
    demand: dict[tuple[str, datetime], list[tuple[str, int, cp_model.IntVar]]] = {}
    for md in data:
        m = md.meeting.id
        k = md.meeting.attendees_per_department
        for i, o in enumerate(md.options):
            t = o.start
            while t < o.end:
                for d in md.meeting.required:
                    demand.setdefault((d, t), []).append((m, k, v.at[m, i]))
                t += slot
    busy = {p.id: BusyIndex(p.busy) for d in instance.departments for p in d.people}
    people = {d.id: [busy[p.id] for p in d.people] for d in instance.departments}
    instant = timedelta(seconds=1)
    for (d, t), uses in demand.items():
        most = {m: k for m, k, _ in uses}
        if len(most) < 2:
            continue
        free = sum(1 for b in people[d] if not b.overlaps(t, t + instant))
        if sum(most.values()) > free:
            model.add(sum(k * var for _, k, var in uses) <= free)


# --- objective ------------------------------------------------------------------------


def _set_objective(model: cp_model.CpModel, v: _Vars, data: list[_MeetingData]) -> None:
    # Lexicographic by weights: meetings scheduled, then optional departments, then earliness.
    lateness = sum(md.rank[i] * v.at[md.meeting.id, i] for md in data for i in range(len(md.options)))
    most_late = sum(max(md.rank, default=0) for md in data)
    most_optional = len(v.optional)
    w_optional = most_late + 1
    w_scheduled = w_optional * (most_optional + 1)
    model.maximize(w_scheduled * sum(v.scheduled.values()) + w_optional * sum(v.optional.values()) - lateness)


def _add_first_fit_hint(model: cp_model.CpModel, v: _Vars, data: list[_MeetingData], epoch: datetime) -> None:
    # Start the search from a first-fit plan: each meeting in turn at its earliest start that
    # leaves earlier meetings' people and rooms alone.
    people_used: dict[str, list[Interval]] = {}
    rooms_used: dict[str, list[Interval]] = {}

    def clear(uses: list[Interval], o: StartOption) -> bool:
        return all(not (s < o.end and o.start < e) for s, e in uses)

    for md in data:
        m = md.meeting.id
        if m not in v.scheduled:
            continue
        k = md.meeting.attendees_per_department
        choice = None
        for i, o in enumerate(md.options):
            room = next((r for r in md.rooms[i] if clear(rooms_used.get(r, []), o)), None)
            free = {
                d: [p for p in o.free[d] if clear(people_used.get(p, []), o)] for d in md.meeting.required
            }
            if room is not None and all(len(free[d]) >= k for d in md.meeting.required):
                choice = (i, room, {d: free[d][:k] for d in md.meeting.required})
                break
        model.add_hint(v.scheduled[m], choice is not None)
        for i, rooms in enumerate(md.rooms):
            model.add_hint(v.at[m, i], choice is not None and choice[0] == i)
            for r in rooms:
                model.add_hint(v.room[m, i, r], choice is not None and choice[:2] == (i, r))
        going = {p for people in choice[2].values() for p in people} if choice else set()
        for (mm, _, p), var in v.attends.items():
            if mm == m:
                model.add_hint(var, p in going)
        for d in md.optional:
            model.add_hint(v.optional[m, d], False)
        if choice:
            o = md.options[choice[0]]
            model.add_hint(v.start[m], _minutes(o.start, epoch))
            rooms_used.setdefault(choice[1], []).append((o.start, o.end))
            for p in going:
                people_used.setdefault(p, []).append((o.start, o.end))


# --- solve ----------------------------------------------------------------------------


def solve_meetings(instance: MeetingInstance, *, time_limit: float | None = None) -> MeetingSolution:
    """Schedule the instance's joint meetings; unscheduled ones say why (SOLVER.md)."""
    began = time.perf_counter()
    calendar = WorkCalendar(instance.calendar, instance.timezone)
    data = _read_data(instance, calendar)
    epoch = min((m.window[0] for m in instance.meetings), default=datetime.now().astimezone())
    capacity = {r.id: r.capacity for r in instance.rooms}

    model = cp_model.CpModel()
    v = _variables(model, data, epoch)
    _add_one_start_and_room(model, v, data, epoch)
    _add_department_attendance(model, v, data)
    _add_attendees_free(model, v, data)
    _add_room_capacity(model, v, data, capacity)
    _add_no_double_booking(model, v, data)
    _add_department_headcount(model, v, data, instance)
    _set_objective(model, v, data)
    _add_first_fit_hint(model, v, data, epoch)

    solver = cp_model.CpSolver()
    solver.parameters.random_seed = 0
    # The core-based and symmetry workers prove crowded instances fast; with the default
    # worker count on a small machine they are left out of the portfolio.
    solver.parameters.num_workers = SOLVER_WORKERS
    if time_limit is not None:
        solver.parameters.max_time_in_seconds = time_limit
    status = solver.solve(model) if v.scheduled else cp_model.OPTIMAL
    found = status in (cp_model.OPTIMAL, cp_model.FEASIBLE)

    assignments: list[MeetingAssignment] = []
    for md in data:
        m = md.meeting.id
        if found and m in v.scheduled and solver.boolean_value(v.scheduled[m]):
            assignments.append(_read_assignment(solver, v, md))
    placed = {a.id for a in assignments}
    unscheduled = [
        Unscheduled(md.meeting.id, explain_unscheduled(instance, md.meeting, calendar, assignments))
        for md in data
        if md.meeting.id not in placed
    ]

    if unscheduled:
        verdict = "partial" if assignments else "infeasible"
    else:
        verdict = "optimal" if status == cp_model.OPTIMAL else "feasible"
    stats: tuple[tuple[str, Any], ...] = (
        ("solve_seconds", round(time.perf_counter() - began, 3)),
        ("proved_optimal", status == cp_model.OPTIMAL),
    )
    return MeetingSolution(
        status=verdict,
        meetings=tuple(assignments),
        unscheduled=tuple(unscheduled),
        stats=stats,
        warnings=tuple(calendar.warnings()),
    )


def _read_assignment(solver: cp_model.CpSolver, v: _Vars, md: _MeetingData) -> MeetingAssignment:
    m = md.meeting.id
    i = next(i for i in range(len(md.options)) if solver.boolean_value(v.at[m, i]))
    room = next(r for r in md.rooms[i] if solver.boolean_value(v.room[m, i, r]))
    attendees = []
    for d in (*md.meeting.required, *md.optional):
        people = tuple(p for p in md.people(d) if solver.boolean_value(v.attends[m, d, p]))
        if people:
            attendees.append((d, people))
    return MeetingAssignment(m, md.options[i].start, md.options[i].end, room, tuple(attendees))


# --- alternatives and the availability heat map ----------------------------------------


def _meeting(instance: MeetingInstance, meeting_id: str) -> Meeting:
    for m in instance.meetings:
        if m.id == meeting_id:
            return m
    raise KeyError(meeting_id)


def alternatives(
    instance: MeetingInstance,
    meeting_id: str,
    solution: MeetingSolution,
    k: int = 3,
    *,
    distinct_blocks: bool = True,
) -> list[tuple[datetime, datetime, str]]:
    """The next ``k`` best other (start, end, room) for one meeting, the rest of the solution kept.

    Ranked like the solver: more optional departments first, then earlier. With
    ``distinct_blocks`` each alternative lies in another half-day than the chosen time and
    than each other, so that the choices shown differ by more than half an hour.
    """
    meeting = _meeting(instance, meeting_id)
    calendar = WorkCalendar(instance.calendar, instance.timezone)
    people, rooms = taken_by(others_of(solution, meeting_id))
    chosen = next((a for a in solution.meetings if a.id == meeting_id), None)
    per = meeting.attendees_per_department
    room_order = {r.id: n for n, r in enumerate(instance.rooms)}
    ranked: list[tuple[int, datetime, int, tuple[datetime, datetime, str]]] = []
    for o in meeting_options(instance, meeting, calendar, people, rooms):
        if (chosen and o.start == chosen.start) or departments_short(o, meeting):
            continue
        can_come = sum(1 for d in meeting.optional if len(o.free[d]) >= per)
        fits = [
            (-min(can_come, r.capacity // per - len(meeting.required)), room_order[r.id], r.id)
            for r in usable_rooms(instance, meeting, o)
        ]
        if fits:
            coming, order, room = min(fits)
            ranked.append((coming, o.start, order, (o.start, o.end, room)))
    ranked.sort(key=lambda t: t[:3])

    seen = {calendar.block_containing(chosen.start, chosen.end)} if chosen and distinct_blocks else set()
    out: list[tuple[datetime, datetime, str]] = []
    for *_, alt in ranked:
        if len(out) == k:
            break
        if distinct_blocks:
            block = calendar.block_containing(alt[0], alt[1])
            if block in seen:
                continue
            seen.add(block)
        out.append(alt)
    return out


def availability_grid(instance: MeetingInstance, meeting_id: str) -> list[dict[str, Any]]:
    """Per workday × work-hours block of the window: how many required departments can come.

    Each cell: ``date``, ``start``/``end`` of the block, ``required`` (count), ``available``
    (departments with enough people free at the block's best start), ``missing`` (department
    ids short there), ``best_start`` (None when the meeting does not fit the block) and
    ``available_whole_block`` (departments with enough people free for the whole block).
    """
    meeting = _meeting(instance, meeting_id)
    calendar = WorkCalendar(instance.calendar, instance.timezone)
    options = meeting_options(instance, meeting, calendar)
    departments = {d.id: d for d in instance.departments}
    per = meeting.attendees_per_department
    cells: list[dict[str, Any]] = []
    for b_start, b_end in calendar.work_blocks(meeting.window):
        inside = [o for o in options if b_start <= o.start and o.end <= b_end]
        whole = _count_free_whole(departments, meeting.required, (b_start, b_end), per)
        if inside:
            best = min(inside, key=lambda o: (len(departments_short(o, meeting)), o.start))
            missing = departments_short(best, meeting)
            best_start: datetime | None = best.start
        else:
            missing = [d for d in meeting.required if d not in whole]
            best_start = None
        cells.append(
            {
                "date": b_start.date(),
                "start": b_start,
                "end": b_end,
                "required": len(meeting.required),
                "available": len(meeting.required) - len(missing),
                "missing": missing,
                "best_start": best_start,
                "available_whole_block": len(whole),
            }
        )
    return cells


def _count_free_whole(
    departments: dict[str, Department], required: Iterable[str], block: Interval, per: int
) -> set[str]:
    """The departments with at least ``per`` people free for all of ``block``."""
    out = set()
    for d in required:
        free = [p for p in departments[d].people if not any(s < block[1] and block[0] < e for s, e in p.busy)]
        if len(free) >= per:
            out.add(d)
    return out

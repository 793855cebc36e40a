"""The independent referee: re-checks every hard rule of SOLVER.md without CP-SAT.

Each function returns human-readable violations; an empty list means the solution is valid.
Kept deliberately plain (loops over the data) so that it is obviously right.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from datetime import datetime, timedelta

from solver.calendar import WorkCalendar
from solver.instance import (
    Interval,
    MeetingInstance,
    MeetingSolution,
    PanelInstance,
    PanelSolution,
)

PANEL_REASON_CODES = frozenset(
    {
        "size_shortage",
        "sector_shortage",
        "senior_shortage",
        "employer_diversity",
        "no_workday",
        "no_common_slot",
        "capacity",
    }
)
MEETING_REASON_CODES = frozenset({"department_unavailable", "no_room", "no_common_slot", "no_workday"})
STATUSES = frozenset({"optimal", "feasible", "partial", "infeasible"})


def overlaps(a: Interval, b: Interval) -> bool:
    """True when two half-open intervals share a moment."""
    return a[0] < b[1] and b[0] < a[1]


def _check_time(
    cal: WorkCalendar, what: str, window: Interval, duration_minutes: int, start: datetime, end: datetime
) -> list[str]:
    """Hard rule 7 (and its meeting twin): window, duration, workday, one block, slot grid."""
    out: list[str] = []
    if end - start != timedelta(minutes=duration_minutes):
        out.append(f"{what}: lasts {end - start}, not {duration_minutes} minutes")
    if start < window[0] or end > window[1]:
        out.append(f"{what}: [{start}, {end}) is not inside the window [{window[0]}, {window[1]})")
    local_start, local_end = start.astimezone(cal.tz), end.astimezone(cal.tz)
    if not cal.is_workday(local_start.date()):
        out.append(f"{what}: {local_start.date()} is not a workday")
    elif not any(
        b_start <= local_start and local_end <= b_end for b_start, b_end in cal.day_blocks(local_start.date())
    ):
        out.append(f"{what}: [{local_start.time()}, {local_end.time()}) is not inside one work-hours block")
    minutes = local_start.hour * 60 + local_start.minute
    if local_start.second or local_start.microsecond or minutes % cal.spec.slot_minutes:
        out.append(f"{what}: start {local_start.time()} is not on the {cal.spec.slot_minutes}-minute grid")
    return out


def _check_coverage(
    kind: str, instance_ids: list[str], placed: list[str], left_out: list[str], status: str
) -> list[str]:
    """Every item appears exactly once, placed or left out with reasons; status agrees."""
    out: list[str] = []
    known = set(instance_ids)
    counts = Counter(placed + left_out)
    for ident, n in counts.items():
        if ident not in known:
            out.append(f"{kind} {ident}: not in the instance")
        elif n > 1:
            out.append(f"{kind} {ident}: appears {n} times in the solution")
    for ident in instance_ids:
        if ident not in counts:
            out.append(f"{kind} {ident}: missing from the solution (neither placed nor left out)")
    if status not in STATUSES:
        out.append(f"status {status!r} is not one of {sorted(STATUSES)}")
    elif instance_ids:
        if not left_out and status not in ("optimal", "feasible"):
            out.append(f"status {status!r} but every {kind} was placed")
        elif left_out and placed and status != "partial":
            out.append(f"status {status!r} but some {kind}s were left out: should be 'partial'")
        elif left_out and not placed and status != "infeasible":
            out.append(f"status {status!r} but no {kind} was placed: should be 'infeasible'")
    return out


def validate_panels(instance: PanelInstance, solution: PanelSolution) -> list[str]:
    """Violations of hard rules 1-9 (and of the solution's shape); empty means valid."""
    out: list[str] = []
    experts = instance.experts_by_id
    panels = {p.id: p for p in instance.panels}
    cal = WorkCalendar(instance.calendar, instance.timezone)

    out += _check_coverage(
        "panel",
        [p.id for p in instance.panels],
        [a.id for a in solution.panels],
        [u.id for u in solution.unfilled],
        solution.status,
    )
    for u in solution.unfilled:
        if not u.reasons:
            out.append(f"unfilled panel {u.id}: gives no reason")
        for r in u.reasons:
            if r.code not in PANEL_REASON_CODES:
                out.append(f"unfilled panel {u.id}: unknown reason code {r.code!r}")

    # expert id -> meetings of this solution the expert sits on
    sittings: dict[str, list[tuple[str, Interval]]] = defaultdict(list)
    for a in solution.panels:
        panel = panels.get(a.id)
        if panel is None:
            continue
        what = f"panel {a.id}"
        meeting: Interval = (a.start, a.end)
        members = list(a.experts)

        # 2. Size: exactly `size` distinct members.
        if len(members) != panel.size:
            out.append(f"{what}: has {len(members)} members, size is {panel.size}")
        for eid, n in Counter(members).items():
            if n > 1:
                out.append(f"{what}: expert {eid} listed {n} times")
        unknown = [eid for eid in members if eid not in experts]
        for eid in unknown:
            out.append(f"{what}: unknown expert {eid}")
        known = [experts[eid] for eid in dict.fromkeys(members) if eid in experts]

        # 1. Eligibility: pool, exclude, employer and interests against conflicts.
        for e in known:
            if e.pool not in panel.pools:
                out.append(f"{what}: expert {e.id} is from pool {e.pool!r}, not in {list(panel.pools)}")
            if e.id in panel.exclude:
                out.append(f"{what}: expert {e.id} is excluded")
            if e.employer in panel.conflicts:
                out.append(f"{what}: expert {e.id}'s employer {e.employer!r} is in conflicts")
            for interest in e.interests:
                if interest in panel.conflicts:
                    out.append(f"{what}: expert {e.id} declared an interest in {interest!r}, a conflict")

        # 3. Seats: the seats named are those required, each filled exactly, by members with the sector,
        # and nobody fills two seats.
        required = dict(panel.seats)
        given = dict(a.seats)
        if len(given) != len(a.seats):
            out.append(f"{what}: a sector is listed twice in seats")
        seated: Counter[str] = Counter()
        for sector, ids in a.seats:
            if sector not in required:
                out.append(f"{what}: seat {sector!r} is not asked for by the panel")
                continue
            if len(ids) != required[sector]:
                out.append(f"{what}: seat {sector!r} has {len(ids)} experts, needs {required[sector]}")
            for eid in ids:
                seated[eid] += 1
                if eid not in members:
                    out.append(f"{what}: seat {sector!r} names {eid}, who is not a member")
                elif eid in experts and sector not in experts[eid].sectors:
                    out.append(f"{what}: seat {sector!r} names {eid}, who lacks that sector")
        for sector, n in required.items():
            if n > 0 and sector not in given:
                out.append(f"{what}: seat {sector!r} ({n}) is not filled")
        for eid, n in seated.items():
            if n > 1:
                out.append(f"{what}: expert {eid} fills {n} seats")

        # 4. Seniority.
        seniors = sum(1 for e in known if e.senior)
        if seniors < panel.min_senior:
            out.append(f"{what}: {seniors} senior members, needs at least {panel.min_senior}")

        # 5. Employers.
        cap = instance.rules.max_same_employer
        for employer, n in Counter(e.employer for e in known).items():
            if n > cap:
                out.append(f"{what}: {n} members work for {employer!r}, at most {cap} may")

        # 6. Fixed experts are members.
        for eid in panel.fixed:
            if eid not in members:
                out.append(f"{what}: fixed expert {eid} is not a member")

        # 7. Time.
        out += _check_time(cal, what, panel.window, panel.duration_minutes, a.start, a.end)

        # 8a. Availability against declared busy times.
        for e in known:
            for busy in e.busy:
                if overlaps(meeting, busy):
                    out.append(f"{what}: expert {e.id} is busy [{busy[0]}, {busy[1]})")
            sittings[e.id].append((a.id, meeting))

    # 8b. Nobody sits on two panels whose meetings overlap.
    for eid, items in sittings.items():
        for i, (pid_a, iv_a) in enumerate(items):
            for pid_b, iv_b in items[i + 1 :]:
                if overlaps(iv_a, iv_b):
                    out.append(f"expert {eid}: panels {pid_a} and {pid_b} overlap in time")

    # 9. Load: earlier load plus panels given now stays within max_load.
    for eid, items in sittings.items():
        e = experts[eid]
        if e.max_load is not None and e.load + len(items) > e.max_load:
            out.append(f"expert {eid}: load {e.load} + {len(items)} new panels exceeds max_load {e.max_load}")
    return out


def validate_meetings(instance: MeetingInstance, solution: MeetingSolution) -> list[str]:
    """Violations of the joint-meeting hard rules (and of the solution's shape); empty means valid."""
    out: list[str] = []
    meetings = {m.id: m for m in instance.meetings}
    departments = {d.id: d for d in instance.departments}
    rooms = {r.id: r for r in instance.rooms}
    cal = WorkCalendar(instance.calendar, instance.timezone)

    out += _check_coverage(
        "meeting",
        [m.id for m in instance.meetings],
        [a.id for a in solution.meetings],
        [u.id for u in solution.unscheduled],
        solution.status,
    )
    for u in solution.unscheduled:
        if not u.reasons:
            out.append(f"unscheduled meeting {u.id}: gives no reason")
        for r in u.reasons:
            if r.code not in MEETING_REASON_CODES:
                out.append(f"unscheduled meeting {u.id}: unknown reason code {r.code!r}")

    person_uses: dict[str, list[tuple[str, Interval]]] = defaultdict(list)
    room_uses: dict[str, list[tuple[str, Interval]]] = defaultdict(list)
    for a in solution.meetings:
        m = meetings.get(a.id)
        if m is None:
            continue
        what = f"meeting {a.id}"
        slot: Interval = (a.start, a.end)
        out += _check_time(cal, what, m.window, m.duration_minutes, a.start, a.end)

        attendees = dict(a.attendees)
        if len(attendees) != len(a.attendees):
            out.append(f"{what}: a department is listed twice in attendees")
        for dep in m.required:
            if dep not in attendees:
                out.append(f"{what}: required department {dep} does not attend")
        everyone: list[str] = []
        for dep, ids in a.attendees:
            department = departments.get(dep)
            if dep in m.required:
                if len(ids) != m.attendees_per_department:
                    out.append(f"{what}: {dep} sends {len(ids)} people, needs {m.attendees_per_department}")
            elif dep in m.optional:
                if not 1 <= len(ids) <= m.attendees_per_department:
                    out.append(f"{what}: optional {dep} sends {len(ids)} people")
            else:
                out.append(f"{what}: department {dep} is neither required nor optional")
            if len(set(ids)) != len(ids):
                out.append(f"{what}: {dep} lists a person twice")
            people = {p.id: p for p in department.people} if department else {}
            for pid in ids:
                person = people.get(pid)
                if person is None:
                    out.append(f"{what}: {pid} is not a member of department {dep}")
                    continue
                for busy in person.busy:
                    if overlaps(slot, busy):
                        out.append(f"{what}: {pid} of {dep} is busy [{busy[0]}, {busy[1]})")
                everyone.append(pid)
        for pid in set(everyone):
            person_uses[pid].append((a.id, slot))

        room = rooms.get(a.room)
        if room is None:
            out.append(f"{what}: unknown room {a.room!r}")
            continue
        if room.capacity < len(everyone):
            out.append(f"{what}: room {room.id} holds {room.capacity}, {len(everyone)} attend")
        for busy in room.busy:
            if overlaps(slot, busy):
                out.append(f"{what}: room {room.id} is busy [{busy[0]}, {busy[1]})")
        room_uses[room.id].append((a.id, slot))

    for kind, uses in (("person", person_uses), ("room", room_uses)):
        for ident, items in uses.items():
            for i, (mid_a, iv_a) in enumerate(items):
                for mid_b, iv_b in items[i + 1 :]:
                    if overlaps(iv_a, iv_b):
                        out.append(f"{kind} {ident}: meetings {mid_a} and {mid_b} overlap in time")
    return out

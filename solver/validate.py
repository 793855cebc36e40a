"""The independent referee: re-checks every hard rule of SOLVER.md without CP-SAT.

Each function returns human-readable violations; an empty list means the solution is valid.
Kept deliberately plain (loops over the data) so that it is obviously right. A panel's lottery is
checked with the contract's hashing rules (:mod:`solver.draw_proof`, plain standard library) and
every set in it against the hard rules a set alone must keep.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from datetime import datetime, timedelta
from typing import Any

from solver.calendar import WorkCalendar
from solver.draw_proof import check_lottery, ticket_for
from solver.instance import (
    Expert,
    Interval,
    MeetingInstance,
    MeetingSolution,
    Panel,
    PanelAssignment,
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


def validate_panels(
    instance: PanelInstance, solution: PanelSolution, *, require_lottery: bool = True
) -> list[str]:
    """Violations of hard rules 1-9, of each panel's lottery and of the solution's shape; empty means valid.

    ``require_lottery=False`` checks draws made without one (the benchmark's baselines).
    """
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

        # The lottery the members were drawn by.
        if a.lottery is not None:
            out += _check_lottery(instance, cal, panel, a, solution.seed)
        elif require_lottery:
            out.append(f"{what}: has no lottery")

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


def _check_lottery(
    instance: PanelInstance, cal: WorkCalendar, panel: Panel, a: PanelAssignment, seed: int
) -> list[str]:
    """The lottery's shape and chances, every set in it under rules 1-6 and 9 and free at some start
    of the window, the ticket from the seed, and the members being the set that holds the ticket."""
    what = f"panel {a.id} lottery"
    lottery = a.lottery
    assert lottery is not None
    body: dict[str, Any] = {"total": lottery.total, "tickets": lottery.tickets_json()}
    if lottery.published is not None:
        body["chances"] = dict(lottery.published)
    out = [f"{what}: {p}" for p in check_lottery(body, panel.size)]
    if out:
        return out
    held: dict[str, int] = {}
    for ids, count in lottery.tickets:
        for eid in ids:
            held[eid] = held.get(eid, 0) + count
    total_chance = sum(round(n / lottery.total, 4) for n in held.values())
    if abs(total_chance - panel.size) > 0.00005 * len(held) + 1e-9:
        out.append(f"{what}: chances add up to {total_chance:.4f}, not the size {panel.size}")
    if lottery.published is not None:
        total_published = sum(p for _, p in lottery.published)
        if abs(total_published - panel.size) > 0.00005 * len(held) + 1e-9:
            out.append(f"{what}: published chances add up to {total_published:.4f}, not {panel.size}")

    experts = instance.experts_by_id
    starts = cal.candidate_starts(panel.window, panel.duration_minutes)
    free_at: dict[str, set[int]] = {}  # expert -> indices of the starts at which they are free

    def free(eid: str) -> set[int]:
        if eid not in free_at:
            busy = [b for b in experts[eid].busy if b[0] < panel.window[1] and panel.window[0] < b[1]]
            free_at[eid] = set()
            for k, start in enumerate(starts):
                meeting = (start, start + timedelta(minutes=panel.duration_minutes))
                if not any(overlaps(meeting, b) for b in busy):
                    free_at[eid].add(k)
        return free_at[eid]

    cap = instance.rules.max_same_employer
    for n, (members, _) in enumerate(lottery.tickets):
        where = f"{what} set {n} {list(members)}"
        if any(eid not in experts for eid in members):
            out.append(f"{where}: names an unknown expert")
            continue
        people = [experts[eid] for eid in members]
        for e in people:
            if (
                e.pool not in panel.pools
                or e.id in panel.exclude
                or e.employer in panel.conflicts
                or any(i in panel.conflicts for i in e.interests)
            ):
                out.append(f"{where}: expert {e.id} is not eligible")
            if e.max_load is not None and e.load + 1 > e.max_load:
                out.append(f"{where}: expert {e.id} is at max_load {e.max_load}")
        if not _seats_fillable(people, panel.seats):
            out.append(f"{where}: its members cannot fill the seats {dict(panel.seats)}")
        if sum(1 for e in people if e.senior) < panel.min_senior:
            out.append(f"{where}: fewer than {panel.min_senior} senior members")
        for employer, k in Counter(e.employer for e in people).items():
            if k > cap:
                out.append(f"{where}: {k} members work for {employer!r}")
        for eid in panel.fixed:
            if eid not in members:
                out.append(f"{where}: fixed expert {eid} is missing")
        common = set(range(len(starts)))
        for eid in members:
            common &= free(eid)
        if not common:
            out.append(f"{where}: its members are never free together in the window")

    if lottery.ticket is None:
        out.append(f"{what}: has no drawn ticket")
        return out
    expected = ticket_for(seed, a.id, lottery.total)
    if lottery.ticket != expected:
        out.append(f"{what}: ticket {lottery.ticket}, but the seed {seed} draws ticket {expected}")
    first = 0
    holder: tuple[str, ...] | None = None
    for members, count in lottery.tickets:
        if first <= lottery.ticket < first + count:
            holder = members
        first += count
    if holder is None or sorted(holder) != sorted(a.experts):
        out.append(f"{what}: the members {sorted(a.experts)} are not the set holding ticket {lottery.ticket}")
    return out


def _seats_fillable(people: list[Expert], seats: tuple[tuple[str, int], ...]) -> bool:
    """A matching of members to seat slots that fills every slot (augmenting paths)."""
    slots = [sector for sector, n in seats for _ in range(n)]
    owner: dict[int, int] = {}  # slot -> member

    def augment(m: int, seen: set[int]) -> bool:
        for j, sector in enumerate(slots):
            if sector in people[m].sectors and j not in seen:
                seen.add(j)
                if j not in owner or augment(owner[j], seen):
                    owner[j] = m
                    return True
        return False

    for m in range(len(people)):
        augment(m, set())
    return len(owner) == len(slots)


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

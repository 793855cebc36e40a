"""The referee: a hand-built valid solution passes, and each broken hard rule is caught."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from solver.instance import (
    Lottery,
    MeetingAssignment,
    MeetingInstance,
    MeetingSolution,
    PanelAssignment,
    PanelInstance,
    PanelSolution,
    Reason,
    Unfilled,
    Unscheduled,
    parse_meetings,
    parse_panels,
)
from solver.validate import validate_meetings, validate_panels

SH = ZoneInfo("Asia/Shanghai")


def at(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=SH)


def _expert(ident: str, employer: str, sectors: list[str], **extra: Any) -> dict[str, Any]:
    return {"id": ident, "name": ident, "pool": "city", "employer": employer, "sectors": sectors, **extra}


PANELS = parse_panels(
    {
        "format": "wenping-panels/1",
        "rules": {"max_same_employer": 1, "seed": 1},
        "experts": [
            _expert("E1", "U1", ["法律"], senior=True),
            _expert("E2", "U2", ["经济"]),
            _expert("E3", "U3", ["经济", "法律"]),
            _expert("E4", "U1", ["经济"]),  # same employer as E1
            {**_expert("E5", "U5", ["经济"]), "pool": "肃州区"},
            _expert("E6", "U6", ["经济"], interests=["X局"]),
            _expert("E7", "U7", ["经济"], load=2, max_load=2),
            _expert("E8", "U8", ["经济"]),
            _expert("E9", "C单位", ["经济"]),
            _expert("E10", "U10", ["经济"], busy=[["2026-03-02T08:30", "2026-03-02T12:00"]]),
            _expert("E11", "U11", ["经济"], load=1, max_load=2),
        ],
        "panels": [
            {
                "id": "P1",
                "pools": ["city"],
                "size": 3,
                "seats": {"法律": 1, "经济": 1},
                "min_senior": 1,
                "conflicts": ["X局", "C单位"],
                "exclude": ["E8"],
                "fixed": ["E1"],
                "window": ["2026-03-02T08:30", "2026-03-13T18:00"],
                "duration_minutes": 120,
            },
            {
                "id": "P2",
                "pools": ["city"],
                "size": 2,
                "window": ["2026-03-02T08:30", "2026-03-13T18:00"],
                "duration_minutes": 60,
            },
            {
                "id": "P3",
                "pools": ["肃州区"],
                "size": 2,
                "window": ["2026-03-02T08:30", "2026-03-13T18:00"],
                "duration_minutes": 60,
            },
        ],
    }
)

# Seed 1 draws ticket 957 of 1000 for P1 (tickets 0-299 hold the first set, 300-999 the second)
# and ticket 94 for P2.
P1_LOTTERY = Lottery(1000, ((("E1", "E11", "E3"), 300), (("E1", "E2", "E3"), 700)), ticket=957)
P1 = PanelAssignment(
    id="P1",
    experts=("E1", "E2", "E3"),
    seats=(("法律", ("E1",)), ("经济", ("E2",))),
    start=at("2026-03-02T08:30"),
    end=at("2026-03-02T10:30"),
    lottery=P1_LOTTERY,
)
P2 = PanelAssignment(
    id="P2",
    experts=("E2", "E11"),
    seats=(),
    start=at("2026-03-02T14:30"),
    end=at("2026-03-02T15:30"),
    lottery=Lottery(1000, ((("E11", "E2"), 1000),), ticket=94),
)
P3_UNFILLED = Unfilled(
    id="P3", reasons=(Reason(code="size_shortage", message="肃州区专家库只有1名符合条件的专家，需要2名"),)
)
VALID_PANELS = PanelSolution(status="partial", seed=1, panels=(P1, P2), unfilled=(P3_UNFILLED,))


def test_valid_panel_solution_passes() -> None:
    assert validate_panels(PANELS, VALID_PANELS) == []


def _p1(**changes: Any) -> Callable[[PanelInstance, PanelSolution], tuple[PanelInstance, PanelSolution]]:
    """Mutation: change fields of P1's assignment."""

    def mutate(inst: PanelInstance, sol: PanelSolution) -> tuple[PanelInstance, PanelSolution]:
        p1 = dataclasses.replace(sol.panels[0], **changes)
        return inst, dataclasses.replace(sol, panels=(p1, *sol.panels[1:]))

    return mutate


def _p2(**changes: Any) -> Callable[[PanelInstance, PanelSolution], tuple[PanelInstance, PanelSolution]]:
    """Mutation: change fields of P2's assignment."""

    def mutate(inst: PanelInstance, sol: PanelSolution) -> tuple[PanelInstance, PanelSolution]:
        p2 = dataclasses.replace(sol.panels[1], **changes)
        return inst, dataclasses.replace(sol, panels=(sol.panels[0], p2))

    return mutate


def _panel_rule(
    **changes: Any,
) -> Callable[[PanelInstance, PanelSolution], tuple[PanelInstance, PanelSolution]]:
    """Mutation: tighten P1 in the instance, leaving the solution as it is."""

    def mutate(inst: PanelInstance, sol: PanelSolution) -> tuple[PanelInstance, PanelSolution]:
        p1 = dataclasses.replace(inst.panels[0], **changes)
        return dataclasses.replace(inst, panels=(p1, *inst.panels[1:])), sol

    return mutate


def _solution(
    **changes: Any,
) -> Callable[[PanelInstance, PanelSolution], tuple[PanelInstance, PanelSolution]]:
    def mutate(inst: PanelInstance, sol: PanelSolution) -> tuple[PanelInstance, PanelSolution]:
        return inst, dataclasses.replace(sol, **changes)

    return mutate


def _lottery(**changes: Any) -> Lottery:
    return dataclasses.replace(P1_LOTTERY, **changes)


def _with_set(members: tuple[str, ...]) -> Lottery:
    """P1's lottery with ``members`` in place of its first set, in the contract's order."""
    return _lottery(tickets=tuple(sorted([(members, 300), P1_LOTTERY.tickets[1]])))


def _busy_all_window(
    eid: str,
) -> Callable[[PanelInstance, PanelSolution], tuple[PanelInstance, PanelSolution]]:
    """Mutation: ``eid`` is busy for all of P1's window (they sit in a set of P1's lottery)."""

    def mutate(inst: PanelInstance, sol: PanelSolution) -> tuple[PanelInstance, PanelSolution]:
        window = inst.panels[0].window
        experts = tuple(dataclasses.replace(e, busy=(window,)) if e.id == eid else e for e in inst.experts)
        return dataclasses.replace(inst, experts=experts), sol

    return mutate


PANEL_MUTATIONS = [
    ("1 eligibility: pool", _p1(experts=("E1", "E2", "E5")), "from pool '肃州区'"),
    ("1 eligibility: excluded", _p1(experts=("E1", "E2", "E8")), "E8 is excluded"),
    (
        "1 eligibility: employer in conflicts",
        _p1(experts=("E1", "E2", "E9")),
        "employer 'C单位' is in conflicts",
    ),
    ("1 eligibility: declared interest", _p1(experts=("E1", "E2", "E6")), "interest in 'X局'"),
    ("2 size: too few", _p1(experts=("E1", "E2")), "has 2 members, size is 3"),
    ("2 size: not distinct", _p1(experts=("E1", "E2", "E2")), "E2 listed 2 times"),
    ("2 size: unknown expert", _p1(experts=("E1", "E2", "E99")), "unknown expert E99"),
    (
        "3 seats: count",
        _p1(seats=(("法律", ("E1", "E3")), ("经济", ("E2",)))),
        "seat '法律' has 2 experts, needs 1",
    ),
    ("3 seats: lacks sector", _p1(seats=(("法律", ("E2",)), ("经济", ("E3",)))), "E2, who lacks that sector"),
    ("3 seats: not a member", _p1(seats=(("法律", ("E1",)), ("经济", ("E4",)))), "E4, who is not a member"),
    ("3 seats: two seats", _p1(seats=(("法律", ("E3",)), ("经济", ("E3",)))), "E3 fills 2 seats"),
    ("3 seats: missing", _p1(seats=(("法律", ("E1",)),)), "seat '经济' (1) is not filled"),
    ("3 seats: not asked", _p1(seats=(*P1.seats, ("宗教", ("E3",)))), "seat '宗教' is not asked for"),
    ("4 seniority", _panel_rule(min_senior=2), "1 senior members, needs at least 2"),
    (
        "5 employers",
        _p1(experts=("E1", "E4", "E3"), seats=(("法律", ("E1",)), ("经济", ("E4",)))),
        "2 members work for 'U1'",
    ),
    ("6 fixed", _panel_rule(fixed=("E1", "E7")), "fixed expert E7 is not a member"),
    (
        "7 time: before window",
        _p1(start=at("2026-02-27T08:30"), end=at("2026-02-27T10:30")),
        "not inside the window",
    ),
    ("7 time: weekend", _p1(start=at("2026-03-07T08:30"), end=at("2026-03-07T10:30")), "is not a workday"),
    (
        "7 time: across lunch",
        _p1(start=at("2026-03-03T11:00"), end=at("2026-03-03T13:00")),
        "one work-hours block",
    ),
    ("7 time: off grid", _p1(start=at("2026-03-03T08:45"), end=at("2026-03-03T10:45")), "30-minute grid"),
    ("7 time: duration", _p1(end=at("2026-03-02T11:00")), "not 120 minutes"),
    ("8 availability: busy", _p1(experts=("E1", "E2", "E10")), "E10 is busy"),
    (
        "8 availability: two panels at once",
        _p2(start=at("2026-03-02T09:30"), end=at("2026-03-02T10:30")),
        "overlap",
    ),
    ("9 load", _p2(experts=("E2", "E7")), "exceeds max_load 2"),
    ("coverage: missing panel", _solution(unfilled=()), "P3: missing from the solution"),
    ("lottery: missing", _p1(lottery=None), "P1: has no lottery"),
    ("lottery: total", _p1(lottery=_lottery(total=999)), "total"),
    (
        "lottery: counts",
        _p1(lottery=_lottery(tickets=((("E1", "E11", "E3"), 300), (("E1", "E2", "E3"), 600)))),
        "不等于",
    ),
    ("lottery: order", _p1(lottery=_lottery(tickets=P1_LOTTERY.tickets[::-1])), "顺序"),
    ("lottery: set twice", _p1(lottery=_lottery(tickets=(P1_LOTTERY.tickets[1],) * 2)), "不止一次"),
    (
        "lottery: set size",
        _p1(lottery=_lottery(tickets=((("E1", "E3"), 300), (("E1", "E2", "E3"), 700)))),
        "评审组应为3名",
    ),
    (
        "lottery: published chances",
        _p1(lottery=_lottery(published=(("E1", 1.0), ("E11", 0.5), ("E2", 0.7), ("E3", 1.0)))),
        "不符",
    ),
    (
        "lottery: ineligible set",
        _p1(lottery=_with_set(("E1", "E3", "E8"))),
        "E8 is not eligible",
    ),
    (
        "lottery: max_load",
        _p1(lottery=_with_set(("E1", "E3", "E7"))),
        "E7 is at max_load",
    ),
    (
        "lottery: employers",
        _p1(lottery=_with_set(("E1", "E3", "E4"))),
        "2 members work for 'U1'",
    ),
    (
        "lottery: fixed",
        _p1(lottery=_with_set(("E11", "E2", "E3"))),
        "fixed expert E1 is missing",
    ),
    ("lottery: seniors", _panel_rule(min_senior=2), "fewer than 2 senior members"),
    ("lottery: seats", _panel_rule(seats=(("法律", 1), ("经济", 1), ("宗教", 1))), "cannot fill the seats"),
    ("lottery: never free together", _busy_all_window("E11"), "never free together"),
    ("lottery: ticket not from the seed", _p1(lottery=_lottery(ticket=956)), "the seed 1 draws ticket 957"),
    ("lottery: members not the drawn set", _p1(lottery=_lottery(ticket=None)), "no drawn ticket"),
    ("lottery: another seed", _solution(seed=2), "draws ticket"),
    (
        "coverage: listed twice",
        _solution(unfilled=(P3_UNFILLED, Unfilled("P1", P3_UNFILLED.reasons))),
        "P1: appears 2",
    ),
    (
        "coverage: unknown panel",
        _solution(unfilled=(P3_UNFILLED, Unfilled("P9", P3_UNFILLED.reasons))),
        "P9: not in",
    ),
    ("status", _solution(status="optimal"), "should be 'partial'"),
    ("reason: none given", _solution(unfilled=(Unfilled("P3", ()),)), "gives no reason"),
    (
        "reason: unknown code",
        _solution(unfilled=(Unfilled("P3", (Reason("bad_luck", "运气不好"),)),)),
        "bad_luck",
    ),
]


@pytest.mark.parametrize(
    ("mutate", "expected"), [m[1:] for m in PANEL_MUTATIONS], ids=[m[0] for m in PANEL_MUTATIONS]
)
def test_panel_rule_violation_is_caught(
    mutate: Callable[[PanelInstance, PanelSolution], tuple[PanelInstance, PanelSolution]], expected: str
) -> None:
    inst, sol = mutate(PANELS, VALID_PANELS)
    violations = validate_panels(inst, sol)
    assert any(expected in v for v in violations), violations


def test_status_when_all_or_none_filled() -> None:
    inst = dataclasses.replace(PANELS, panels=PANELS.panels[:2])
    assert validate_panels(inst, dataclasses.replace(VALID_PANELS, status="feasible", unfilled=())) == []
    none = PanelSolution(
        status="infeasible",
        seed=1,
        panels=(),
        unfilled=tuple(Unfilled(p.id, P3_UNFILLED.reasons) for p in inst.panels),
    )
    assert validate_panels(inst, none) == []
    assert validate_panels(inst, dataclasses.replace(none, status="partial"))


def test_offset_times_are_compared_as_instants() -> None:
    utc = ZoneInfo("UTC")
    p1 = dataclasses.replace(P1, start=P1.start.astimezone(utc), end=P1.end.astimezone(utc))
    assert validate_panels(PANELS, dataclasses.replace(VALID_PANELS, panels=(p1, P2))) == []


# --- meetings -------------------------------------------------------------------------

MEETINGS: MeetingInstance = parse_meetings(
    {
        "format": "wenping-meetings/1",
        "departments": [
            {
                "id": "A",
                "people": [{"id": "A1"}, {"id": "A2", "busy": [["2026-03-02T08:30", "2026-03-02T12:00"]]}],
            },
            {"id": "B", "people": [{"id": "B1"}]},
            {"id": "C", "people": [{"id": "C1"}]},
            {"id": "D", "people": [{"id": "D1"}]},
        ],
        "rooms": [
            {"id": "R1", "capacity": 3},
            {"id": "R2", "capacity": 2},
            {"id": "R3", "capacity": 10, "busy": [["2026-03-02T08:30", "2026-03-02T12:00"]]},
        ],
        "meetings": [
            {
                "id": "M1",
                "required": ["A", "B"],
                "optional": ["C"],
                "window": ["2026-03-02T08:30", "2026-03-13T18:00"],
                "duration_minutes": 60,
            },
            {
                "id": "M2",
                "required": ["D"],
                "optional": ["B"],
                "window": ["2026-03-02T08:30", "2026-03-13T18:00"],
                "duration_minutes": 60,
            },
            {
                "id": "M3",
                "required": ["D"],
                "window": ["2026-03-07T08:30", "2026-03-08T18:00"],
                "duration_minutes": 60,
            },
        ],
    }
)

M1 = MeetingAssignment(
    id="M1",
    start=at("2026-03-02T08:30"),
    end=at("2026-03-02T09:30"),
    room="R1",
    attendees=(("A", ("A1",)), ("B", ("B1",)), ("C", ("C1",))),
)
M2 = MeetingAssignment(
    id="M2", start=at("2026-03-02T14:30"), end=at("2026-03-02T15:30"), room="R1", attendees=(("D", ("D1",)),)
)
M3_UNSCHEDULED = Unscheduled(id="M3", reasons=(Reason(code="no_workday", message="窗口内没有工作日"),))
VALID_MEETINGS = MeetingSolution(status="partial", meetings=(M1, M2), unscheduled=(M3_UNSCHEDULED,))


def test_valid_meeting_solution_passes() -> None:
    assert validate_meetings(MEETINGS, VALID_MEETINGS) == []


def _m(index: int, **changes: Any) -> Callable[[MeetingSolution], MeetingSolution]:
    def mutate(sol: MeetingSolution) -> MeetingSolution:
        items = list(sol.meetings)
        items[index] = dataclasses.replace(items[index], **changes)
        return dataclasses.replace(sol, meetings=tuple(items))

    return mutate


def _msol(**changes: Any) -> Callable[[MeetingSolution], MeetingSolution]:
    return lambda sol: dataclasses.replace(sol, **changes)


MEETING_MUTATIONS = [
    (
        "time: outside window",
        _m(0, start=at("2026-03-13T17:30"), end=at("2026-03-13T18:30")),
        "not inside the window",
    ),
    ("time: weekend", _m(0, start=at("2026-03-07T08:30"), end=at("2026-03-07T09:30")), "is not a workday"),
    ("time: holiday", _m(0, start=at("2026-04-06T08:30"), end=at("2026-04-06T09:30")), "is not a workday"),
    (
        "time: across lunch",
        _m(0, start=at("2026-03-03T11:30"), end=at("2026-03-03T12:30")),
        "one work-hours block",
    ),
    ("time: off grid", _m(0, start=at("2026-03-03T08:40"), end=at("2026-03-03T09:40")), "30-minute grid"),
    ("time: duration", _m(0, end=at("2026-03-02T10:00")), "not 60 minutes"),
    (
        "required department absent",
        _m(0, attendees=(("A", ("A1",)), ("C", ("C1",)))),
        "required department B",
    ),
    (
        "too many from a department",
        _m(0, attendees=(("A", ("A1", "A1")), ("B", ("B1",)))),
        "A sends 2 people",
    ),
    (
        "person from another department",
        _m(0, attendees=(("A", ("B1",)), ("B", ("B1",)))),
        "not a member of department A",
    ),
    ("busy person", _m(0, attendees=(("A", ("A2",)), ("B", ("B1",)))), "A2 of A is busy"),
    (
        "optional with nobody",
        _m(0, attendees=(("A", ("A1",)), ("B", ("B1",)), ("C", ()))),
        "optional C sends 0",
    ),
    (
        "uninvited department",
        _m(0, attendees=(*M1.attendees, ("D", ("D1",)))),
        "neither required nor optional",
    ),
    ("unknown room", _m(0, room="R9"), "unknown room 'R9'"),
    ("room too small", _m(0, room="R2"), "room R2 holds 2, 3 attend"),
    ("room busy", _m(0, room="R3"), "room R3 is busy"),
    (
        "room in two meetings",
        _m(1, start=at("2026-03-02T09:00"), end=at("2026-03-02T10:00")),
        "room R1: meetings",
    ),
    (
        "person in two meetings",
        _m(
            1,
            start=at("2026-03-02T09:00"),
            end=at("2026-03-02T10:00"),
            room="R2",
            attendees=(("D", ("D1",)), ("B", ("B1",))),
        ),
        "person B1: meetings M1 and M2 overlap",
    ),
    ("coverage: missing meeting", _msol(unscheduled=()), "M3: missing"),
    ("status", _msol(status="optimal"), "should be 'partial'"),
    (
        "reason: unknown code",
        _msol(unscheduled=(Unscheduled("M3", (Reason("weather", "下雨"),)),)),
        "weather",
    ),
]


@pytest.mark.parametrize(
    ("mutate", "expected"), [m[1:] for m in MEETING_MUTATIONS], ids=[m[0] for m in MEETING_MUTATIONS]
)
def test_meeting_rule_violation_is_caught(
    mutate: Callable[[MeetingSolution], MeetingSolution], expected: str
) -> None:
    violations = validate_meetings(MEETINGS, mutate(VALID_MEETINGS))
    assert any(expected in v for v in violations), violations


def test_a_person_listed_twice_is_caught() -> None:
    # Two attendees per department: A listing A1 twice has the right count, but one person.
    m1 = dataclasses.replace(MEETINGS.meetings[0], attendees_per_department=2)
    inst = dataclasses.replace(MEETINGS, meetings=(m1, *MEETINGS.meetings[1:]))
    twice = dataclasses.replace(
        VALID_MEETINGS,
        meetings=(dataclasses.replace(M1, attendees=(("A", ("A1", "A1")), ("B", ("B1",)))), M2),
    )
    violations = validate_meetings(inst, twice)
    assert any("A lists a person twice" in v for v in violations), violations
    assert not any("A sends" in v for v in violations)

"""Joint meetings: hard rules, objectives, calendar, reasons, alternatives and the heat map.

Every solve goes through ``solver.validate.validate_meetings``.
"""

from __future__ import annotations

import json
from datetime import date, datetime
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from solver.instance import (
    CalendarSpec,
    Department,
    Interval,
    Meeting,
    MeetingInstance,
    MeetingSolution,
    Person,
    Room,
    meeting_solution_to_json,
    parse_meetings,
)
from solver.meetings import alternatives, availability_grid, solve_meetings
from solver.validate import validate_meetings
from tests.contract import example

TZ_NAME = "Asia/Shanghai"


# --- builders ---------------------------------------------------------------------------


def at(text: str) -> datetime:
    from zoneinfo import ZoneInfo

    return datetime.fromisoformat(text).replace(tzinfo=ZoneInfo(TZ_NAME))


def morning(day: str) -> Interval:
    return (at(f"{day}T08:30"), at(f"{day}T12:00"))


def afternoon(day: str) -> Interval:
    return (at(f"{day}T14:30"), at(f"{day}T18:00"))


def whole_day(day: str) -> Interval:
    return (at(f"{day}T00:00"), at(f"{day}T23:59"))


def dept(
    ident: str, people: int = 1, busy: dict[int, list[Interval]] | None = None, name: str = ""
) -> Department:
    """A department of ``people`` members; ``busy`` maps a member's index to their busy times."""
    busy = busy or {}
    members = tuple(
        Person(id=f"{ident}-{i}", name=f"{ident}{i}", busy=tuple(busy.get(i, ()))) for i in range(people)
    )
    return Department(id=ident, name=name or ident, people=members)


def meeting(
    ident: str,
    required: tuple[str, ...],
    window: tuple[str, str],
    duration: int = 120,
    optional: tuple[str, ...] = (),
    per: int = 1,
) -> Meeting:
    return Meeting(
        id=ident,
        title=ident,
        required=required,
        window=(at(window[0]), at(window[1])),
        duration_minutes=duration,
        optional=optional,
        attendees_per_department=per,
    )


def make(
    departments: list[Department],
    meetings: list[Meeting],
    rooms: list[Room] | None = None,
    calendar: CalendarSpec | None = None,
) -> MeetingInstance:
    return MeetingInstance(
        timezone=TZ_NAME,
        calendar=calendar or CalendarSpec(),
        departments=tuple(departments),
        rooms=tuple(rooms if rooms is not None else [Room("R1", "第一会议室", 40)]),
        meetings=tuple(meetings),
    )


def solve(instance: MeetingInstance) -> MeetingSolution:
    solution = solve_meetings(instance, time_limit=10)
    assert validate_meetings(instance, solution) == []
    return solution


def placed(
    solution: MeetingSolution, ident: str
) -> tuple[datetime, datetime, str, dict[str, tuple[str, ...]]]:
    a = next(a for a in solution.meetings if a.id == ident)
    return a.start, a.end, a.room, dict(a.attendees)


def reasons(solution: MeetingSolution, ident: str) -> list[tuple[str, str, dict[str, object]]]:
    u = next(u for u in solution.unscheduled if u.id == ident)
    return [(r.code, r.message, dict(r.details)) for r in u.reasons]


MON = "2026-03-02"  # an ordinary Monday
WEEK = (f"{MON}T08:30", "2026-03-06T18:00")


# --- the contract example ----------------------------------------------------------------


def _example() -> Any:
    return json.loads(example("meetings-small.json").read_text(encoding="utf-8"))


def test_contract_example_as_shipped() -> None:
    # J1 fits only on 2 February afternoon. J2's window (20 April - 4 May) never has all
    # thirteen departments free together (1-5 May is the Labour Day holiday): at best 12.
    instance = parse_meetings(_example())
    solution = solve(instance)
    assert solution.status == "partial"
    start, _, room, attendees = placed(solution, "J1")
    assert (start, room) == (at("2026-02-02T14:30"), "R1")  # 13 people do not fit the 12-seat R2
    assert set(instance.meetings[0].required) <= set(attendees)
    [(code, message, details)] = reasons(solution, "J2")
    assert code == "no_common_slot"
    assert (details["required"], details["most_together"]) == (13, 12)
    assert "市住房和城乡建设局" in message
    out = meeting_solution_to_json(solution)
    assert out["format"] == "wenping-meetings-solution/1"
    assert out["unscheduled"][0]["reasons"][0]["code"] == "no_common_slot"


def test_contract_example_with_a_wider_window_schedules_every_meeting() -> None:
    data = _example()
    data["meetings"][1]["window"][1] = "2026-05-15T18:00"
    instance = parse_meetings(data)
    solution = solve(instance)
    assert solution.status == "optimal"
    assert [a.id for a in solution.meetings] == ["J1", "J2"]
    # Saturday 9 May 2026 is a make-up workday after the Labour Day holiday.
    assert placed(solution, "J2")[0] == at("2026-05-09T08:30")


# --- time ---------------------------------------------------------------------------------


def test_earliest_start_on_the_grid_inside_a_block() -> None:
    instance = make([dept("A"), dept("B")], [meeting("J", ("A", "B"), (f"{MON}T09:10", WEEK[1]))])
    start, end, _, _ = placed(solve(instance), "J")
    assert (start, end) == (at(f"{MON}T09:30"), at(f"{MON}T11:30"))


def test_earlier_first_moves_past_a_busy_morning() -> None:
    instance = make(
        [dept("A", busy={0: [morning(MON)]}), dept("B")],
        [meeting("J", ("A", "B"), WEEK)],
    )
    start, _, _, _ = placed(solve(instance), "J")
    assert start == at(f"{MON}T14:30")


def test_national_day_window_without_workday_is_no_workday() -> None:
    instance = make([dept("A")], [meeting("J", ("A",), ("2026-10-01T08:30", "2026-10-07T18:00"))])
    solution = solve(instance)
    assert solution.status == "infeasible"
    [(code, message, details)] = reasons(solution, "J")
    assert code == "no_workday"
    assert "2026-10-01至2026-10-07" in message
    assert details["dates_off"][0] == "2026-10-01"  # type: ignore[index]


def test_national_day_meeting_goes_to_8_october() -> None:
    instance = make(
        [dept("A"), dept("B")], [meeting("J", ("A", "B"), ("2026-10-01T08:30", "2026-10-11T18:00"))]
    )
    start, _, _, _ = placed(solve(instance), "J")
    assert start == at("2026-10-08T08:30")


def test_national_day_make_up_saturday_10_october() -> None:
    # A is away on 8 and 9 October; Saturday 10 October is a make-up workday, Sunday 11 is not.
    busy = {0: [whole_day("2026-10-08"), whole_day("2026-10-09")]}
    instance = make(
        [dept("A", busy=busy), dept("B")],
        [meeting("J", ("A", "B"), ("2026-10-01T08:30", "2026-10-11T18:00"))],
    )
    start, _, _, _ = placed(solve(instance), "J")
    assert start == at("2026-10-10T08:30")
    assert start.weekday() == 5


def test_make_up_sunday_20_september() -> None:
    instance = make([dept("A")], [meeting("J", ("A",), ("2026-09-19T08:30", "2026-09-20T18:00"))])
    start, _, _, _ = placed(solve(instance), "J")
    assert start == at("2026-09-20T08:30")


def test_unknown_year_plans_monday_to_friday_and_warns() -> None:
    # 6 March 2027 is a Saturday; 2027's statutory schedule is not known.
    instance = make([dept("A")], [meeting("J", ("A",), ("2027-03-06T08:30", "2027-03-09T18:00"))])
    solution = solve(instance)
    start, _, _, _ = placed(solution, "J")
    assert start == at("2027-03-08T08:30")
    assert start.weekday() == 0
    assert [(w.code, w.year) for w in solution.warnings] == [("calendar_unknown", 2027)]


# --- people -------------------------------------------------------------------------------


def test_two_attendees_per_department_are_free_and_distinct() -> None:
    instance = make(
        [dept("A", people=3, busy={1: [morning(MON)]}), dept("B", people=2)],
        [meeting("J", ("A", "B"), WEEK, per=2)],
    )
    start, _, _, attendees = placed(solve(instance), "J")
    assert start == at(f"{MON}T08:30")
    assert sorted(attendees["A"]) == ["A-0", "A-2"]
    assert sorted(attendees["B"]) == ["B-0", "B-1"]


def test_optional_department_attends_when_free() -> None:
    instance = make([dept("A"), dept("P")], [meeting("J", ("A",), WEEK, optional=("P",))])
    _, _, _, attendees = placed(solve(instance), "J")
    assert attendees == {"A": ("A-0",), "P": ("P-0",)}


def test_optional_department_stays_away_when_busy() -> None:
    instance = make(
        [dept("A"), dept("P", busy={0: [(at(WEEK[0]), at(WEEK[1]))]})],
        [meeting("J", ("A",), WEEK, optional=("P",))],
    )
    start, _, _, attendees = placed(solve(instance), "J")
    assert start == at(f"{MON}T08:30")
    assert "P" not in attendees


def test_optional_department_outweighs_an_earlier_start() -> None:
    instance = make(
        [dept("A"), dept("P", busy={0: [morning(MON)]})],
        [meeting("J", ("A",), WEEK, optional=("P",))],
    )
    start, _, _, attendees = placed(solve(instance), "J")
    assert start == at(f"{MON}T14:30")
    assert "P" in attendees


# --- rooms --------------------------------------------------------------------------------


def test_busy_room_and_small_room_move_the_meeting() -> None:
    rooms = [Room("BIG", "大会议室", 10, busy=(morning(MON),)), Room("SMALL", "小会议室", 1)]
    instance = make([dept("A"), dept("B")], [meeting("J", ("A", "B"), WEEK)], rooms)
    start, _, room, _ = placed(solve(instance), "J")
    assert (start, room) == (at(f"{MON}T14:30"), "BIG")


def test_optional_department_stays_away_when_the_room_is_full() -> None:
    instance = make(
        [dept("A"), dept("B"), dept("P")],
        [meeting("J", ("A", "B"), WEEK, optional=("P",))],
        [Room("R", "会议室", 2)],
    )
    _, _, _, attendees = placed(solve(instance), "J")
    assert set(attendees) == {"A", "B"}


# --- several meetings ---------------------------------------------------------------------


def test_two_meetings_sharing_a_person_do_not_overlap() -> None:
    window = (f"{MON}T08:30", f"{MON}T12:00")
    instance = make(
        [dept("A"), dept("B"), dept("C")],
        [meeting("J1", ("A", "B"), window, duration=90), meeting("J2", ("A", "C"), window, duration=90)],
        [Room("R1", "一号", 5), Room("R2", "二号", 5)],
    )
    solution = solve(instance)
    assert solution.status == "optimal"
    starts = sorted(placed(solution, m)[0] for m in ("J1", "J2"))
    assert starts == [at(f"{MON}T08:30"), at(f"{MON}T10:00")]


def test_meetings_without_shared_people_or_room_may_overlap() -> None:
    window = (f"{MON}T08:30", f"{MON}T12:00")
    instance = make(
        [dept("A"), dept("B")],
        [meeting("J1", ("A",), window), meeting("J2", ("B",), window)],
        [Room("R1", "一号", 5), Room("R2", "二号", 5)],
    )
    solution = solve(instance)
    assert placed(solution, "J1")[0] == placed(solution, "J2")[0] == at(f"{MON}T08:30")


def test_two_meetings_that_cannot_both_fit_leave_one_unscheduled() -> None:
    window = (f"{MON}T08:30", f"{MON}T12:00")
    instance = make(
        [dept("A"), dept("B"), dept("C")],
        [meeting("J1", ("A", "B"), window), meeting("J2", ("A", "C"), window)],
        [Room("R1", "一号", 5), Room("R2", "二号", 5)],
    )
    solution = solve(instance)
    assert solution.status == "partial"
    [done] = solution.meetings
    [left] = solution.unscheduled
    [(code, message, details)] = reasons(solution, left.id)
    assert code == "no_common_slot"
    assert details["conflicts"] == [done.id]
    assert done.id in message


def test_room_taken_by_another_meeting_is_no_room() -> None:
    window = (f"{MON}T08:30", f"{MON}T12:00")
    instance = make(
        [dept("A"), dept("B")],
        [meeting("J1", ("A",), window), meeting("J2", ("B",), window)],
        [Room("R1", "一号", 5)],
    )
    solution = solve(instance)
    [done] = solution.meetings
    [left] = solution.unscheduled
    [(code, _, details)] = reasons(solution, left.id)
    assert code == "no_room"
    assert details["conflicts"] == [done.id]


# --- reasons ------------------------------------------------------------------------------


def test_department_never_free_is_named() -> None:
    instance = make(
        [dept("A"), dept("信访局", busy={0: [(at(WEEK[0]), at(WEEK[1]))]}, name="市信访局")],
        [meeting("J", ("A", "信访局"), WEEK)],
    )
    solution = solve(instance)
    assert solution.status == "infeasible"
    [(code, message, details)] = reasons(solution, "J")
    assert code == "department_unavailable"
    assert message == "市信访局在窗口内没有人员空闲"
    assert details["department"] == "信访局"


def test_department_short_of_people_gives_the_numbers() -> None:
    instance = make(
        [dept("A", people=2), dept("B", people=2, busy={1: [(at(WEEK[0]), at(WEEK[1]))]})],
        [meeting("J", ("A", "B"), WEEK, per=2)],
    )
    [(code, message, details)] = reasons(solve(instance), "J")
    assert code == "department_unavailable"
    assert message == "B需2人，窗口内每个可选时段空闲人数均不足（最多1人）"
    assert (details["needed"], details["most_free"]) == (2, 1)


def test_room_too_small_is_no_room() -> None:
    departments = [dept(f"D{i}") for i in range(13)]
    instance = make(
        departments,
        [meeting("J", tuple(d.id for d in departments), WEEK)],
        [Room("R1", "小会议室", 12), Room("R2", "会商室", 8)],
    )
    [(code, message, details)] = reasons(solve(instance), "J")
    assert code == "no_room"
    assert (details["head_count"], details["largest_capacity"]) == (13, 12)
    assert "13" in message and "12" in message


def test_never_all_together_is_no_common_slot() -> None:
    week = [f"2026-03-0{d}" for d in range(2, 7)]
    instance = make(
        [dept("A", busy={0: [afternoon(d) for d in week]}), dept("B", busy={0: [morning(d) for d in week]})],
        [meeting("J", ("A", "B"), WEEK)],
    )
    [(code, _, details)] = reasons(solve(instance), "J")
    assert code == "no_common_slot"
    assert details["most_together"] == 1


def test_partial_status_when_one_of_two_fails() -> None:
    instance = make(
        [dept("A"), dept("B", busy={0: [(at(WEEK[0]), at(WEEK[1]))]})],
        [meeting("J1", ("A",), WEEK), meeting("J2", ("B",), WEEK)],
    )
    solution = solve(instance)
    assert solution.status == "partial"
    assert [u.id for u in solution.unscheduled] == ["J2"]


# --- alternatives and the heat map ---------------------------------------------------------


def test_alternatives_are_the_next_half_days() -> None:
    instance = make([dept("A")], [meeting("J", ("A",), WEEK)])
    solution = solve(instance)
    assert placed(solution, "J")[0] == at(f"{MON}T08:30")
    starts = [s for s, _, _ in alternatives(instance, "J", solution)]
    assert starts == [at(f"{MON}T14:30"), at("2026-03-03T08:30"), at("2026-03-03T14:30")]
    fine = [s for s, _, _ in alternatives(instance, "J", solution, k=2, distinct_blocks=False)]
    assert fine == [at(f"{MON}T09:00"), at(f"{MON}T09:30")]


def test_alternatives_keep_clear_of_the_other_meetings() -> None:
    # J1 can only be on Monday afternoon, so J2 (sharing A) cannot move there.
    busy_but_monday_pm = [morning(MON), *(whole_day(f"2026-03-0{d}") for d in range(3, 7))]
    instance = make(
        [dept("A"), dept("B", busy={0: busy_but_monday_pm})],
        [meeting("J1", ("A", "B"), WEEK), meeting("J2", ("A",), WEEK)],
    )
    solution = solve(instance)
    assert placed(solution, "J1")[0] == at(f"{MON}T14:30")
    assert placed(solution, "J2")[0] == at(f"{MON}T08:30")
    for start, end, room in alternatives(instance, "J2", solution):
        assert not (start < at(f"{MON}T16:30") and at(f"{MON}T14:30") < end)
        assert room == "R1"


def test_availability_grid_marks_the_missing_department() -> None:
    instance = make(
        [dept("A", busy={0: [morning(MON)]}), dept("B")],
        [meeting("J", ("A", "B"), (f"{MON}T08:30", "2026-03-03T18:00"))],
    )
    cells = availability_grid(instance, "J")
    assert [(c["date"], c["start"].hour) for c in cells] == [
        (date(2026, 3, 2), 8),
        (date(2026, 3, 2), 14),
        (date(2026, 3, 3), 8),
        (date(2026, 3, 3), 14),
    ]
    assert (cells[0]["available"], cells[0]["missing"], cells[0]["required"]) == (1, ["A"], 2)
    assert all(c["available"] == 2 and c["missing"] == [] for c in cells[1:])
    assert cells[1]["best_start"] == at(f"{MON}T14:30")


def test_window_too_short_for_the_meeting_is_no_workday() -> None:
    instance = make([dept("A")], [meeting("J", ("A",), (f"{MON}T10:30", f"{MON}T12:00"))])
    [(code, message, _)] = reasons(solve(instance), "J")
    assert code == "no_workday"
    assert "120分钟" in message


# --- a property: one meeting against brute force --------------------------------------------

DAYS = ["2026-03-02", "2026-03-03", "2026-03-04"]
HALVES = [(d, h) for d in DAYS for h in (0, 1)]


@settings(max_examples=30, deadline=None)
@given(
    busy=st.lists(st.lists(st.sets(st.sampled_from(HALVES)), min_size=1, max_size=2), min_size=1, max_size=3),
    per=st.integers(1, 2),
    capacity=st.integers(1, 6),
)
def test_single_meeting_matches_brute_force(
    busy: list[list[set[tuple[str, int]]]], per: int, capacity: int
) -> None:
    departments = [
        dept(
            f"D{n}",
            people=len(people),
            busy={i: [(morning, afternoon)[h](d) for d, h in b] for i, b in enumerate(people)},
        )
        for n, people in enumerate(busy)
    ]
    required = tuple(d.id for d in departments)
    instance = make(
        departments,
        [meeting("J", required, (f"{DAYS[0]}T08:30", f"{DAYS[-1]}T18:00"), duration=210, per=per)],
        [Room("R", "会议室", capacity)],
    )
    # The 210-minute meeting fills a half-day: it fits a half-day when every department has
    # `per` people without that half-day busy, and the room holds everyone.
    expected = next(
        (
            (d, h)
            for d, h in HALVES
            if capacity >= per * len(required)
            and all(sum((d, h) not in b for b in people) >= per for people in busy)
        ),
        None,
    )
    solution = solve(instance)
    if expected is None:
        assert solution.status == "infeasible"
    else:
        start, _, _, _ = placed(solution, "J")
        assert start == (morning, afternoon)[expected[1]](expected[0])[0]


# --- rules the redundant headcount cannot stand in for (issue 11: each test fails when its rule is
# --- taken out of the model) ---------------------------------------------------------------------


def test_attendee_busy_for_part_of_the_meeting_cannot_attend() -> None:
    # A-1 is busy 08:40-08:50, between grid points (the headcount only looks at grid points), so
    # A-1 can join only a meeting starting at 09:00. Both meetings want the earliest start; the
    # one with A-1 has to wait half an hour.
    a = dept("A", 2, busy={1: [(at(f"{MON}T08:40"), at(f"{MON}T08:50"))]})
    window = (f"{MON}T08:30", f"{MON}T11:00")
    inst = make(
        [a],
        [meeting("M1", ("A",), window), meeting("M2", ("A",), window)],
        rooms=[Room("R1", "一", 10), Room("R2", "二", 10)],
    )
    sol = solve(inst)
    assert len(sol.meetings) == 2
    starts = {dict(m.attendees)["A"]: m.start for m in sol.meetings}
    assert starts == {("A-0",): at(f"{MON}T08:30"), ("A-1",): at(f"{MON}T09:00")}


def test_nobody_sits_in_two_overlapping_meetings() -> None:
    # M1 08:30-10:30 can only have A-0 (A-1 is busy 08:30-09:00); M2 09:30-11:30 can only have A-0
    # too (A-1 is busy 10:30-11:30). At the grid points both run (09:30, 10:00) A-1 counts as
    # free, so only the rule on people keeps A-0 out of one of them.
    a = dept(
        "A", 2, busy={1: [(at(f"{MON}T08:30"), at(f"{MON}T09:00")), (at(f"{MON}T10:30"), at(f"{MON}T11:30"))]}
    )
    inst = make(
        [a],
        [
            meeting("M1", ("A",), (f"{MON}T08:30", f"{MON}T10:30")),
            meeting("M2", ("A",), (f"{MON}T09:30", f"{MON}T11:30")),
        ],
        rooms=[Room("R1", "一", 10), Room("R2", "二", 10)],
    )
    sol = solve(inst)
    assert len(sol.meetings) == 1 and len(sol.unscheduled) == 1


def test_an_optional_department_is_worth_a_later_start() -> None:
    # C's only person is busy on Monday morning: meeting on Monday afternoon brings C along, which
    # the contract ranks above meeting earlier.
    c = dept("C", 1, busy={0: [morning(MON)]})
    inst = make([dept("A"), c], [meeting("M", ("A",), (f"{MON}T08:30", f"{MON}T18:00"), optional=("C",))])
    start, _, _, attendees = placed(solve(inst), "M")
    assert "C" in attendees and start == at(f"{MON}T14:30")

"""The work calendar: statutory days, unknown years, blocks and the slot grid."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

import pytest

from solver.calendar import WorkCalendar
from solver.instance import CalendarSpec, Interval, Warning

TZ = "Asia/Shanghai"


def at(text: str) -> datetime:
    """A local Beijing time from ``"2026-03-02T08:30"``."""
    from zoneinfo import ZoneInfo

    return datetime.fromisoformat(text).replace(tzinfo=ZoneInfo(TZ))


def window(a: str, b: str) -> Interval:
    return (at(a), at(b))


@pytest.fixture
def cn() -> WorkCalendar:
    return WorkCalendar(CalendarSpec(), TZ)


def test_national_day_2026(cn: WorkCalendar) -> None:
    for day in range(1, 8):
        assert not cn.is_workday(date(2026, 10, day)), f"10月{day}日 is a holiday"
    assert cn.is_workday(date(2026, 9, 20))  # Sunday, make-up workday
    assert cn.is_workday(date(2026, 10, 10))  # Saturday, make-up workday
    assert cn.is_workday(date(2026, 10, 8))
    assert not cn.is_workday(date(2026, 10, 11))  # an ordinary Sunday
    assert cn.unknown_years == set()
    assert cn.warnings() == []


def test_spring_festival_2026(cn: WorkCalendar) -> None:
    assert cn.is_workday(date(2026, 2, 14))  # Saturday, make-up workday
    for day in range(15, 24):
        assert not cn.is_workday(date(2026, 2, day))
    assert cn.is_workday(date(2026, 2, 24))
    assert cn.is_workday(date(2026, 2, 28))  # Saturday, make-up workday


def test_no_slots_during_national_day(cn: WorkCalendar) -> None:
    starts = cn.candidate_starts(window("2026-10-01T08:30", "2026-10-08T00:00"), 60)
    assert starts == []
    assert cn.work_blocks(window("2026-10-01T08:30", "2026-10-08T00:00")) == []


def test_unknown_year_plans_monday_to_friday_and_warns(cn: WorkCalendar) -> None:
    w = window("2027-01-01T00:00", "2027-01-11T00:00")
    days = sorted({s.date() for s in cn.candidate_starts(w, 60)})
    # 2027-01-01 is a Friday; no holiday is guessed for New Year's Day.
    assert days == [date(2027, 1, d) for d in (1, 4, 5, 6, 7, 8)]
    assert cn.unknown_years == {2027}
    assert cn.warnings() == [
        Warning(
            code="calendar_unknown", year=2027, message="2027年法定节假日安排尚未录入，按周一至周五安排工作日"
        )
    ]
    assert cn.warnings()[0].to_json() == {
        "code": "calendar_unknown",
        "year": 2027,
        "message": "2027年法定节假日安排尚未录入，按周一至周五安排工作日",
    }


def test_known_year_only_window_gives_no_warning(cn: WorkCalendar) -> None:
    cn.candidate_starts(window("2026-12-28T00:00", "2026-12-31T23:59"), 60)
    assert cn.unknown_years == set()


def test_dates_entered_for_2027_make_it_known_and_are_honoured() -> None:
    spec = CalendarSpec(
        holidays=frozenset({date(2027, 1, 1)}),  # Friday
        extra_workdays=frozenset({date(2027, 1, 9)}),  # Saturday
    )
    cal = WorkCalendar(spec, TZ)
    assert not cal.is_workday(date(2027, 1, 1))
    assert cal.is_workday(date(2027, 1, 4))
    assert cal.is_workday(date(2027, 1, 9))
    assert not cal.is_workday(date(2027, 1, 10))
    assert cal.unknown_years == set()
    assert cal.warnings() == []


def test_spec_adjusts_the_statutory_calendar() -> None:
    spec = CalendarSpec(holidays=frozenset({date(2026, 3, 2)}), extra_workdays=frozenset({date(2026, 3, 8)}))
    cal = WorkCalendar(spec, TZ)
    assert not cal.is_workday(date(2026, 3, 2))
    assert cal.is_workday(date(2026, 3, 8))
    assert not cal.is_workday(date(2026, 10, 1))  # the statutory data still applies


def test_mon_fri_ignores_statutory_holidays() -> None:
    cal = WorkCalendar(CalendarSpec(workdays="mon-fri"), TZ)
    assert cal.is_workday(date(2026, 10, 1))  # Thursday of National Day
    assert not cal.is_workday(date(2026, 9, 20))  # the Sunday make-up day does not apply
    assert cal.is_workday(date(2027, 3, 1))
    assert cal.unknown_years == set()


def test_mon_fri_with_adjustments() -> None:
    spec = CalendarSpec(
        workdays="mon-fri",
        holidays=frozenset({date(2026, 3, 2)}),
        extra_workdays=frozenset({date(2026, 3, 7)}),
    )
    cal = WorkCalendar(spec, TZ)
    assert not cal.is_workday(date(2026, 3, 2))
    assert cal.is_workday(date(2026, 3, 7))


def test_candidate_starts_respect_blocks_grid_and_window_edges(cn: WorkCalendar) -> None:
    # Monday 2 March 2026 from 09:10 to Tuesday 3 March 15:00, two hours, 30-minute grid.
    starts = cn.candidate_starts(window("2026-03-02T09:10", "2026-03-03T15:00"), 120)
    assert [s.strftime("%d %H:%M") for s in starts] == [
        "02 09:30",  # 09:10 rounds up to the grid
        "02 10:00",  # last start that ends by 12:00
        "02 14:30",
        "02 15:00",
        "02 15:30",
        "02 16:00",  # ends at 18:00 exactly
        "03 08:30",
        "03 09:00",
        "03 09:30",
        "03 10:00",
        # nothing in the afternoon: 14:30 + 2h passes the window's end at 15:00
    ]
    assert starts == sorted(starts)
    assert {s.utcoffset() for s in starts} == {timedelta(hours=8)}


def test_window_end_is_exclusive_but_meeting_may_end_there(cn: WorkCalendar) -> None:
    starts = cn.candidate_starts(window("2026-03-02T08:30", "2026-03-02T10:30"), 120)
    assert starts == [at("2026-03-02T08:30")]


def test_duration_longer_than_any_block_gives_nothing(cn: WorkCalendar) -> None:
    assert cn.candidate_starts(window("2026-03-02T00:00", "2026-03-31T00:00"), 240) == []


def test_weekend_window_gives_nothing(cn: WorkCalendar) -> None:
    assert cn.candidate_starts(window("2026-03-07T00:00", "2026-03-09T00:00"), 30) == []


def test_other_grid_and_work_hours() -> None:
    spec = CalendarSpec(work_hours=((time(9, 0), time(11, 0)),), slot_minutes=60)
    cal = WorkCalendar(spec, TZ)
    starts = cal.candidate_starts(window("2026-03-02T00:00", "2026-03-03T00:00"), 60)
    assert starts == [at("2026-03-02T09:00"), at("2026-03-02T10:00")]


def test_work_blocks_are_clipped_to_the_window(cn: WorkCalendar) -> None:
    blocks = cn.work_blocks(window("2026-03-06T10:00", "2026-03-09T09:00"))  # Friday to Monday
    assert blocks == [
        (at("2026-03-06T10:00"), at("2026-03-06T12:00")),
        (at("2026-03-06T14:30"), at("2026-03-06T18:00")),
        (at("2026-03-09T08:30"), at("2026-03-09T09:00")),
    ]


def test_block_containing_and_grid(cn: WorkCalendar) -> None:
    assert cn.block_containing(at("2026-03-02T09:00"), at("2026-03-02T12:00")) is not None
    assert cn.block_containing(at("2026-03-02T11:00"), at("2026-03-02T13:00")) is None
    assert cn.block_containing(at("2026-03-07T09:00"), at("2026-03-07T10:00")) is None
    assert cn.on_grid(at("2026-03-02T09:30"))
    assert not cn.on_grid(at("2026-03-02T09:45"))


def test_a_province_year_computes_each_day_once(cn: WorkCalendar) -> None:
    # What keeps a province's 3,000 windows fast: each day's workday status and blocks are worked
    # out once, however many windows cover it (a count, not a clock).
    starts = 0
    for i in range(3000):
        day = 1 + i % 300
        start = datetime.fromordinal(date(2026, 1, 1).toordinal() + day).replace(hour=8, minute=30)
        starts += len(
            cn.candidate_starts((at(start.isoformat()), at(start.replace(hour=18).isoformat())), 180)
        )
    assert starts > 0
    assert len(cn._blocks) == 300 and len(cn._workday) == 300

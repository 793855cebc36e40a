"""Rule 7 (time): in the window, on a workday, inside one work-hours block, on the grid."""

from datetime import datetime, timedelta

from tests.solver.helpers import codes, experts, instance, panel, solve


def test_meeting_lies_in_window_block_and_grid() -> None:
    window = ["2026-03-02T10:15", "2026-03-03T18:00"]
    sol = solve(instance(experts(3), [panel(size=2, window=window, duration=90)]))
    a = sol.panels[0]
    assert a.start.isoformat() == "2026-03-02T10:30:00+08:00"  # first grid point inside the window
    assert a.end - a.start == timedelta(minutes=90)
    assert a.end <= datetime.fromisoformat("2026-03-02T12:00+08:00")


def test_holiday_window_has_no_workday() -> None:
    window = ["2026-10-01T08:30", "2026-10-07T18:00"]
    sol = solve(instance(experts(3), [panel(size=2, window=window)]))
    assert codes(sol) == ["no_workday"]
    assert sol.unfilled[0].reasons[0].message == "窗口内（2026-10-01至2026-10-07）没有工作日"


def test_meeting_longer_than_any_block_has_no_workday() -> None:
    sol = solve(instance(experts(3), [panel(size=2, duration=240)]))
    assert codes(sol) == ["no_workday"]
    assert "240分钟" in sol.unfilled[0].reasons[0].message

"""The holiday table: import, the banner for a year not entered, and what the solver makes of both."""

from __future__ import annotations

import datetime as dt
import io
from collections.abc import Callable
from typing import Any

import pytest
from sqlalchemy import select

from solver.instance import parse_meetings
from solver.validate import validate_meetings
from wenping_sched import solving
from wenping_sched.calendar_admin import operations
from wenping_sched.extensions import db
from wenping_sched.models import (
    JOINT_MEETING_DEPARTMENTS,
    CalendarDay,
    CalendarYear,
    Contact,
    Department,
    Room,
)
from wenping_sched.solving import meetings as scheduling
from wenping_sched.timeutil import parse_local

GOOD_LIST = """日期,类型
# 2027年元旦、春节（示例）
2027-01-01,休,元旦
2027/2/6 ~ 2027/2/12 , 休 , 春节
2027-02-14,班
2027年10月1日 holiday
2027-10-09	workday
"""


@pytest.fixture
def coordinator(make_user: Callable[..., Any], login: Callable[[Any], Any]) -> Any:
    user = make_user()
    login(user)
    return user


@pytest.fixture
def november_2026(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(operations, "today", lambda: dt.date(2026, 11, 25))


def test_parse_is_liberal_in_what_it_reads() -> None:
    parsed = operations.parse_day_list(GOOD_LIST)
    assert parsed.errors == []
    assert parsed.days[dt.date(2027, 1, 1)] == ("holiday", "元旦")
    assert all(parsed.days[dt.date(2027, 2, d)][0] == "holiday" for d in range(6, 13))
    assert parsed.days[dt.date(2027, 2, 14)][0] == "workday"
    assert parsed.days[dt.date(2027, 10, 1)][0] == "holiday"
    assert parsed.days[dt.date(2027, 10, 9)][0] == "workday"
    assert operations.parse_day_list("20270101休\n2027年2月14日班").errors == []


def test_parse_reports_every_bad_line_with_its_number() -> None:
    parsed = operations.parse_day_list("2027-01-01,休\n2027-13-01,休\n2027-01-02,吃饭\n2027-01-04,班\n")
    assert len(parsed.errors) == 3
    assert parsed.errors[0].startswith("第2行") and "2027-13-01" in parsed.errors[0]
    assert parsed.errors[1].startswith("第3行") and "吃饭" in parsed.errors[1]
    assert parsed.errors[2].startswith("第4行") and "周一" in parsed.errors[2]


def test_import_good_list(client: Any, coordinator: Any) -> None:
    resp = client.post("/calendar/import", data={"text": GOOD_LIST}, follow_redirects=True)
    assert resp.status_code == 200
    days = {d.date: d.kind for d in db.session.scalars(select(CalendarDay))}
    assert len(days) == 11
    assert days[dt.date(2027, 2, 14)] == "workday"
    assert db.session.scalar(select(CalendarYear.complete).where(CalendarYear.year == 2027)) is True
    html = resp.get_data(as_text=True)
    assert "2027-02-14" in html and "已录入" in html
    block = solving.calendar_block()
    assert "2027-01-01" in block["holidays"] and block["extra_workdays"] == ["2027-02-14", "2027-10-09"]


def test_import_upload_in_gbk(client: Any, coordinator: Any) -> None:
    data = {"file": (io.BytesIO("2027-01-01,休,元旦\n".encode("gbk")), "2027.csv")}
    resp = client.post(
        "/calendar/import", data=data, content_type="multipart/form-data", follow_redirects=True
    )
    assert resp.status_code == 200
    assert db.session.scalar(select(CalendarDay.note)) == "元旦"


def test_bad_line_rejects_the_whole_list(client: Any, coordinator: Any) -> None:
    resp = client.post("/calendar/import", data={"text": "2027-01-01,休\n2027-02-30,休\n2027-02-14,班\n"})
    html = resp.get_data(as_text=True)
    assert "第2行" in html and "2027-02-30" in html
    assert db.session.scalar(select(CalendarDay)) is None
    assert db.session.scalar(select(CalendarYear)) is None


def test_add_and_remove_a_date_and_mark_the_year(client: Any, coordinator: Any) -> None:
    client.post("/calendar/days", data={"date": "2027-05-01", "kind": "holiday", "note": "劳动节"})
    row = db.session.scalar(select(CalendarDay))
    assert row is not None and row.kind == "holiday" and row.note == "劳动节"
    refused = client.post("/calendar/days", data={"date": "2027-05-03", "kind": "workday"})
    assert "本就是工作日" in refused.get_data(as_text=True)
    client.post(f"/calendar/days/{row.id}/delete")
    assert db.session.scalar(select(CalendarDay)) is None
    client.post("/calendar/years", data={"year": "2027"})
    assert operations.entered_years() == {2027}


def test_banner_until_the_year_is_entered(client: Any, coordinator: Any, november_2026: None) -> None:
    html = client.get("/calendar").get_data(as_text=True)
    assert "2027年放假安排尚未录入" in html
    assert "2026年放假安排尚未录入" not in html  # the package knows 2026
    client.post("/calendar/import", data={"text": "2027-01-01,休"})
    assert "2027年放假安排尚未录入" not in client.get("/calendar").get_data(as_text=True)


def test_banner_only_from_november_and_only_for_coordinators(
    client: Any,
    make_user: Callable[..., Any],
    login: Callable[[Any], Any],
    expert_factory: Callable[..., Any],
    november_2026: None,
) -> None:
    assert operations.missing_years(dt.date(2026, 10, 31)) == []
    assert operations.missing_years(dt.date(2026, 11, 1)) == [2027]
    assert operations.missing_years(dt.date(2027, 3, 1)) == [2027]
    expert = make_user(role="expert", expert_id=expert_factory().id)
    login(expert)
    assert "尚未录入" not in client.get("/").get_data(as_text=True)


def _meeting_setup() -> None:
    for d in db.session.scalars(select(Department)):
        db.session.add(Contact(department=d, name=f"{d.code}联络人"))
    db.session.add(Room(name="市委第三会议室", capacity=30))
    db.session.commit()


def _solve_2027() -> tuple[Any, Any]:
    request = scheduling.MeetingRequest(
        key="J1",
        title="2027年元旦后联席会议",
        required=tuple(code for code, _ in JOINT_MEETING_DEPARTMENTS),
        optional=(),
        window=(parse_local("2027-01-01T08:30"), parse_local("2027-01-05T18:00")),
        duration_minutes=120,
    )
    instance = scheduling.build_meeting_instance([request])
    parsed, solution = scheduling.solve(instance)
    assert validate_meetings(parse_meetings(instance), solution) == []
    return parsed, solution


def test_unknown_year_warns_then_entered_dates_are_used(
    client: Any, coordinator: Any, november_2026: None
) -> None:
    _meeting_setup()
    _, solution = _solve_2027()
    assert [(w.code, w.year) for w in solution.warnings] == [("calendar_unknown", 2027)]
    [meeting] = solution.meetings
    assert meeting.start.date() == dt.date(2027, 1, 1)  # Monday to Friday: a Friday, not known to be off
    assert "2027年放假安排尚未录入" in client.get("/calendar").get_data(as_text=True)

    client.post("/calendar/import", data={"text": "2027-01-01,休,元旦"})
    _, solution = _solve_2027()
    assert solution.warnings == ()
    [meeting] = solution.meetings
    assert meeting.start.date() == dt.date(2027, 1, 4)  # New Year's Day is off now; then the weekend
    assert "2027年放假安排尚未录入" not in client.get("/calendar").get_data(as_text=True)


def test_a_half_entered_year_is_still_flagged_not_half_guessed(
    client: Any, coordinator: Any, november_2026: None
) -> None:
    from wenping_sched.extensions import db
    from wenping_sched.models import CalendarDay

    _meeting_setup()
    # One date typed in by hand, the year not marked entered: the solver must not take 2027 as known.
    db.session.add(CalendarDay(date=dt.date(2027, 1, 1), kind="holiday", note="元旦"))
    db.session.commit()
    _, solution = _solve_2027()
    assert [(w.code, w.year) for w in solution.warnings] == [("calendar_unknown", 2027)]
    assert "2027年放假安排尚未录入" in client.get("/calendar").get_data(as_text=True)

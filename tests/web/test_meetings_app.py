"""Joint meetings in the app: the API, the pages, the quarterly step and the contacts' busy times.

Every scheduled meeting is re-checked with the solver's validator, both against what was stored
with it and against the database as it is now.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import select

from solver.instance import parse_meeting_solution, parse_meetings
from solver.validate import validate_meetings
from wenping_sched.extensions import db
from wenping_sched.models import (
    JOINT_MEETING_DEPARTMENTS,
    Contact,
    ContactBusy,
    Department,
    JointMeeting,
    Room,
)
from wenping_sched.solving import meetings as scheduling
from wenping_sched.timeutil import parse_local

from .dates import at, clear_monday, window

REQUIRED = [code for code, _ in JOINT_MEETING_DEPARTMENTS]
MONDAY = clear_monday(weeks_ahead=2, weeks=2)
WINDOW = window(MONDAY, 0, 11)  # two working weeks, in the future
NEXT_YEAR = MONDAY.year + 1


def add_contacts(per_department: int = 2) -> dict[str, list[Contact]]:
    out: dict[str, list[Contact]] = {}
    for d in db.session.scalars(select(Department)):
        out[d.code] = [Contact(department=d, name=f"{d.code}联络人{i + 1}") for i in range(per_department)]
        db.session.add_all(out[d.code])
    db.session.commit()
    return out


def add_room(name: str = "市委第三会议室", capacity: int = 30) -> Room:
    room = Room(name=name, capacity=capacity, location="市委大楼")
    db.session.add(room)
    db.session.commit()
    return room


def busy(contact: Contact, start: str, end: str) -> None:
    db.session.add(
        ContactBusy(contact=contact, start=parse_local(start), end=parse_local(end), reason="出差")
    )
    db.session.commit()


def body(**overrides: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "title": "2026年第一季度稳评联席会议",
        "required": REQUIRED,
        "optional": ["公安局"],
        "window": WINDOW,
        "duration_minutes": 120,
    }
    data.update(overrides)
    return data


def assert_valid(meeting_id: int) -> JointMeeting:
    """The stored solve and the meeting against today's data both pass the validator."""
    db.session.expire_all()
    meeting = db.session.get(JointMeeting, meeting_id)
    assert meeting is not None and meeting.instance is not None and meeting.solution is not None
    stored = parse_meetings(meeting.instance)
    assert validate_meetings(stored, parse_meeting_solution(meeting.solution)) == []
    instance, solution = scheduling.current_view(meeting)
    assert validate_meetings(instance, solution) == []
    return meeting


@pytest.fixture
def city(make_user: Callable[..., Any], auth_headers: Callable[[Any], dict[str, str]]) -> dict[str, str]:
    return auth_headers(make_user())


def test_post_schedules_a_meeting_on_a_workday_with_one_attendee_each(
    client: Any, city: dict[str, str]
) -> None:
    add_contacts(2)
    room = add_room()
    resp = client.post("/api/v1/joint-meetings", json=body(), headers=city)
    assert resp.status_code == 201, resp.get_json()
    out = resp.get_json()
    start, end = datetime.fromisoformat(out["start"]), datetime.fromisoformat(out["end"])
    assert parse_local(WINDOW[0]) <= start and end <= parse_local(WINDOW[1])
    assert start.weekday() < 5 and (end - start).total_seconds() == 120 * 60
    assert out["room"] == room.name and out["room_id"] == room.id
    by_code = {d["code"]: d for d in out["departments"]}
    for code in REQUIRED:
        assert by_code[code]["required"] is True
        assert len(by_code[code]["attendees"]) == 1
        assert by_code[code]["attendees"][0]["name"].startswith(code)
        assert by_code[code]["confirmation"] == "pending"
    assert len(out["alternatives"]) == 3
    assert all(a["start"] != out["start"] for a in out["alternatives"])
    assert out["status"] == "inviting"
    assert_valid(out["id"])

    got = client.get(f"/api/v1/joint-meetings/{out['id']}", headers=city)
    assert got.status_code == 200
    shown = got.get_json()
    assert shown["start"] == out["start"]
    assert {d["code"]: (d["confirmation"], d["attendee_name"]) for d in shown["departments"]}["纪委"] == (
        "pending",
        None,
    )


def test_unknown_department_is_named(client: Any, city: dict[str, str]) -> None:
    add_contacts(1)
    add_room()
    resp = client.post("/api/v1/joint-meetings", json=body(optional=["财政局"]), headers=city)
    assert resp.status_code == 422
    error = resp.get_json()["error"]
    assert "财政局" in error["message"] and "财政局" in error["fields"]["optional"]


def test_department_always_busy_is_named(client: Any, city: dict[str, str]) -> None:
    contacts = add_contacts(2)
    add_room()
    for c in contacts["信访局"]:
        busy(c, at(MONDAY - timedelta(days=1), "00:00"), at(MONDAY + timedelta(days=12), "00:00"))
    resp = client.post("/api/v1/joint-meetings", json=body(), headers=city)
    assert resp.status_code == 422
    error = resp.get_json()["error"]
    codes = {(r["code"], r.get("department")) for r in error["reasons"]}
    assert ("department_unavailable", "信访局") in codes
    assert "信访局" in error["message"]
    assert db.session.scalar(select(JointMeeting)) is None


def test_room_too_small(client: Any, city: dict[str, str]) -> None:
    add_contacts(2)
    add_room(capacity=10)
    resp = client.post("/api/v1/joint-meetings", json=body(optional=[]), headers=city)
    assert resp.status_code == 422
    assert [r["code"] for r in resp.get_json()["error"]["reasons"]] == ["no_room"]


def test_two_meetings_competing_for_the_same_people_do_not_overlap(client: Any, city: dict[str, str]) -> None:
    add_contacts(1)  # one person per department: both meetings need every one of them
    add_room("第一会议室")
    add_room("第二会议室")
    window = [at(MONDAY), at(MONDAY, "12:00")]
    first = client.post("/api/v1/joint-meetings", json=body(window=window, duration_minutes=90), headers=city)
    second = client.post(
        "/api/v1/joint-meetings",
        json=body(title="分析研判", window=window, duration_minutes=90),
        headers=city,
    )
    assert first.status_code == 201 and second.status_code == 201, second.get_json()
    a, b = first.get_json(), second.get_json()
    assert a["end"] <= b["start"] or b["end"] <= a["start"]
    assert_valid(a["id"])
    assert_valid(b["id"])
    # The same people once more in that morning: no room left in their time.
    third = client.post("/api/v1/joint-meetings", json=body(window=window, duration_minutes=90), headers=city)
    assert third.status_code == 422


def test_joint_meetings_are_the_citys(
    client: Any,
    make_user: Callable[..., Any],
    auth_headers: Callable[[Any], dict[str, str]],
    login: Callable[[Any], Any],
) -> None:
    add_contacts(1)
    add_room()
    county = make_user(scope="敦煌市")
    resp = client.post("/api/v1/joint-meetings", json=body(), headers=auth_headers(county))
    assert resp.status_code == 403
    assert resp.get_json()["error"]["code"] == "forbidden"
    login(county)
    assert client.get("/joint-meetings/new").status_code == 403


def test_calendar_unknown_warning_in_the_api(client: Any, city: dict[str, str]) -> None:
    add_contacts(1)
    add_room()
    resp = client.post(
        "/api/v1/joint-meetings", json=body(window=["2027-01-01T08:30", "2027-01-05T18:00"]), headers=city
    )
    assert resp.status_code == 201
    out = resp.get_json()
    assert [(w["code"], w["year"]) for w in out["warnings"]] == [("calendar_unknown", 2027)]
    assert out["start"].startswith("2027-01-01")  # Monday to Friday: New Year's Day is not known to be off
    assert_valid(out["id"])


def _post_page(client: Any, **fields: Any) -> Any:
    data: dict[str, Any] = {
        "title": "稳评联席会议",
        "kind": "adhoc",
        "required": REQUIRED,
        "optional": ["公安局"],
        "window_start": WINDOW[0],
        "window_end": WINDOW[1],
        "duration_minutes": "120",
    }
    data.update(fields)
    return client.post("/joint-meetings/new", data=data, follow_redirects=True)


def test_new_meeting_page_shows_time_alternatives_and_heat_map(
    client: Any, make_user: Callable[..., Any], login: Callable[[Any], Any]
) -> None:
    contacts = add_contacts(2)
    add_room()
    for c in contacts["教育局"]:
        busy(c, at(MONDAY, "08:00"), at(MONDAY, "12:00"))
    login(make_user())
    form = client.get("/joint-meetings/new")
    html = form.get_data(as_text=True)
    assert form.status_code == 200
    # The thirteen required departments come preselected; 公安局 is optional.
    assert len(re.findall(r'name="required" value="[^"]+"[^>]*checked', html)) == 13
    assert re.search(r'name="optional" value="公安局"[^>]*checked', html)

    resp = _post_page(client)
    assert resp.status_code == 200
    html = resp.get_data(as_text=True)
    meeting = db.session.scalar(select(JointMeeting))
    assert meeting is not None and meeting.status == "proposed"
    assert_valid(meeting.id)
    day = f"{MONDAY.month}月{MONDAY.day}日"
    assert "选定时间" in html and day in html and "14:30" in html  # the morning is taken by 教育局
    assert html.count('class="alternative"') == 3
    assert "备选3" in html
    assert '<table class="heat">' in html
    assert "图例" in html and "全部必到部门可到" in html
    assert re.search(r'class="heat-3[^"]*" title="不能到会：市教育局"', html)  # 12 of 13 that morning
    assert "12/13" in html and "13/13" in html
    assert "周末" in html  # the Saturday and Sunday of the first week
    # The heat map is on the meeting's own page as well.
    again = client.get(f"/joint-meetings/{meeting.id}").get_data(as_text=True)
    assert '<table class="heat">' in again and "不能到会：市教育局" in again


def test_page_shows_reasons_when_unschedulable(
    client: Any, make_user: Callable[..., Any], login: Callable[[Any], Any]
) -> None:
    add_contacts(1)
    add_room(capacity=5)
    login(make_user())
    html = _post_page(client).get_data(as_text=True)
    assert "无法安排的原因" in html
    assert db.session.scalar(select(JointMeeting)) is None


def test_analysis_meeting_with_a_subset(
    client: Any, make_user: Callable[..., Any], login: Callable[[Any], Any]
) -> None:
    add_contacts(1)
    add_room(capacity=5)
    login(make_user())
    assert (
        "checked"
        not in client.get("/joint-meetings/new?kind=analysis")
        .get_data(as_text=True)
        .split('name="required"', 1)[1]
        .split(">", 1)[0]
    )
    resp = _post_page(
        client,
        title="征地拆迁矛盾分析研判",
        kind="analysis",
        required=["信访局", "自然资源局", "住建局"],
        optional=["公安局"],
    )
    assert resp.status_code == 200
    meeting = db.session.scalar(select(JointMeeting))
    assert meeting is not None and meeting.kind == "analysis"
    assert sorted(p.department.code for p in meeting.departments if p.required) == [
        "住建局",
        "信访局",
        "自然资源局",
    ]
    assert_valid(meeting.id)


def test_a_joint_meeting_needs_all_thirteen(client: Any, city: dict[str, str]) -> None:
    add_contacts(1)
    add_room()
    resp = client.post("/api/v1/joint-meetings", json=body(kind="quarterly", required=["纪委"]), headers=city)
    assert resp.status_code == 422
    assert "监察委" in resp.get_json()["error"]["fields"]["required"]
    inferred = client.post("/api/v1/joint-meetings", json=body(required=["纪委", "信访局"]), headers=city)
    assert inferred.status_code == 201 and inferred.get_json()["kind"] == "analysis"


def test_quarterly_meetings_in_one_step(
    client: Any, make_user: Callable[..., Any], login: Callable[[Any], Any]
) -> None:
    add_contacts(2)
    add_room()
    login(make_user())
    resp = client.post(
        "/joint-meetings/quarterly",
        data={"year": str(NEXT_YEAR), "duration_minutes": "120"},
        follow_redirects=True,
    )
    assert resp.status_code == 200
    meetings = list(db.session.scalars(select(JointMeeting).order_by(JointMeeting.start)))
    assert [m.title for m in meetings] == [f"{NEXT_YEAR}年第{q}季度稳评联席会议" for q in "一二三四"]
    for q, m in enumerate(meetings, 1):
        assert m.kind == "quarterly"
        assert m.start is not None and m.start.astimezone(parse_local(WINDOW[0]).tzinfo).month == 3 * q
        assert len([p for p in m.departments if p.required]) == 13
        assert_valid(m.id)
    # Not twice.
    again = client.post(
        "/joint-meetings/quarterly",
        data={"year": str(NEXT_YEAR), "duration_minutes": "120"},
        follow_redirects=True,
    )
    assert "未重复创建" in again.get_data(as_text=True)
    assert len(list(db.session.scalars(select(JointMeeting)))) == 4


def test_choose_an_alternative_and_invite_and_cancel(
    client: Any, make_user: Callable[..., Any], login: Callable[[Any], Any]
) -> None:
    add_contacts(2)
    add_room()
    login(make_user())
    _post_page(client)
    meeting = db.session.scalar(select(JointMeeting))
    assert meeting is not None
    html = client.get(f"/joint-meetings/{meeting.id}").get_data(as_text=True)
    starts = re.findall(r'name="start" value="([^"]+)"', html)
    assert len(starts) == 3
    client.post(f"/joint-meetings/{meeting.id}/move", data={"start": starts[1]})
    moved = assert_valid(meeting.id)
    assert moved.start == datetime.fromisoformat(starts[1])
    client.post(f"/joint-meetings/{meeting.id}/invite")
    db.session.expire_all()
    assert db.session.get(JointMeeting, meeting.id).status == "inviting"  # type: ignore[union-attr]
    client.post(f"/joint-meetings/{meeting.id}/cancel")
    db.session.expire_all()
    cancelled = db.session.get(JointMeeting, meeting.id)
    assert cancelled is not None and cancelled.status == "cancelled" and cancelled.sequence == 1


def test_department_busy_time_form(
    client: Any, make_user: Callable[..., Any], login: Callable[[Any], Any]
) -> None:
    contacts = add_contacts(2)
    add_room()
    login(make_user())
    department = contacts["发改委"][0].department
    page = client.get(f"/joint-meetings/departments/{department.id}")
    assert page.status_code == 200 and "发改委联络人1" in page.get_data(as_text=True)
    target = contacts["发改委"][0]
    resp = client.post(
        f"/joint-meetings/departments/{department.id}/busy",
        data={
            "contact_id": str(target.id),
            "start": at(MONDAY, "08:00"),
            "end": at(MONDAY + timedelta(days=4), "18:00"),
            "reason": "出差",
        },
        follow_redirects=True,
    )
    assert resp.status_code == 200
    rows = list(db.session.scalars(select(ContactBusy)))
    assert [(r.contact_id, r.reason) for r in rows] == [(target.id, "出差")]
    assert "出差" in resp.get_data(as_text=True)
    # An end before the start is refused.
    bad = client.post(
        f"/joint-meetings/departments/{department.id}/busy",
        data={
            "contact_id": str(target.id),
            "start": at(MONDAY + timedelta(days=4), "08:00"),
            "end": at(MONDAY, "18:00"),
        },
    )
    assert "结束时间必须晚于开始时间" in bad.get_data(as_text=True)
    # The solver keeps 发改委联络人1 out of that week.
    client.post(
        "/joint-meetings/new",
        data={
            "title": "会",
            "kind": "adhoc",
            "required": REQUIRED,
            "window_start": at(MONDAY),
            "window_end": at(MONDAY + timedelta(days=4), "18:00"),
            "duration_minutes": "120",
        },
    )
    meeting = assert_valid(db.session.scalar(select(JointMeeting.id)))  # type: ignore[arg-type]
    chosen = next(p for p in meeting.departments if p.department.code == "发改委")
    assert chosen.attendee_contact_ids == [contacts["发改委"][1].id]
    client.post(f"/joint-meetings/busy/{rows[0].id}/delete")
    assert db.session.scalar(select(ContactBusy)) is None
    # A contact can be added on the same page.
    client.post(
        f"/joint-meetings/departments/{department.id}/contacts", data={"name": "新联络人", "position": "科长"}
    )
    assert db.session.scalar(select(Contact).where(Contact.name == "新联络人")) is not None


# --- an analysis meeting about a matter ---------------------------------------------------

ANALYSIS = ["信访局", "自然资源局", "住建局"]


def test_an_analysis_meeting_can_be_about_a_matter(
    client: Any, city: dict[str, str], matter_factory: Callable[..., Any]
) -> None:
    add_contacts(1)
    add_room()
    matter = matter_factory(county="敦煌市", title="敦煌机场扩建征地")
    resp = client.post(
        "/api/v1/joint-meetings",
        json=body(title="征地矛盾分析研判", kind="analysis", required=ANALYSIS, matter_id=matter.id),
        headers=city,
    )
    assert resp.status_code == 201, resp.get_json()
    out = resp.get_json()
    assert out["matter_id"] == matter.id and out["kind"] == "analysis"
    assert (
        client.get(f"/api/v1/joint-meetings/{out['id']}", headers=city).get_json()["matter_id"] == matter.id
    )
    stored = assert_valid(out["id"])
    assert (
        stored.matter_id == matter.id
        and stored.matter is not None
        and stored.matter.title == "敦煌机场扩建征地"
    )
    # Without one the field is there, and null.
    plain = client.post("/api/v1/joint-meetings", json=body(required=ANALYSIS), headers=city)
    assert plain.status_code == 201 and plain.get_json()["matter_id"] is None
    assert_valid(plain.get_json()["id"])
    listed = {m["id"]: m["matter_id"] for m in client.get("/api/v1/joint-meetings", headers=city).get_json()}
    assert listed == {out["id"]: matter.id, plain.get_json()["id"]: None}


def test_an_unknown_matter_is_named(client: Any, city: dict[str, str]) -> None:
    add_contacts(1)
    add_room()
    resp = client.post("/api/v1/joint-meetings", json=body(required=ANALYSIS, matter_id=99999), headers=city)
    assert resp.status_code == 422
    error = resp.get_json()["error"]
    assert "matter_id" in error["fields"]
    assert db.session.scalar(select(JointMeeting)) is None


def test_a_matter_out_of_scope_reads_as_unknown(
    make_user: Callable[..., Any], matter_factory: Callable[..., Any]
) -> None:
    from wenping_sched.meetings import operations
    from wenping_sched.operations import OperationError

    theirs = matter_factory(county="玉门市")
    county = make_user(scope="敦煌市")
    with pytest.raises(OperationError) as seen:
        operations.check_matter(county, theirs.id)
    with pytest.raises(OperationError) as unknown:
        operations.check_matter(county, 99999)
    assert seen.value.status == unknown.value.status == 422
    assert "matter_id" in seen.value.fields and "matter_id" in unknown.value.fields
    assert str(theirs.id) in seen.value.fields["matter_id"]  # its own id, nothing about the matter
    assert "玉门市" not in seen.value.message


def test_call_an_analysis_meeting_from_the_matters_page(
    client: Any,
    make_user: Callable[..., Any],
    login: Callable[[Any], Any],
    matter_factory: Callable[..., Any],
) -> None:
    add_contacts(1)
    add_room()
    matter = matter_factory(county="敦煌市", title="敦煌机场扩建征地")
    other = matter_factory(title="市区供热管网改造")
    login(make_user())
    page = client.get(f"/matters/{matter.id}").get_data(as_text=True)
    assert "尚未就本事项召开" in page
    link = re.search(r'href="([^"]*/joint-meetings/new[^"]*)"[^>]*>召开分析研判会<', page)
    assert link is not None
    form = client.get(link.group(1).replace("&amp;", "&")).get_data(as_text=True)
    assert "关于事项" in form
    assert re.search(rf'<option selected value="{matter.id}">敦煌机场扩建征地（敦煌市）</option>', form)
    assert f'value="{other.id}">市区供热管网改造（市级）</option>' in form
    # Without a matter the analysis form offers the select with nothing chosen.
    plain = client.get("/joint-meetings/new?kind=analysis").get_data(as_text=True)
    assert "关于事项" in plain and '<option selected value="">（不关联事项）</option>' in plain
    assert "关于事项" not in client.get("/joint-meetings/new").get_data(as_text=True)

    resp = _post_page(
        client,
        title="征地矛盾分析研判",
        kind="analysis",
        required=ANALYSIS,
        optional=[],
        matter_id=str(matter.id),
    )
    assert resp.status_code == 200
    meeting = db.session.scalar(select(JointMeeting))
    assert meeting is not None and meeting.matter_id == matter.id
    assert_valid(meeting.id)
    shown = resp.get_data(as_text=True)  # the meeting's page, after the redirect
    assert f'href="/matters/{matter.id}">敦煌机场扩建征地</a>' in shown

    listed = client.get(f"/matters/{matter.id}").get_data(as_text=True)
    assert f'href="/joint-meetings/{meeting.id}">征地矛盾分析研判</a>' in listed
    assert "待确认" in listed and f"{MONDAY.month}月" in listed
    assert "征地矛盾分析研判" not in client.get(f"/matters/{other.id}").get_data(as_text=True)

    # A matter the page does not offer is refused by the form.
    refused = _post_page(client, kind="analysis", required=ANALYSIS, optional=[], matter_id="99999")
    assert "关于事项" in refused.get_data(as_text=True)
    assert len(list(db.session.scalars(select(JointMeeting)))) == 1


def test_a_county_coordinator_sees_the_meeting_but_cannot_call_one(
    client: Any,
    city: dict[str, str],
    make_user: Callable[..., Any],
    login: Callable[[Any], Any],
    matter_factory: Callable[..., Any],
) -> None:
    add_contacts(1)
    add_room()
    matter = matter_factory(county="敦煌市")
    resp = client.post(
        "/api/v1/joint-meetings",
        json=body(title="征地矛盾分析研判", required=ANALYSIS, matter_id=matter.id),
        headers=city,
    )
    assert resp.status_code == 201
    assert_valid(resp.get_json()["id"])
    login(make_user(scope="敦煌市"))
    page = client.get(f"/matters/{matter.id}").get_data(as_text=True)
    assert "征地矛盾分析研判" in page
    assert "/joint-meetings/" not in page and "召开分析研判会" not in page

"""Bad input gets a 4xx naming the field in Chinese: never a 500, never stored half-clean.

The inputs are those that made the service fail (issue 11): JSON nested 100,000 deep, lone
surrogates, integers beyond 64 bits, years 1 and 9999, NaN and Infinity, control characters
and line breaks in names, whitespace-only names, windows in the past or a decade long.
"""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import func, select

from .dates import at, clear_monday, window

MONDAY = clear_monday(weeks_ahead=2, weeks=1)
WINDOW = window(MONDAY, 0, 4)
CJK = re.compile(r"[\u4e00-\u9fff]")


def _expert(**overrides: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "name": "张明",
        "pool": "city",
        "employer": "兰州大学",
        "sectors": ["法律"],
        "phone": "13800001111",
    }
    data.update(overrides)
    return data


def _error(resp: Any, status: int) -> dict[str, Any]:
    assert resp.status_code == status, (resp.status_code, resp.get_data(as_text=True)[:500])
    error = resp.get_json()["error"]
    assert {"code", "message", "fields"} <= set(error)
    assert CJK.search(error["message"]), error
    for message in error["fields"].values():
        assert CJK.search(str(message)), error  # no English left for the person who reads it
    return error


@pytest.fixture
def city(make_user: Any, auth_headers: Any) -> dict[str, str]:
    return auth_headers(make_user())


def _count(model: Any) -> int:
    from wenping_sched.extensions import db

    return int(db.session.scalar(select(func.count()).select_from(model)) or 0)


# --- JSON the parser must never recurse into, or that JSON does not allow -----------------------


@pytest.mark.parametrize("path", ["/api/v1/auth/token", "/api/v1/experts", "/api/v1/matters"])
def test_json_nested_100000_deep_is_400_even_unauthenticated(client, path):
    body = "[" * 100_000 + "]" * 100_000
    error = _error(client.post(path, data=body, content_type="application/json"), 400)
    assert "嵌套" in error["message"]


def test_deep_json_on_the_rsvp_link_is_400(client):
    body = '{"response": ' + "[" * 100_000 + "]" * 100_000 + "}"
    resp = client.post("/rsvp/anything", data=body, content_type="application/json")
    assert resp.status_code == 400 and "嵌套" in resp.get_json()["error"]["message"]


@pytest.mark.parametrize("literal", ["NaN", "Infinity", "-Infinity"])
def test_nan_and_infinity_are_not_json(client, city, literal):
    body = '{"name": "张明", "pool": "city", "employer": "x", "sectors": ["法律"], "load": ' + literal + "}"
    _error(client.post("/api/v1/experts", data=body, content_type="application/json", headers=city), 400)


def test_a_json_body_over_a_megabyte_is_413(client, city):
    body = '{"name": "' + "张" * 400_000 + '"}'
    _error(client.post("/api/v1/experts", data=body, content_type="application/json", headers=city), 413)


# --- lone surrogates ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "field"),
    [
        ('{"username": "\\ud800", "password": "x"}', "username"),
        ('{"username": "abc", "password": "\\udfff"}', "password"),
    ],
)
def test_lone_surrogates_are_refused_with_the_field_named(client, raw, field):
    error = _error(client.post("/api/v1/auth/token", data=raw, content_type="application/json"), 422)
    assert field in error["fields"] and "代理项" in error["fields"][field]


def test_a_lone_surrogate_in_a_key_is_refused(client, city):
    raw = '{"name": "张明", "pool": "city", "employer": "x", "sectors": ["法律"], "\\ud83d": 1}'
    error = _error(
        client.post("/api/v1/experts", data=raw, content_type="application/json", headers=city), 422
    )
    assert "代理项" in error["message"]


# --- numbers beyond what the database or the solver can hold --------------------------------------


@pytest.mark.parametrize(
    ("field", "value"),
    [("load", 2**63 - 1), ("max_load", 2**63 - 1), ("load", 2**70), ("max_load", 1001), ("load", -1)],
)
def test_loads_are_bounded(client, city, field, value):
    from wenping_sched.models import Expert

    error = _error(client.post("/api/v1/experts", json=_expert(**{field: value}), headers=city), 422)
    assert field in error["fields"]
    assert _count(Expert) == 0


def test_integers_beyond_the_database_are_422_everywhere(client, city, matter_factory):
    matter = matter_factory()
    resp = client.post(
        "/api/v1/joint-meetings",
        json={
            "title": "会",
            "required": ["发改委"],
            "window": WINDOW,
            "duration_minutes": 60,
            "matter_id": 2**64,
        },
        headers=city,
    )
    assert "matter_id" in _error(resp, 422)["fields"]
    body = {"size": 3, "window": WINDOW, "duration_minutes": 120, "exclude": [2**80]}
    error = _error(client.post(f"/api/v1/matters/{matter.id}/panels", json=body, headers=city), 422)
    assert "exclude.0" in error["fields"]


def test_max_load_on_the_form_is_bounded(client, login, make_user):
    from wenping_sched.models import Expert

    login(make_user())
    resp = client.post(
        "/experts/new",
        data={
            "name": "张明",
            "pool": "city",
            "employer": "兰州大学",
            "sectors": ["法律"],
            "max_load": str(2**63 - 1),
        },
    )
    assert resp.status_code == 422 and "应在 0 到 1000 之间" in resp.get_data(as_text=True)
    assert _count(Expert) == 0


# --- dates ----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "bad",
    [
        ["0001-01-01T08:30", "0001-01-05T18:00"],
        ["9999-12-27T08:30", "9999-12-31T23:59"],
        [WINDOW[0], "9999-12-31T23:59"],
    ],
)
def test_years_1_and_9999_are_refused(client, city, matter_factory, bad):
    matter = matter_factory()
    body = {"size": 2, "window": bad, "duration_minutes": 120}
    error = _error(client.post(f"/api/v1/matters/{matter.id}/panels", json=body, headers=city), 422)
    assert "window" in " ".join(error["fields"]) and "2000年至2099年" in error["message"]


def test_busy_periods_in_year_1_are_refused(client, city):
    error = _error(
        client.post(
            "/api/v1/experts", json=_expert(busy=[["0001-01-01T00:00", "0001-01-02T00:00"]]), headers=city
        ),
        422,
    )
    assert any(k.startswith("busy") for k in error["fields"])


def test_a_form_date_in_year_9999_is_refused(client, login, make_user, expert_factory):
    from wenping_sched.models import ExpertBusy

    expert = expert_factory()
    user = make_user(role="expert", expert_id=expert.id)
    login(user)
    resp = client.post("/me/busy", data={"start": "9999-12-31T08:00", "end": "9999-12-31T09:00"})
    assert resp.status_code == 422 and "2000年至2099年" in resp.get_data(as_text=True)
    assert _count(ExpertBusy) == 0


# --- windows: not in the past, not a decade long ----------------------------------------------------


def test_a_window_in_the_past_is_refused(client, city, matter_factory):
    from wenping_sched.models import Panel

    matter = matter_factory()
    last_week = window(MONDAY - timedelta(weeks=4), 0, 4)
    error = _error(
        client.post(
            f"/api/v1/matters/{matter.id}/panels",
            json={"size": 2, "window": last_week, "duration_minutes": 120},
            headers=city,
        ),
        422,
    )
    assert "已过" in error["fields"]["window"]
    assert _count(Panel) == 0


def test_a_ten_year_window_is_refused_with_the_bound_in_chinese(client, city, matter_factory):
    matter = matter_factory()
    decade = [WINDOW[0], at(MONDAY.replace(year=MONDAY.year + 10), "18:00")]
    error = _error(
        client.post(
            f"/api/v1/matters/{matter.id}/panels",
            json={"size": 2, "window": decade, "duration_minutes": 120},
            headers=city,
        ),
        422,
    )
    assert "最长 92 天" in error["fields"]["window"]
    meeting = client.post(
        "/api/v1/joint-meetings",
        json={"title": "会", "required": ["发改委"], "window": decade, "duration_minutes": 60},
        headers=city,
    )
    assert "最长 92 天" in _error(meeting, 422)["fields"]["window"]


def test_confirming_a_panel_whose_time_has_passed_is_refused_and_sends_nothing(
    client, city, expert_factory, matter_factory
):
    from wenping_sched.extensions import db
    from wenping_sched.models import Panel, utcnow
    from wenping_sched.models.outbox import OutboxMessage

    for _ in range(3):
        expert_factory(pool="city", sectors=("法律",))
    matter = matter_factory()
    body = {"size": 2, "min_senior": 0, "window": WINDOW, "duration_minutes": 120}
    panel = client.post(f"/api/v1/matters/{matter.id}/panels", json=body, headers=city).get_json()
    row = db.session.get(Panel, panel["id"])
    assert row is not None
    # The proposal waited too long: its meeting time is now in the past.
    row.start, row.end = utcnow() - timedelta(hours=3), utcnow() - timedelta(hours=1)
    db.session.commit()
    error = _error(client.post(f"/api/v1/panels/{panel['id']}/confirm", headers=city), 409)
    assert "已过" in error["message"]
    db.session.expire_all()
    assert db.session.get(Panel, panel["id"]).status == "proposed"  # type: ignore[union-attr]
    assert _count(OutboxMessage) == 0


def test_inviting_to_a_joint_meeting_in_the_past_is_refused(client, login, make_user):
    from wenping_sched.extensions import db
    from wenping_sched.meetings import operations
    from wenping_sched.models import Contact, Department, JointMeeting, Room, utcnow
    from wenping_sched.models.outbox import OutboxMessage
    from wenping_sched.panels.operations import parse_window

    for department in db.session.scalars(select(Department)):
        db.session.add(Contact(department=department, name=f"{department.code}联络人"))
    db.session.add(Room(name="会议室", capacity=40))
    user = make_user()
    db.session.commit()
    scheduled = operations.schedule_meeting(
        user, {"title": "会", "required": ["发改委"], "window": parse_window(WINDOW), "duration_minutes": 60}
    )
    db.session.commit()
    meeting = db.session.get(JointMeeting, scheduled.meeting.id)
    assert meeting is not None
    meeting.start, meeting.end = utcnow() - timedelta(hours=2), utcnow() - timedelta(hours=1)
    db.session.commit()
    login(user)
    resp = client.post(f"/joint-meetings/{meeting.id}/invite", follow_redirects=True)
    assert "会议时间已过" in resp.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(JointMeeting, meeting.id).status == "proposed"  # type: ignore[union-attr]
    assert _count(OutboxMessage) == 0


# --- text: control characters, line breaks, whitespace only -----------------------------------------


@pytest.mark.parametrize("bad", ["张\x00明", "张\x0b明", "张\x1b[31m明", "张明\r\n", "张\n明", "张\u202e明"])
def test_control_characters_in_a_name_are_refused_by_the_api(client, city, bad):
    from wenping_sched.models import Expert

    error = _error(client.post("/api/v1/experts", json=_expert(name=bad), headers=city), 422)
    assert "不能包含" in error["fields"]["name"]
    assert _count(Expert) == 0


@pytest.mark.parametrize("field", ["name", "employer"])
@pytest.mark.parametrize("blank", ["   ", "\u3000\u3000", "\u200b"])
def test_whitespace_only_name_or_employer_is_refused(client, city, field, blank):
    from wenping_sched.models import Expert

    error = _error(client.post("/api/v1/experts", json=_expert(**{field: blank}), headers=city), 422)
    assert "空格" in error["fields"][field]
    assert _count(Expert) == 0


def test_a_line_break_in_a_form_field_is_refused(client, login, make_user):
    from wenping_sched.models import Matter

    login(make_user())
    resp = client.post(
        "/matters/new",
        data={
            "title": "供热\r\n管网改造",
            "category": "城市建设",
            "county": "",
            "responsible_department": "市住建局",
            "description": "第一行\n第二行\t缩进",
        },
    )
    assert resp.status_code == 422 and "不能包含换行符" in resp.get_data(as_text=True)
    assert _count(Matter) == 0
    # A multi-line field keeps its line breaks and tabs.
    ok = client.post(
        "/matters/new",
        data={
            "title": "供热管网改造",
            "category": "城市建设",
            "county": "",
            "responsible_department": "市住建局",
            "description": "第一行\n第二行\t缩进",
        },
    )
    assert ok.status_code == 302
    from wenping_sched.extensions import db

    assert db.session.scalar(select(Matter.description)) == "第一行\n第二行\t缩进"


def test_a_control_character_in_a_query_string_is_400(client, city, login, make_user):
    error = _error(client.get("/api/v1/experts?pool=%00", headers=city), 400)
    assert "pool" in error["fields"]
    login(make_user())
    page = client.get("/outbox?status=%1b")
    assert page.status_code == 400 and "不可见的控制字符" in page.get_data(as_text=True)


def test_a_replacement_name_with_a_line_break_is_refused_on_the_rsvp_link(client):
    # The decline form's free text (reason) may span lines; the attendee's name may not.
    from wenping_sched.invitations.rsvp import answer
    from wenping_sched.models.outbox import Invitation
    from wenping_sched.operations import OperationError

    invitation = Invitation(status="active", response="pending", subject_type="meeting", subject_id=1)
    with pytest.raises(OperationError) as caught:
        answer(invitation, "accept", attendee="李四\n王五")
    assert caught.value.status == 422 and "attendee" in caught.value.fields
    assert invitation.response == "pending"


# --- English messages become Chinese ---------------------------------------------------------------


def test_marshmallow_messages_are_chinese(client, city):
    error = _error(client.post("/api/v1/auth/token", json={"username": "x" * 65, "password": "p"}), 422)
    assert error["fields"]["username"] == "长度应在 1 到 64 个字之间" or "64" in error["fields"]["username"]
    error = _error(
        client.post("/api/v1/experts", json=_expert(senior="maybe", sectors="法律"), headers=city), 422
    )
    assert set(error["fields"]) >= {"senior", "sectors"}


# --- queued work per office -------------------------------------------------------------------------


def test_an_office_cannot_queue_more_than_three_plans(app, client, city, matter_factory):
    app.config["PLAN_AUTOSTART"] = False
    matter = matter_factory()
    item = [{"matter_id": matter.id, "size": 1, "window": WINDOW, "duration_minutes": 60}]
    for _ in range(3):
        assert client.post("/api/v1/plans", json=item, headers=city).status_code == 202
    error = _error(client.post("/api/v1/plans", json=item, headers=city), 429)
    assert "排队" in error["message"]


def test_inf_and_nan_in_a_plan_row_are_row_errors(client, login, make_user, matter_factory):
    matter = matter_factory()
    login(make_user())
    start, end = (w.replace("T", " ") for w in WINDOW)
    rows = (
        "事项编号,人数,席位,高级职称人数,窗口开始,窗口结束,时长\n"
        f"{matter.id},inf,,0,{start},{end},60\n"
        f"{matter.id},2,,nan,{start},{end},60\n"
        f"{matter.id},2,,0,0001-01-01 08:30,{end},60\n"
    )
    resp = client.post("/plans", data={"rows": rows})
    html = resp.get_data(as_text=True)
    assert resp.status_code == 422
    assert "第 2 行“人数”应为整数" in html and "第 3 行“高级职称人数”应为整数" in html and "第 4 行" in html

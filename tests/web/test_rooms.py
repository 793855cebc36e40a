"""Rooms: list, add, edit; each room's bookings; panels in a room keep joint meetings out."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from sqlalchemy import select

from solver.validate import validate_meetings
from tests.web.dates import clear_monday, window
from wenping_sched.extensions import db
from wenping_sched.models import JOINT_MEETING_DEPARTMENTS, Contact, Department, JointMeeting, Panel, Room
from wenping_sched.solving import meetings as scheduling
from wenping_sched.timeutil import parse_local

REQUIRED = [code for code, _ in JOINT_MEETING_DEPARTMENTS]


def _contacts() -> None:
    for d in db.session.scalars(select(Department)):
        db.session.add(Contact(department=d, name=f"{d.code}联络人"))
    db.session.commit()


def _panel_in(matter: Any, location: str, start: str, end: str) -> Panel:
    panel = Panel(
        matter=matter,
        status="inviting",
        size=5,
        seats={},
        min_senior=0,
        window_start=parse_local(start),
        window_end=parse_local(end),
        duration_minutes=180,
        location=location,
        start=parse_local(start),
        end=parse_local(end),
        seed=1,
    )
    db.session.add(panel)
    db.session.commit()
    return panel


def test_add_and_edit_rooms(client: Any, make_user: Callable[..., Any], login: Callable[[Any], Any]) -> None:
    login(make_user())
    resp = client.post(
        "/rooms",
        data={"name": "市委第三会议室", "capacity": "30", "location": "市委大楼三楼"},
        follow_redirects=True,
    )
    assert resp.status_code == 200 and "市委第三会议室" in resp.get_data(as_text=True)
    room = db.session.scalar(select(Room))
    assert room is not None and room.capacity == 30
    twice = client.post("/rooms", data={"name": "市委第三会议室", "capacity": "10"})
    assert "同名会议室" in twice.get_data(as_text=True)
    bad = client.post("/rooms", data={"name": "小会议室", "capacity": "-1"})
    assert bad.status_code == 200 and db.session.scalar(select(Room).where(Room.name == "小会议室")) is None
    client.post(f"/rooms/{room.id}", data={"name": "市委第一会议室", "capacity": "40", "location": "一楼"})
    db.session.expire_all()
    assert (room.name, room.capacity) == ("市委第一会议室", 40)


def test_county_coordinators_see_rooms_but_do_not_edit(
    client: Any, make_user: Callable[..., Any], login: Callable[[Any], Any]
) -> None:
    db.session.add(Room(name="市委第三会议室", capacity=30))
    db.session.commit()
    login(make_user(scope="瓜州县"))
    assert client.get("/rooms").status_code == 200
    assert client.post("/rooms", data={"name": "X", "capacity": "3"}).status_code == 403


def test_bookings_list_panels_and_meetings(
    client: Any,
    make_user: Callable[..., Any],
    login: Callable[[Any], Any],
    auth_headers: Callable[[Any], dict[str, str]],
    matter_factory: Callable[..., Any],
) -> None:
    _contacts()
    room = Room(name="市委第三会议室", capacity=30)
    db.session.add(room)
    db.session.commit()
    matter = matter_factory(title="敦煌机场扩建项目")
    # The panel takes the room for all of Monday: the joint meeting must go elsewhere in time.
    monday = clear_monday(weeks_ahead=2, weeks=1)
    _panel_in(matter, room.name, *window(monday, 0, 0))
    user = make_user()
    resp = client.post(
        "/api/v1/joint-meetings",
        json={
            "title": "联席会议",
            "required": REQUIRED,
            "window": window(monday, 0, 1),
            "duration_minutes": 120,
        },
        headers=auth_headers(user),
    )
    assert resp.status_code == 201, resp.get_json()
    assert resp.get_json()["start"].startswith(window(monday, 1, 1)[0][:10])
    meeting = db.session.get(JointMeeting, resp.get_json()["id"])
    assert meeting is not None
    instance, solution = scheduling.current_view(meeting)
    assert validate_meetings(instance, solution) == []
    login(user)
    html = client.get(f"/rooms/{room.id}").get_data(as_text=True)
    assert "敦煌机场扩建项目" in html and "联席会议" in html
    assert "预订）" not in html and "预订（2）" in html


def test_renaming_a_room_keeps_its_panels(
    client: Any,
    make_user: Callable[..., Any],
    login: Callable[[Any], Any],
    matter_factory: Callable[..., Any],
) -> None:
    room = Room(name="旧名", capacity=10)
    db.session.add(room)
    db.session.commit()
    panel = _panel_in(matter_factory(), "旧名", *window(clear_monday(), 0, 0, end="11:30"))
    login(make_user())
    client.post(f"/rooms/{room.id}", data={"name": "新名", "capacity": "10"})
    db.session.expire_all()
    assert db.session.get(Panel, panel.id).location == "新名"  # type: ignore[union-attr]

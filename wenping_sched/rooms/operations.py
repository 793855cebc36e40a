"""Rooms: add and edit; list a room's bookings.

A panel books a room by its ``location`` naming the room (panels have no room id yet); a
joint meeting books its ``room``. Both kinds of booking keep the room from other meetings.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from flask_babel import gettext as _
from sqlalchemy import select

from .. import audit
from ..extensions import db
from ..models import BOOKING_STATES, JointMeeting, Panel, Room, User
from ..operations import OperationError


@dataclass(frozen=True)
class Booking:
    kind: str  # "panel" | "joint_meeting"
    id: int
    title: str
    start: datetime
    end: datetime
    status: str


def _check_name(name: str, room_id: int | None) -> str:
    name = name.strip()
    if not name:
        raise OperationError(_("请填写会议室名称"), 422, {"name": _("请填写会议室名称")})
    other = db.session.scalar(select(Room).where(Room.name == name))
    if other is not None and other.id != room_id:
        raise OperationError(_("已有同名会议室“%(n)s”", n=name), 409, {"name": _("名称已被使用")})
    return name


def create_room(user: User, name: str, capacity: int, location: str = "") -> Room:
    room = Room(name=_check_name(name, None), capacity=capacity, location=location.strip())
    db.session.add(room)
    db.session.flush()
    audit.record("room.create", user, target=f"room:{room.id}", name=room.name, capacity=capacity)
    return room


def update_room(user: User, room: Room, name: str, capacity: int, location: str = "") -> Room:
    old_name = room.name
    room.name = _check_name(name, room.id)
    room.capacity = capacity
    room.location = location.strip()
    if old_name != room.name:
        # Panels name their room in ``location``: keep their bookings with the renamed room.
        for panel in db.session.scalars(select(Panel).where(Panel.location == old_name)):
            panel.location = room.name
    audit.record("room.update", user, target=f"room:{room.id}", name=room.name, capacity=capacity)
    return room


def bookings(room: Room, since: datetime | None = None) -> list[Booking]:
    """The room's panels and joint meetings (not cancelled), in time order."""
    out: list[Booking] = []
    panels = select(Panel).where(
        Panel.location == room.name, Panel.status != "cancelled", Panel.start.is_not(None)
    )
    meetings = select(JointMeeting).where(
        JointMeeting.room_id == room.id,
        JointMeeting.status.in_(BOOKING_STATES),
        JointMeeting.start.is_not(None),
    )
    if since is not None:
        panels = panels.where(Panel.end > since)
        meetings = meetings.where(JointMeeting.end > since)
    for p in db.session.scalars(panels):
        assert p.start is not None and p.end is not None
        out.append(Booking("panel", p.id, p.matter.title, p.start, p.end, p.status))
    for m in db.session.scalars(meetings):
        assert m.start is not None and m.end is not None
        out.append(Booking("joint_meeting", m.id, m.title, m.start, m.end, m.status))
    return sorted(out, key=lambda b: (b.start, b.kind, b.id))

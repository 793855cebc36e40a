"""/rooms: list, add and edit rooms; each room's bookings."""

from __future__ import annotations

from dataclasses import replace

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select
from werkzeug.wrappers import Response

from ..auth.routes import coordinator_required
from ..extensions import db
from ..models import Matter, Panel, Room
from ..operations import OperationError
from . import operations
from .forms import RoomForm

bp = Blueprint("rooms", __name__, url_prefix="/rooms")


def _city_only() -> None:
    # Rooms are the city office's: county coordinators see them, only the city edits them.
    if not current_user.is_city:
        abort(403)


@bp.route("", methods=["GET", "POST"])
@coordinator_required
def index() -> str | Response:
    form = RoomForm()
    if request.method == "POST":
        _city_only()
        if form.validate_on_submit():
            try:
                room = operations.create_room(
                    current_user, form.name.data or "", form.capacity.data or 0, form.location.data or ""
                )
            except OperationError as e:
                db.session.rollback()
                form.name.errors = [*form.name.errors, e.message]
            else:
                db.session.commit()
                flash(_("已添加会议室“%(n)s”", n=room.name), "success")
                return redirect(url_for("rooms.index"))
    rooms = list(db.session.scalars(select(Room).order_by(Room.name)))
    return render_template("rooms/index.html", rooms=rooms, form=form)


@bp.route("/<int:room_id>", methods=["GET", "POST"])
@coordinator_required
def detail(room_id: int) -> str | Response:
    room = db.session.get(Room, room_id)
    if room is None:
        abort(404)
    form = RoomForm(obj=room)
    if request.method == "POST":
        _city_only()
        if form.validate_on_submit():
            try:
                operations.update_room(
                    current_user,
                    room,
                    form.name.data or "",
                    form.capacity.data or 0,
                    form.location.data or "",
                )
            except OperationError as e:
                db.session.rollback()
                form.name.errors = [*form.name.errors, e.message]
            else:
                db.session.commit()
                flash(_("已保存"), "success")
                return redirect(url_for("rooms.detail", room_id=room.id))
    return render_template("rooms/detail.html", room=room, form=form, bookings=_visible_bookings(room))


def _visible_bookings(room: Room) -> list[operations.Booking]:
    """A county coordinator sees that the room is taken by another county's panel, not which matter."""
    bookings = operations.bookings(room)
    if current_user.is_city:
        return bookings
    panels = {b.id for b in bookings if b.kind == "panel"}
    own = set(
        db.session.scalars(
            select(Panel.id)
            .join(Panel.matter)
            .where(Panel.id.in_(panels), Matter.county == current_user.scope)
        )
    )
    return [
        b if b.kind != "panel" or b.id in own else replace(b, id=0, title=_("其他县区的评审组"))
        for b in bookings
    ]

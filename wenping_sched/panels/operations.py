"""Panels: propose by draw, confirm, redraw after a decline, reschedule, cancel.

Each operation changes rows and writes the audit log in the caller's transaction; the
views commit. The solver runs through ``solving``; every draw leaves a DrawRecord that
replays to the same panel.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import select

from solver.instance import InstanceError, PanelSolution

from .. import audit, locking, solving
from ..extensions import db
from ..invitations import notifications
from ..models import DrawRecord, Matter, Panel, PanelMember, Sector, User
from ..operations import OperationError
from ..timeutil import iso_local, parse_local
from ..validation import MAX_WINDOW, past_problem

ACTIVE_MEMBER_STATES = ("proposed", "pending", "accepted")


def _check_request(data: dict[str, Any]) -> None:
    """Rules a schema cannot say alone: seats add up, sectors exist, window has room."""
    fields: dict[str, str] = {}
    seats = data.get("seats") or {}
    if sum(seats.values()) > data["size"]:
        fields["seats"] = _(
            "各领域席位之和（%(n)d）不能超过评审组人数（%(s)d）", n=sum(seats.values()), s=data["size"]
        )
    known = set(db.session.scalars(select(Sector.name).where(Sector.active.is_(True))))
    unknown = [s for s in seats if s not in known]
    if unknown:
        fields["seats"] = _("未知的专业领域：%(s)s", s="、".join(unknown))
    if data.get("min_senior", 0) > data["size"]:
        fields["min_senior"] = _("高级职称人数不能超过评审组人数")
    start, end = data["window"]
    if end - start < timedelta(minutes=data["duration_minutes"]):
        fields["window"] = _("时间窗口短于会议时长")
    elif end - start > MAX_WINDOW:
        fields["window"] = _("时间窗口最长 %(n)d 天，请缩短后再抽取", n=MAX_WINDOW.days)
    elif past_problem(start):
        fields["window"] = _("时间窗口的开始%(p)s", p=past_problem(start))
    if fields:
        raise OperationError(_("请求数据不符合规则：") + "；".join(fields.values()), 422, fields)


def _unfilled_error(solution: PanelSolution, fixed_note: str = "") -> OperationError:
    reasons = [r.to_json() for u in solution.unfilled for r in u.reasons]
    message = _("无法组成评审组：") + "；".join(r["message"] for r in reasons) + fixed_note
    return OperationError(message, 422, {}, code="unfillable", extra={"reasons": reasons})


def _instance_error(e: InstanceError) -> OperationError:
    fields = {p.pointer.rsplit("/", 1)[-1] or "_schema": p.message for p in e.problems}
    return OperationError(_("请求数据不符合规则：") + "；".join(fields.values()), 422, fields)


def _room_busy(
    location: str, window: tuple[datetime, datetime], panel_id: int | None = None
) -> tuple[tuple[datetime, datetime], ...]:
    from ..meetings.scheduling import room_busy

    if not location:
        return ()
    locking.lock_rooms()
    return tuple(room_busy(location, window, panel_id) or ())


def _request_for(matter: Matter, data: dict[str, Any], **overrides: Any) -> solving.PanelRequest:
    values: dict[str, Any] = {
        "pools": matter.pools,
        "size": data["size"],
        "seats": dict(data.get("seats") or {}),
        "min_senior": data.get("min_senior", 0),
        "conflicts": list(dict.fromkeys([*matter.conflicts, *data.get("conflicts", [])])),
        "window": tuple(data["window"]),
        "duration_minutes": data["duration_minutes"],
        "matter_title": matter.title,
        "exclude": tuple(data.get("exclude", [])),
        "seed": data.get("seed"),
    }
    values.update(overrides)
    return solving.PanelRequest(**values)


def _record(panel: Panel, outcome: solving.DrawOutcome, user: User | None, kind: str) -> DrawRecord:
    names = {int(e["id"]): e["name"] for e in outcome.instance["experts"]}
    [assignment] = outcome.parsed.panels
    seat_of = {eid: sector for sector, ids in assignment.seats for eid in ids}
    record = DrawRecord(
        panel=panel,
        kind=kind,
        created_by_id=user.id if user else None,
        seed=outcome.parsed.seed,
        pools=list(outcome.instance["panels"][0]["pools"]),
        eligible_count=outcome.eligible_count,
        avoided=outcome.avoided,
        drawn=[
            {"expert_id": int(e), "name": names[int(e)], "seat": seat_of.get(e)} for e in assignment.experts
        ],
        instance=outcome.instance,
        solution=outcome.solution,
    )
    db.session.add(record)
    return record


def propose_panel(user: User, matter: Matter, data: dict[str, Any]) -> Panel:
    """Draw a panel for a matter and store it as ``proposed`` with its draw record."""
    _check_request(data)
    locking.lock_pools(matter.pools)
    request = _request_for(matter, data, room_busy=_room_busy(data.get("location", ""), data["window"]))
    try:
        outcome = solving.draw_panel(request)
    except InstanceError as e:
        raise _instance_error(e) from e
    if outcome.parsed.unfilled:
        audit.record(
            "panel.draw_failed",
            user,
            target=f"matter:{matter.id}",
            reasons=[r.code for u in outcome.parsed.unfilled for r in u.reasons],
        )
        raise _unfilled_error(outcome.parsed)
    [assignment] = outcome.parsed.panels
    start, end = data["window"]
    panel = Panel(
        matter=matter,
        status="proposed",
        size=data["size"],
        seats=dict(data.get("seats") or {}),
        min_senior=data.get("min_senior", 0),
        window_start=start,
        window_end=end,
        duration_minutes=data["duration_minutes"],
        location=data.get("location", ""),
        start=assignment.start,
        end=assignment.end,
        seed=outcome.parsed.seed,
        extra_conflicts=list(data.get("conflicts", [])),
        excluded_expert_ids=list(data.get("exclude", [])),
        created_by_id=user.id,
        sequence=0,
    )
    db.session.add(panel)
    record = _record(panel, outcome, user, "draw")
    seat_of = {eid: sector for sector, ids in assignment.seats for eid in ids}
    for eid in assignment.experts:
        panel.members.append(
            PanelMember(expert_id=int(eid), seat=seat_of.get(eid), state="proposed", draw=record)
        )
    db.session.flush()
    audit.record(
        "panel.draw",
        user,
        target=f"panel:{panel.id}",
        matter=matter.id,
        seed=panel.seed,
        members=[int(e) for e in assignment.experts],
    )
    return panel


def confirm_panel(user: User, panel: Panel) -> Panel:
    """Accept the proposal: members become invited (``pending``); the invitations go out."""
    if panel.status != "proposed":
        raise OperationError(_("只有待确认的评审组可以确认（当前状态：%(s)s）", s=panel.status), 409)
    if panel.start is not None and past_problem(panel.start):
        # Invitations to a meeting that has begun would only confuse: draw again for a later time.
        raise OperationError(_("评审会的时间已过，不能确认或发出邀请；请重新抽取"), 409, code="past")
    panel.status = "inviting"
    for m in panel.members:
        if m.state == "proposed":
            m.state = "pending"
    audit.record("panel.confirm", user, target=f"panel:{panel.id}")
    notifications.notify_panel_invited(panel)
    return panel


def active_members(panel: Panel) -> list[PanelMember]:
    return [m for m in panel.members if m.state in ACTIVE_MEMBER_STATES]


def _panel_data(panel: Panel, window: tuple[datetime, datetime]) -> dict[str, Any]:
    return {
        "size": panel.size,
        "seats": panel.seats,
        "min_senior": panel.min_senior,
        "window": window,
        "duration_minutes": panel.duration_minutes,
        "conflicts": panel.extra_conflicts,
        "exclude": panel.excluded_expert_ids,
    }


def redraw_request(panel: Panel) -> solving.PanelRequest:
    """The same panel at the same time, members still on it fixed, everyone who left excluded."""
    assert panel.start is not None and panel.end is not None
    keep = active_members(panel)
    gone = [m.expert_id for m in panel.members if m.state not in ACTIVE_MEMBER_STATES]
    data = _panel_data(panel, (panel.start, panel.end))
    data["exclude"] = list(dict.fromkeys([*panel.excluded_expert_ids, *gone]))
    return _request_for(panel.matter, data, fixed=tuple(m.expert_id for m in keep), seed=None)


def redraw(user: User | None, panel: Panel) -> list[PanelMember]:
    """补抽: keep the members still on the panel, exclude decliners, fill the empty seats at the same time."""
    if panel.status in ("cancelled",) or panel.start is None or panel.end is None:
        raise OperationError(_("该评审组已取消，不能补抽"), 409)
    keep = active_members(panel)
    if len(keep) >= panel.size:
        return []
    if past_problem(panel.start):
        raise OperationError(_("评审会已经开始，不能再补抽"), 409, code="past")
    request = redraw_request(panel)
    locking.lock_pools(request.pools)
    outcome = solving.draw_panel(request, panel_id=str(panel.id), ignore_panel_id=panel.id)
    if outcome.parsed.unfilled:
        audit.record(
            "panel.redraw_failed",
            user,
            target=f"panel:{panel.id}",
            reasons=[r.code for u in outcome.parsed.unfilled for r in u.reasons],
        )
        raise _unfilled_error(outcome.parsed)
    [assignment] = outcome.parsed.panels
    record = _record(panel, outcome, user, "redraw")
    seat_of = {int(eid): sector for sector, ids in assignment.seats for eid in ids}
    for m in keep:
        m.seat = seat_of.get(m.expert_id)
    added = []
    kept_ids = {m.expert_id for m in keep}
    state = "proposed" if panel.status == "proposed" else "pending"
    for eid in (int(e) for e in assignment.experts):
        if eid not in kept_ids:
            member = PanelMember(expert_id=eid, seat=seat_of.get(eid), state=state, draw=record)
            panel.members.append(member)
            added.append(member)
    db.session.flush()
    audit.record(
        "panel.redraw", user, target=f"panel:{panel.id}", seed=record.seed, added=[m.expert_id for m in added]
    )
    if state == "pending":
        notifications.notify_panel_invited(panel, added)
    return added


def reschedule(user: User, panel: Panel, window: tuple[datetime, datetime]) -> Panel:
    """A new time for the same members, if one exists in the window; SEQUENCE goes up."""
    if panel.status == "cancelled":
        raise OperationError(_("该评审组已取消"), 409)
    members = active_members(panel)
    data = _panel_data(panel, window)
    data["size"] = len(members)
    data["seats"] = {}
    data["min_senior"] = 0
    data["exclude"] = []
    _check_request(data)
    locking.lock_pools(panel.matter.pools)
    request = _request_for(
        panel.matter,
        data,
        fixed=tuple(m.expert_id for m in members),
        seed=panel.seed,
        room_busy=_room_busy(panel.location, window, panel.id),
    )
    try:
        outcome = solving.draw_panel(request, panel_id=str(panel.id), ignore_panel_id=panel.id)
    except InstanceError as e:
        raise _instance_error(e) from e
    if outcome.parsed.unfilled:
        raise _unfilled_error(outcome.parsed, _("（原成员在新窗口内没有共同空闲时间）"))
    [assignment] = outcome.parsed.panels
    panel.window_start, panel.window_end = window
    panel.start, panel.end = assignment.start, assignment.end
    panel.sequence += 1
    audit.record("panel.reschedule", user, target=f"panel:{panel.id}", start=iso_local(panel.start))
    if panel.status != "proposed":
        notifications.notify_panel_rescheduled(panel)
    return panel


def cancel(user: User, panel: Panel) -> Panel:
    if panel.status == "cancelled":
        raise OperationError(_("该评审组已取消"), 409)
    panel.status = "cancelled"
    panel.sequence += 1
    audit.record("panel.cancel", user, target=f"panel:{panel.id}")
    notifications.notify_panel_cancelled(panel)
    return panel


def panel_to_dict(panel: Panel) -> dict[str, Any]:
    seats: dict[str, list[int]] = {}
    for m in panel.members:
        if m.seat and m.state in ACTIVE_MEMBER_STATES:
            seats.setdefault(m.seat, []).append(m.expert_id)
    return {
        "id": panel.id,
        "matter_id": panel.matter_id,
        "status": panel.status,
        "start": iso_local(panel.start),
        "end": iso_local(panel.end),
        "seed": panel.seed,
        "size": panel.size,
        "location": panel.location,
        "seats": seats,
        "members": [
            {"expert_id": m.expert_id, "name": m.expert.name, "seat": m.seat, "state": m.state}
            for m in panel.members
        ],
        "draws": [d.id for d in panel.draws],
        # e.g. calendar_unknown: the year's statutory schedule was not entered, Mon-Fri was assumed
        "warnings": list(panel.draws[-1].solution.get("warnings", [])) if panel.draws else [],
    }


def parse_window(values: list[str]) -> tuple[datetime, datetime]:
    return parse_local(values[0]), parse_local(values[1])

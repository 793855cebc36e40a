"""Panels: request a draw, confirm, redraw after a decline, reschedule, cancel.

Each operation changes rows and writes the audit log in the caller's transaction; the
views commit. A panel comes from a draw (``draws.operations``: committed, then revealed);
every draw leaves a DrawRecord that anyone can verify, and none is ever deleted.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import select

from .. import audit, locking, solving
from ..draws import operations as draws
from ..extensions import db
from ..invitations import notifications
from ..models import DrawRecord, Expert, Matter, Panel, PanelMember, Sector, User
from ..operations import OperationError
from ..solving import InstanceError, PanelSolution
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
    return draws.unfilled_error([r.to_json() for u in solution.unfilled for r in u.reasons], fixed_note)


def _instance_error(e: InstanceError) -> OperationError:
    fields = {p.pointer.rsplit("/", 1)[-1] or "_schema": p.message for p in e.problems}
    return OperationError(_("请求数据不符合规则：") + "；".join(fields.values()), 422, fields)


# Kept for callers of the earlier name; the draws own it now.
_room_busy = draws.room_busy


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


def _exclusions(matter: Matter, data: dict[str, Any]) -> list[dict[str, Any]]:
    """The experts the coordinator excluded, each with a name and the reason the record shows."""
    reasons: dict[int, str] = {int(i): "" for i in data.get("exclude", [])}
    for x in data.get("exclusions", []):
        reasons[int(x["expert_id"])] = (x.get("reason") or "").strip()
    if not reasons:
        return []
    experts = {e.id: e for e in db.session.scalars(select(Expert).where(Expert.id.in_(list(reasons))))}
    unknown = [str(i) for i in reasons if i not in experts]
    if unknown:
        message = _("指定回避的专家不存在：%(ids)s", ids="、".join(unknown))
        raise OperationError(message, 422, {"exclusions": message})
    return [
        {
            "expert_id": i,
            "name": experts[i].name,
            "reason": _("本次由协调员指定回避：%(r)s", r=why) if why else _("本次由协调员指定回避"),
        }
        for i, why in reasons.items()
    ]


def commit_draw(user: User, matter: Matter, data: dict[str, Any]) -> DrawRecord:
    """Commit to the lottery of a panel request for the matter (the first step of a witnessed draw)."""
    _check_request(data)
    exclusions = _exclusions(matter, data)
    request = _request_for(matter, data, seed=None, exclude=tuple(x["expert_id"] for x in exclusions))
    record_data = draws.request_data(
        request,
        location=data.get("location", ""),
        extra_conflicts=list(data.get("conflicts", [])),
        exclusions=exclusions,
    )
    try:
        return draws.commit(user, matter, request, record_data, kind="draw")
    except InstanceError as e:
        raise _instance_error(e) from e


def propose_panel(user: User, matter: Matter, data: dict[str, Any]) -> Panel:
    """Draw a panel in one step (no witness): commit and reveal at once; the panel is ``proposed``."""
    # The lottery and the reveal see the same bookings: nobody else draws from these pools meanwhile.
    locking.lock_pools(matter.pools)
    record = commit_draw(user, matter, data)
    return draws.reveal(user, record, None, "").panel


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


def _excluded_reasons(panel: Panel) -> dict[int, str]:
    """The coordinator's exclusions of the panel's first draw, with the reasons its record shows."""
    first = next((d for d in panel.draws if d.kind != "redraw"), None)
    reasons = {int(i): _("本次由协调员指定回避") for i in panel.excluded_expert_ids or []}
    if first is not None:
        reasons.update({int(x["expert_id"]): x["reason"] for x in first.request.get("exclusions", [])})
    return reasons


def redraw_request(panel: Panel, keep_seats: bool = True) -> tuple[solving.PanelRequest, dict[str, Any]]:
    """补抽 as its own draw, at the same time, from everyone who may still sit.

    ``keep_seats`` (the rule): the members still on the panel keep their seats, so the lottery is
    over who fills what the decliners left: their seats, the seniors still missing, one per
    employer; the members who stay and their colleagues are avoided, each with the reason.
    Otherwise (only when that cannot be filled) the members who stay are ``fixed`` and the
    seats are dealt again among everyone; the record says whose seat changed.
    """
    assert panel.start is not None and panel.end is not None
    keep = active_members(panel)
    gone = [m for m in panel.members if m.state not in ACTIVE_MEMBER_STATES]
    excluded = _excluded_reasons(panel)
    names = dict(
        db.session.execute(select(Expert.id, Expert.name).where(Expert.id.in_(list(excluded)))).all()
    )
    exclusions = [{"expert_id": i, "name": names.get(i, ""), "reason": why} for i, why in excluded.items()]
    gone_reason = {"declined": _("已谢绝本次邀请"), "replaced": _("已被替换")}
    exclusions += [
        {
            "expert_id": m.expert_id,
            "name": m.expert.name,
            "reason": gone_reason.get(m.state, _("已离开本评审组")),
        }
        for m in gone
    ]
    values: dict[str, Any] = {
        "size": panel.size,
        "seats": dict(panel.seats or {}),
        "min_senior": panel.min_senior,
        "window": (panel.start, panel.end),
        "duration_minutes": panel.duration_minutes,
        "conflicts": panel.extra_conflicts,
    }
    fixed: tuple[int, ...] = tuple(m.expert_id for m in keep)
    if keep_seats:
        fixed = ()
        held: dict[str, int] = {}
        for m in keep:
            if m.seat:
                held[m.seat] = held.get(m.seat, 0) + 1
        values["size"] = panel.size - len(keep)
        values["seats"] = {s: n - held.get(s, 0) for s, n in values["seats"].items() if n > held.get(s, 0)}
        values["min_senior"] = max(0, panel.min_senior - sum(1 for m in keep if m.expert.senior))
        exclusions += [
            {"expert_id": m.expert_id, "name": m.expert.name, "reason": _("已在本评审组（保留席位）")}
            for m in keep
        ]
        employers = {m.expert.employer: m.expert.name for m in keep}
        colleagues = db.session.scalars(
            select(Expert).where(
                Expert.employer.in_(list(employers)), Expert.id.not_in([m.expert_id for m in keep])
            )
        )
        exclusions += [
            {
                "expert_id": e.id,
                "name": e.name,
                "reason": _("与在组成员%(n)s同一工作单位（每组每单位至多一人）", n=employers[e.employer]),
            }
            for e in colleagues
        ]
    exclusions = list({x["expert_id"]: x for x in reversed(exclusions)}.values())[::-1]
    request = _request_for(
        panel.matter, values, seed=None, exclude=tuple(x["expert_id"] for x in exclusions), fixed=fixed
    )
    data = draws.request_data(
        request,
        location=panel.location,
        panel_size=panel.size,
        exclusions=exclusions,
        kept=[{"expert_id": m.expert_id, "name": m.expert.name, "seat": m.seat} for m in keep],
        replaces=[
            {"expert_id": m.expert_id, "name": m.expert.name, "seat": m.seat}
            for m in gone
            if m.expert_id not in _replaced_before(panel)
        ],
        seats_kept=keep_seats,
    )
    return request, data


def _replaced_before(panel: Panel) -> set[int]:
    """Who earlier replacement draws of the panel already replaced."""
    return {
        int(x["expert_id"])
        for d in panel.draws
        if d.kind == "redraw" and d.status == "revealed"
        for x in d.request.get("replaces", [])
    }


def redraw(user: User | None, panel: Panel) -> list[PanelMember]:
    """补抽: a draw like any other (committed, then revealed with a fresh nonce and no witness) that fills
    the seats the decliners left; the members still on the panel keep theirs."""
    if panel.status in ("cancelled",) or panel.start is None or panel.end is None:
        raise OperationError(_("该评审组已取消，不能补抽"), 409)
    keep = active_members(panel)
    if len(keep) >= panel.size:
        return []
    if past_problem(panel.start):
        raise OperationError(_("评审会已经开始，不能再补抽"), 409, code="past")
    request, data = redraw_request(panel)
    locking.lock_pools(request.pools)
    try:
        record = draws.commit(
            user, panel.matter, request, data, kind="redraw", panel=panel, audit_failure=False
        )
    except OperationError as strict:
        # Nobody can take the freed seats as they are: deal the seats again, the members who stay fixed.
        request, data = redraw_request(panel, keep_seats=False)
        try:
            record = draws.commit(user, panel.matter, request, data, kind="redraw", panel=panel)
        except OperationError:
            raise strict from None
    added = draws.reveal(user, record, None, "").added
    if panel.status != "proposed":
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


def cancel(user: User, panel: Panel, reason: str = "") -> Panel:
    """Cancel a panel; a proposal cancelled before confirming is set aside (搁置), with why, and kept."""
    if panel.status == "cancelled":
        raise OperationError(_("该评审组已取消"), 409)
    set_aside = panel.status == "proposed"
    panel.status = "cancelled"
    panel.cancel_reason = reason.strip()[:500]
    panel.sequence += 1
    audit.record(
        "panel.cancel", user, target=f"panel:{panel.id}", set_aside=set_aside, reason=panel.cancel_reason
    )
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
        "draw": panel.draws[0].id if panel.draws else None,
        "draws": [d.id for d in panel.draws],
        "warnings": warnings(panel),
    }


def warnings(panel: Panel) -> list[dict[str, Any]]:
    """The solver's warnings for the panel's latest placed draw, e.g. calendar_unknown (the year's
    statutory schedule was not entered, Monday to Friday was assumed)."""
    placed = [d for d in panel.draws if d.status == "revealed" and d.solution]
    return list(placed[-1].solution.get("warnings", [])) if placed and placed[-1].solution else []


def parse_window(values: list[str]) -> tuple[datetime, datetime]:
    return parse_local(values[0]), parse_local(values[1])

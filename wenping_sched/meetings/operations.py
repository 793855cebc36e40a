"""Joint meetings: schedule (one, or a year's four quarterly ones), invite, move to an alternative, cancel;
and the departments' contacts with their busy periods.

Each operation changes rows and writes the audit log in the caller's transaction; the views
commit. Scheduling runs the solver through ``solving.meetings``, which validates every solution.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import select

from .. import audit, locking
from ..extensions import db
from ..invitations import notifications
from ..matters.operations import matters_query
from ..models import (
    BOOKING_STATES,
    MEETING_KINDS,
    Contact,
    ContactBusy,
    Department,
    JointMeeting,
    JointMeetingDepartment,
    Matter,
    Room,
    User,
)
from ..operations import OperationError
from ..solving import InstanceError, MeetingAssignment, MeetingSolution, meeting_solution_to_json
from ..solving import meetings as scheduling
from ..solving.meetings import Alternative, MeetingRequest
from ..timeutil import iso_local
from ..validation import MAX_WINDOW, past_problem

KIND_NAMES = {"quarterly": "季度联席会议", "analysis": "分析研判会议", "adhoc": "临时联席会议"}
STATUS_NAMES = {"proposed": "待确认", "inviting": "邀请中", "confirmed": "已确认", "cancelled": "已取消"}
CONFIRMATION_NAMES = {
    "pending": "待确认",
    "accepted": "已确认参加",
    "declined": "已谢绝",
    "unavailable": "无人空闲",
}


@dataclass(frozen=True)
class Scheduled:
    """A stored meeting with what the solve said about it."""

    meeting: JointMeeting
    alternatives: list[Alternative]
    warnings: list[dict[str, Any]]


def required_codes() -> list[str]:
    """The thirteen departments every joint meeting requires, in protocol order."""
    return list(
        db.session.scalars(
            select(Department.code).where(Department.required.is_(True)).order_by(Department.sort_order)
        )
    )


def optional_codes() -> list[str]:
    return list(
        db.session.scalars(
            select(Department.code).where(Department.required.is_(False)).order_by(Department.sort_order)
        )
    )


def check_request(data: dict[str, Any]) -> str:
    """Rules a schema cannot say alone; returns the meeting kind (given, or inferred)."""
    fields: dict[str, str] = {}
    known = set(db.session.scalars(select(Department.code)))
    required = list(data.get("required") or [])
    optional = list(data.get("optional") or [])
    for key, codes in (("required", required), ("optional", optional)):
        unknown = [c for c in codes if c not in known]
        if unknown:
            fields[key] = _("未知的部门：%(c)s", c="、".join(unknown))
        twice = sorted({c for c in codes if codes.count(c) > 1})
        if twice:
            fields[key] = _("部门重复列出：%(c)s", c="、".join(twice))
    both = [c for c in required if c in optional]
    if both:
        fields["optional"] = _("部门不能既必到又列席：%(c)s", c="、".join(both))
    if not required:
        fields["required"] = _("至少需要一个必到部门")
    start, end = data["window"]
    if end <= start:
        fields["window"] = _("结束时间必须晚于开始时间")
    elif end - start < timedelta(minutes=data["duration_minutes"]):
        fields["window"] = _("时间窗口短于会议时长")
    elif end - start > MAX_WINDOW:
        fields["window"] = _("时间窗口最长 %(n)d 天，请缩短后再安排", n=MAX_WINDOW.days)
    elif past_problem(start):
        fields["window"] = _("时间窗口的开始%(p)s", p=past_problem(start))
    kind = data.get("kind")
    everyone = required_codes()
    if kind is None:
        # A meeting of every required department is a joint meeting; a subset is an analysis meeting.
        kind = "adhoc" if set(everyone) <= set(required) else "analysis"
    elif kind not in MEETING_KINDS:
        fields["kind"] = _("会议类别应为 quarterly、analysis 或 adhoc")
    elif kind != "analysis":
        absent = [c for c in everyone if c not in required]
        if absent:
            fields["required"] = _("联席会议须所有成员单位到会，缺少：%(c)s", c="、".join(absent))
    if fields:
        raise OperationError(_("请求数据不符合规则：") + "；".join(fields.values()), 422, fields)
    return kind


def check_matter(user: User, matter_id: int | None) -> Matter | None:
    """The matter the meeting is about, if any; 422 on ``matter_id`` when it is unknown or out of the user's
    scope (the same answer for both, so that the check does not tell which matters exist)."""
    if matter_id is None:
        return None
    matter = db.session.get(Matter, matter_id)
    if matter is None or not user.can_see_county(matter.county):
        message = _("未知的事项：%(id)s", id=matter_id)
        raise OperationError(_("请求数据不符合规则：") + message, 422, {"matter_id": message})
    return matter


def visible_matters(user: User) -> list[Matter]:
    """The matters a meeting can be about, newest first: those in the user's scope."""
    return list(db.session.scalars(matters_query(user)))


def _instance_error(e: InstanceError) -> OperationError:
    fields = {p.pointer: p.message for p in e.problems}
    return OperationError(_("请求数据不符合规则：") + "；".join(fields.values()), 422, fields)


def _unscheduled_error(solution: MeetingSolution, titles: dict[str, str]) -> OperationError:
    reasons = []
    for u in solution.unscheduled:
        for r in u.reasons:
            reason = r.to_json()
            if len(titles) > 1:
                reason["meeting"] = titles.get(u.id, u.id)
            reasons.append(reason)
    warnings = [w.to_json() for w in solution.warnings]
    prefix = _("无法安排会议：") if len(titles) == 1 else _("无法安排全部会议，未保存任何会议：")
    message = prefix + "；".join(
        (f"{r['meeting']}：" if "meeting" in r else "") + str(r.get("message", r["code"])) for r in reasons
    )
    return OperationError(
        message, 422, code="unschedulable", extra={"reasons": reasons, "warnings": warnings}
    )


def _solve(requests: Sequence[MeetingRequest], ignore: Sequence[int] = ()) -> tuple[Any, Any, dict[str, Any]]:
    # Two coordinators scheduling at once must not book the same people or room.
    locking.lock_people_and_rooms()
    instance = scheduling.build_meeting_instance(requests, ignore)
    try:
        parsed, solution = scheduling.solve(instance)
    except InstanceError as e:
        raise _instance_error(e) from e
    if solution.unscheduled:
        raise _unscheduled_error(solution, {r.key: r.title for r in requests})
    return parsed, solution, instance


def _apply(meeting: JointMeeting, assignment: MeetingAssignment) -> None:
    """Put the solver's time, room and attendees on the stored meeting."""
    meeting.start, meeting.end = assignment.start, assignment.end
    meeting.room_id = scheduling.key_id(assignment.room)
    chosen = {dep: [scheduling.key_id(p) for p in people] for dep, people in assignment.attendees}
    for part in meeting.departments:
        ids = chosen.get(part.department.code, [])
        part.attendee_contact_ids = ids
        if not ids:
            part.confirmation = "unavailable"
        elif part.confirmation == "unavailable" or meeting.status == "proposed":
            part.confirmation = "pending"


def _new_meeting(user: User | None, request: MeetingRequest, kind: str) -> JointMeeting:
    departments = {d.code: d for d in db.session.scalars(select(Department))}
    meeting = JointMeeting(
        title=request.title,
        kind=kind,
        status="proposed",
        window_start=request.window[0],
        window_end=request.window[1],
        duration_minutes=request.duration_minutes,
        attendees_per_department=request.attendees_per_department,
        uid=f"{uuid.uuid4()}@wenping-sched",
        sequence=0,
        created_by_id=user.id if user else None,
    )
    for code in request.required:
        meeting.departments.append(JointMeetingDepartment(department=departments[code], required=True))
    for code in request.optional:
        meeting.departments.append(JointMeetingDepartment(department=departments[code], required=False))
    return meeting


def _scheduled(meeting: JointMeeting, parsed: Any, solution: MeetingSolution, key: str) -> Scheduled:
    return Scheduled(
        meeting,
        scheduling.alternatives_for(parsed, solution, key),
        [w.to_json() for w in solution.warnings],
    )


def schedule_meeting(user: User, data: dict[str, Any]) -> Scheduled:
    """Find a time, room and attendees for one meeting and store it as proposed; 422 with reasons if none."""
    kind = check_request(data)
    matter = check_matter(user, data.get("matter_id"))
    request = MeetingRequest(
        key="new",
        title=data["title"].strip(),
        required=tuple(data["required"]),
        optional=tuple(data.get("optional") or ()),
        window=tuple(data["window"]),
        duration_minutes=data["duration_minutes"],
        attendees_per_department=data.get("attendees_per_department") or 1,
    )
    try:
        parsed, solution, instance = _solve([request])
    except OperationError as e:
        audit.record(
            "joint_meeting.unschedulable",
            user,
            target="joint_meeting",
            title=request.title,
            reasons=[r["code"] for r in e.extra.get("reasons", [])],
        )
        raise
    [assignment] = solution.meetings
    meeting = _new_meeting(user, request, kind)
    meeting.matter = matter
    meeting.agenda = (data.get("agenda") or "").strip()
    _apply(meeting, assignment)
    meeting.instance = instance
    meeting.solution = _solution_json(solution)
    meeting.warnings = [w.to_json() for w in solution.warnings]
    db.session.add(meeting)
    db.session.flush()
    audit.record(
        "joint_meeting.schedule",
        user,
        target=f"joint_meeting:{meeting.id}",
        kind=kind,
        start=iso_local(meeting.start),
        room=meeting.room_id,
        matter=meeting.matter_id,
    )
    return _scheduled(meeting, parsed, solution, request.key)


def _solution_json(solution: MeetingSolution) -> dict[str, Any]:
    return meeting_solution_to_json(solution)


def quarterly_title(year: int, quarter: int) -> str:
    # The quarter in Chinese numerals, as the statistics and every circular write it (第四季度).
    return f"{year}年第{'一二三四'[quarter - 1]}季度稳评联席会议"


def schedule_quarterly(user: User, year: int, duration_minutes: int = 120) -> list[Scheduled]:
    """The year's four quarterly meetings in one solve: all four are stored, or none."""
    titles = [quarterly_title(year, q) for q in (1, 2, 3, 4)]
    # Meetings stored before the titles took Chinese numerals were named 第4季度: those count too.
    earlier = [f"{year}年第{q}季度稳评联席会议" for q in (1, 2, 3, 4)]
    existing = list(
        db.session.scalars(
            select(JointMeeting.title).where(
                JointMeeting.title.in_(titles + earlier), JointMeeting.status.in_(BOOKING_STATES)
            )
        )
    )
    if existing:
        raise OperationError(_("已有%(t)s，未重复创建", t="、".join(existing)), 409)
    required, optional = tuple(required_codes()), tuple(optional_codes())
    windows = [scheduling.quarter_window(year, q) for q in (1, 2, 3, 4)]
    # A quarter whose window has begun cannot be planned in one step any more (a meeting for the
    # rest of it is called on its own); nothing is stored then.
    started = [q for q, (start, _end) in enumerate(windows, 1) if past_problem(start)]
    if started:
        quarters = "、".join(_("第%(q)d季度", q=q) for q in started)
        raise OperationError(
            _("%(y)d年%(q)s的会议时间已开始或已过，不能一次排定四次季度会议", y=year, q=quarters),
            422,
            {"year": _("%(y)d年的季度会议时间已开始", y=year)},
        )
    requests = [
        MeetingRequest(
            key=f"Q{q}",
            title=titles[q - 1],
            required=required,
            optional=optional,
            window=windows[q - 1],
            duration_minutes=duration_minutes,
        )
        for q in (1, 2, 3, 4)
    ]
    parsed, solution, instance = _solve(requests)
    by_key = {a.id: a for a in solution.meetings}
    out = []
    for request in requests:
        meeting = _new_meeting(user, request, "quarterly")
        _apply(meeting, by_key[request.key])
        meeting.instance = instance
        meeting.solution = _solution_json(solution)
        meeting.warnings = [w.to_json() for w in solution.warnings]
        db.session.add(meeting)
        out.append(_scheduled(meeting, parsed, solution, request.key))
    db.session.flush()
    audit.record(
        "joint_meeting.schedule_quarterly",
        user,
        target="joint_meeting",
        year=year,
        meetings=[s.meeting.id for s in out],
    )
    return out


def invite(user: User, meeting: JointMeeting) -> JointMeeting:
    """Confirm the proposal: each department's chosen contacts get an invitation."""
    if meeting.status != "proposed":
        raise OperationError(
            _("只有待确认的会议可以发出邀请（当前状态：%(s)s）", s=_(STATUS_NAMES[meeting.status])), 409
        )
    if meeting.start is not None and past_problem(meeting.start):
        raise OperationError(_("会议时间已过，不能发出邀请；请重新安排"), 409, code="past")
    meeting.status = "inviting"
    audit.record("joint_meeting.invite", user, target=f"joint_meeting:{meeting.id}")
    notifications.notify_meeting_invited(meeting)
    return meeting


def move_to(user: User, meeting: JointMeeting, start: datetime) -> JointMeeting:
    """Move the meeting to another start (an alternative shown to the coordinator), if it is still free."""
    if meeting.status == "cancelled":
        raise OperationError(_("该会议已取消"), 409)
    end = start + timedelta(minutes=meeting.duration_minutes)
    if start < meeting.window_start or end > meeting.window_end:
        raise OperationError(_("所选时间不在会议的时间窗口内"), 422)
    if past_problem(start):
        raise OperationError(_("所选%(p)s", p=past_problem(start)), 422)
    request = scheduling.request_of(meeting, window=(start, end))
    _parsed, solution, instance = _solve([request], ignore=[meeting.id])
    [assignment] = solution.meetings
    _apply(meeting, assignment)
    meeting.instance = instance
    meeting.solution = _solution_json(solution)
    meeting.warnings = [w.to_json() for w in solution.warnings]
    if meeting.status != "proposed":
        meeting.sequence += 1  # invitations already out: they are sent again with a higher SEQUENCE
    audit.record(
        "joint_meeting.move", user, target=f"joint_meeting:{meeting.id}", start=iso_local(meeting.start)
    )
    if meeting.status != "proposed":
        notifications.notify_meeting_rescheduled(meeting)
    return meeting


def cancel(user: User, meeting: JointMeeting) -> JointMeeting:
    if meeting.status == "cancelled":
        raise OperationError(_("该会议已取消"), 409)
    was_proposed = meeting.status == "proposed"
    meeting.status = "cancelled"
    meeting.sequence += 1
    audit.record("joint_meeting.cancel", user, target=f"joint_meeting:{meeting.id}")
    if not was_proposed:
        notifications.notify_meeting_cancelled(meeting)
    return meeting


# --- reading ------------------------------------------------------------------------------


def contact_names(meeting: JointMeeting) -> dict[int, str]:
    ids = {c for p in meeting.departments for c in p.attendee_contact_ids or []}
    if not ids:
        return {}
    rows = db.session.execute(select(Contact.id, Contact.name).where(Contact.id.in_(sorted(ids))))
    return {contact_id: name for contact_id, name in rows}


def meeting_to_dict(
    meeting: JointMeeting, alternatives: Sequence[Alternative] | None = None
) -> dict[str, Any]:
    """The API's view of a meeting: time, room, and each department's attendees and confirmation."""
    names = contact_names(meeting)
    room: Room | None = meeting.room
    out: dict[str, Any] = {
        "id": meeting.id,
        "title": meeting.title,
        "agenda": meeting.agenda or "",
        "kind": meeting.kind,
        "status": meeting.status,
        "matter_id": meeting.matter_id,
        "start": iso_local(meeting.start),
        "end": iso_local(meeting.end),
        "room": room.name if room else None,
        "room_id": room.id if room else None,
        "window": [iso_local(meeting.window_start), iso_local(meeting.window_end)],
        "duration_minutes": meeting.duration_minutes,
        "uid": meeting.uid,
        "sequence": meeting.sequence,
        "departments": [
            {
                "code": p.department.code,
                "name": p.department.name,
                "required": p.required,
                "attendees": [
                    {"contact_id": c, "name": names.get(c, "")} for c in p.attendee_contact_ids or []
                ],
                "confirmation": p.confirmation,
                "attendee_name": p.attendee_name or None,
                "answered_at": iso_local(p.answered_at),
            }
            for p in meeting.departments
        ],
        "warnings": list(meeting.warnings or []),
    }
    if alternatives is not None:
        out["alternatives"] = [
            {"start": iso_local(a.start), "end": iso_local(a.end), "room": a.room_name, "room_id": a.room_id}
            for a in alternatives
        ]
    return out


# --- contacts and their busy periods ---------------------------------------------------


def add_contact(
    user: User,
    department: Department,
    name: str,
    position: str = "",
    phone: str | None = None,
    email: str | None = None,
) -> Contact:
    name = name.strip()
    if not name:
        raise OperationError(_("请填写姓名"), 422, {"name": _("请填写姓名")})
    contact = Contact(
        department=department,
        name=name,
        position=position.strip(),
        phone=(phone or "").strip() or None,
        email=(email or "").strip() or None,
    )
    db.session.add(contact)
    db.session.flush()
    audit.record("contact.create", user, target=f"contact:{contact.id}", department=department.code)
    return contact


def add_busy(user: User, contact: Contact, start: datetime, end: datetime, reason: str = "") -> ContactBusy:
    """A period the contact cannot attend: the solver keeps joint meetings out of it."""
    if end <= start:
        raise OperationError(_("结束时间必须晚于开始时间"), 422, {"end": _("结束时间必须晚于开始时间")})
    busy = ContactBusy(contact=contact, start=start, end=end, reason=reason.strip()[:128])
    db.session.add(busy)
    db.session.flush()
    audit.record(
        "contact.busy_add", user, target=f"contact:{contact.id}", start=iso_local(start), end=iso_local(end)
    )
    return busy


def remove_busy(user: User, busy: ContactBusy) -> None:
    audit.record(
        "contact.busy_remove", user, target=f"contact:{busy.contact_id}", start=iso_local(busy.start)
    )
    db.session.delete(busy)

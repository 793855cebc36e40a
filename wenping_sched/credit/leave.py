"""Leave (请假): an expert away is never drawn then. Leave over a meeting the expert was to attend
takes them off it, draws a replacement (补抽), tells the coordinator, and costs points when the
meeting they had accepted is less than 24 hours away. The expert gets a mail confirming it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from flask_babel import gettext as _
from sqlalchemy import select

from .. import audit
from ..extensions import db
from ..models import Expert, Panel, PanelMember, User
from ..models.credit import Leave
from ..models.outbox import Invitation
from ..models.types import utcnow
from ..operations import OperationError
from ..standing.draw import leave_label
from ..timeutil import iso_local
from . import notifications
from .notifications import DeclinedMeeting
from .operations import late_withdrawal, may_adjust

MAX_LEAVE = timedelta(days=366)
# Members a leave takes off a panel: drawn, invited or accepted.
ON_PANEL = ("proposed", "pending", "accepted")


def may_declare(user: User, expert: Expert) -> bool:
    """The expert themself, or a coordinator who maintains the expert's pool."""
    if user.role == "expert":
        return user.expert_id == expert.id
    return may_adjust(user, expert)


@dataclass
class LeaveOutcome:
    leave: Leave
    declined: list[DeclinedMeeting] = field(default_factory=list)


def _check(start: datetime, end: datetime, reason: str, now: datetime) -> None:
    fields: dict[str, str] = {}
    if end <= start:
        fields["end"] = _("结束时间必须晚于开始时间")
    elif end <= now:
        fields["end"] = _("请假已结束，无需登记")
    elif end - start > MAX_LEAVE:
        fields["end"] = _("一次请假不能超过一年")
    if len(reason) > 200:
        fields["reason"] = _("事由不能超过 200 字")
    if fields:
        raise OperationError(_("请假不符合规则：") + "；".join(fields.values()), 422, fields)


def meetings_during(expert: Expert, start: datetime, end: datetime, now: datetime) -> list[PanelMember]:
    """The expert's places on panels that meet during the leave and are not over yet."""
    stmt = (
        select(PanelMember)
        .join(Panel)
        .where(
            PanelMember.expert_id == expert.id,
            PanelMember.state.in_(ON_PANEL),
            Panel.status != "cancelled",
            Panel.start < end,
            Panel.end > start,
            Panel.end > now,
        )
        .order_by(Panel.start, Panel.id)
    )
    return list(db.session.scalars(stmt))


def declare(
    user: User,
    expert: Expert,
    start: datetime,
    end: datetime,
    reason: str = "",
    all_day: bool = True,
    now: datetime | None = None,
) -> LeaveOutcome:
    """Record the leave and take the expert off the meetings it covers (each redrawn)."""
    if not may_declare(user, expert):
        raise OperationError(_("只能为本县区专家库的专家登记请假"), 403)
    moment = now or utcnow()
    reason = (reason or "").strip()
    _check(start, end, reason, moment)
    leave = Leave(
        expert_id=expert.id,
        start=start,
        end=end,
        all_day=all_day,
        reason=reason,
        on_behalf=user.role != "expert",
        created_by_id=user.id,
        created_at=moment,
    )
    db.session.add(leave)
    db.session.flush()
    audit.record(
        "leave.declare",
        user,
        target=f"expert:{expert.id}",
        leave=leave.id,
        start=iso_local(start),
        end=iso_local(end),
        on_behalf=leave.on_behalf,
    )
    outcome = LeaveOutcome(leave)
    for member in meetings_during(expert, start, end, moment):
        outcome.declined.append(_take_off(user, member, leave, moment))
    notifications.notify_leave_confirmed(expert, leave, outcome.declined)
    return outcome


def _take_off(user: User, member: PanelMember, leave: Leave, now: datetime) -> DeclinedMeeting:
    """Decline the member's place for the leave, redraw the seat, tell the coordinator."""
    from ..invitations import notifications as invitation_notifications
    from ..panels import operations as panel_operations

    panel = member.panel
    was_accepted = member.state == "accepted"
    reason = leave_label(leave) + (f"（{leave.reason}）" if leave.reason else "")
    member.state = "declined"
    member.decline_reason = reason[:500]
    member.answered_at = now
    invitation = db.session.scalar(
        select(Invitation).where(
            Invitation.subject_type == "panel",
            Invitation.subject_id == panel.id,
            Invitation.panel_member_id == member.id,
        )
    )
    if invitation is not None and invitation.response != "declined":
        invitation.response, invitation.reason, invitation.answered_at = "declined", reason[:500], now
    invitation_notifications.notify_member_released(panel, member)
    if panel.status == "confirmed":
        panel.status = "inviting"
    entry = None
    if was_accepted:
        entry = late_withdrawal(
            member,
            now,
            _("会前不足24小时请假（评审组#%(p)d %(t)s）", p=panel.id, t=panel.matter.title),
            user,
            leave_id=leave.id,
        )
    audit.record(
        "leave.decline",
        user,
        target=f"panel:{panel.id}",
        expert=member.expert_id,
        leave=leave.id,
        was_accepted=was_accepted,
    )
    added: list[PanelMember] = []
    failure = ""
    try:
        added = panel_operations.redraw(user, panel)
    except OperationError as e:
        failure = e.message
    declined = DeclinedMeeting(panel, member, was_accepted, added, failure, entry)
    notifications.notify_leave_declined_meeting(member.expert, leave, declined)
    return declined


def withdraw(user: User, leave: Leave, now: datetime | None = None) -> Leave:
    """Withdraw a leave: the expert can be drawn then again (meetings it declined stay declined)."""
    if not may_declare(user, leave.expert):
        raise OperationError(_("只能撤销本县区专家库专家的请假"), 403)
    moment = now or utcnow()
    if leave.withdrawn_at is not None:
        raise OperationError(_("该请假已撤销"), 409)
    if leave.end <= moment:
        raise OperationError(_("请假已结束，不能撤销"), 409)
    leave.withdrawn_at, leave.withdrawn_by_id = moment, user.id
    audit.record("leave.withdraw", user, target=f"expert:{leave.expert_id}", leave=leave.id)
    return leave


def leaves_of(expert: Expert, include_past: bool = True) -> list[Leave]:
    stmt = select(Leave).where(Leave.expert_id == expert.id)
    if not include_past:
        stmt = stmt.where(Leave.end > utcnow())
    return list(db.session.scalars(stmt.order_by(Leave.start.desc(), Leave.id.desc())))

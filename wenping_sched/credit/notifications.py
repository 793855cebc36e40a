"""notify_<event>() for credit: each mail rendered from templates/email/*.txt|*.html and put in the
outbox in the caller's transaction, so it goes out exactly when the change commits."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from flask import render_template
from flask_babel import gettext as _

from .. import audit
from ..invitations.mail import build_message
from ..invitations.notifications import coordinator_address
from ..invitations.outbox import enqueue
from ..invitations.rsvp import base_url
from ..models import Expert, Panel, PanelMember
from ..models.credit import CreditEntry, Leave, Suspension
from ..standing.draw import leave_label, leave_period
from ..standing.points import cn_date
from ..timeutil import fmt_local


@dataclass(frozen=True)
class DeclinedMeeting:
    """A meeting a leave took the expert off, and what came of it."""

    panel: Panel
    member: PanelMember
    was_accepted: bool
    added: Sequence[PanelMember]
    failure: str
    entry: CreditEntry | None


def _render(template: str, **context: Any) -> tuple[str, str]:
    context.setdefault("fmt", fmt_local)
    context.setdefault("cn_date", cn_date)
    return (
        render_template(f"email/{template}.txt", **context),
        render_template(f"email/{template}.html", **context),
    )


def _to_expert(expert: Expert, subject: str, template: str, **context: Any) -> bool:
    """One mail to the expert; an expert without an address is noted in the audit log instead."""
    if not expert.email:
        audit.record("credit.no_email", None, target=f"expert:{expert.id}", subject=subject)
        return False
    links = {"credit_url": f"{base_url()}/me/credit", "leave_url": f"{base_url()}/me/leave"}
    text, html = _render(template, expert=expert, **links, **context)
    msg = build_message(to_email=expert.email, to_name=expert.name, subject=subject, text=text, html=html)
    enqueue(msg, kind="notice")
    return True


def notify_suspended(expert: Expert, suspension: Suspension, score: int) -> bool:
    """Tell the expert they are suspended from draws, until when and why."""
    return _to_expert(
        expert,
        _("【暂停抽取】您已暂停参加专家抽取至%(d)s", d=cn_date(suspension.until)),
        "credit_suspended",
        suspension=suspension,
        score=score,
        until=cn_date(suspension.until),
    )


def notify_suspension_lifted(expert: Expert, suspension: Suspension) -> bool:
    """Tell the expert a suspension was lifted: they are drawn again."""
    return _to_expert(
        expert,
        _("【恢复抽取】您已恢复参加专家抽取"),
        "credit_lifted",
        suspension=suspension,
        until=cn_date(suspension.until),
    )


def notify_leave_confirmed(expert: Expert, leave: Leave, declined: Sequence[DeclinedMeeting]) -> bool:
    """Confirm a leave to the expert, with the meetings it took them off."""
    return _to_expert(
        expert,
        _("【请假确认】%(p)s", p=leave_period(leave)),
        "leave_confirmed",
        leave=leave,
        label=leave_label(leave),
        declined=list(declined),
    )


def notify_leave_declined_meeting(expert: Expert, leave: Leave, declined: DeclinedMeeting) -> None:
    """Tell the coordinator that a leave took a member off a panel, and who was drawn instead."""
    panel = declined.panel
    if declined.failure:
        subject = _("【需处理】%(e)s 请假，无法补抽：%(t)s", e=expert.name, t=panel.matter.title)
    else:
        subject = _("【请假补抽】%(e)s 请假，已补抽：%(t)s", e=expert.name, t=panel.matter.title)
    text, html = _render(
        "leave_coordinator",
        expert=expert,
        leave=leave,
        label=leave_label(leave),
        d=declined,
        panel=panel,
        when=f"{fmt_local(panel.start)}–{fmt_local(panel.end, with_weekday=False)[-5:]}",
        panel_url=f"{base_url()}/panels/{panel.id}",
    )
    msg = build_message(
        to_email=coordinator_address(), to_name=_("维稳办协调员"), subject=subject, text=text, html=html
    )
    enqueue(msg, kind="notice", panel_id=panel.id)

"""notify_<event>(): every mail the service sends, rendered from templates/email/*.txt|*.html.

Each function writes Invitation and OutboxMessage rows into the caller's transaction, so the
change and its mail commit together (and a refused change sends nothing).
"""

from __future__ import annotations

import secrets
from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any

from flask import current_app, render_template
from flask_babel import gettext as _
from sqlalchemy import select

from .. import audit
from ..extensions import db
from ..models import Contact, Expert, JointMeeting, Panel, PanelMember
from ..models.outbox import Invitation
from ..timeutil import fmt_local
from . import ical
from .events import EventInfo, event_uid, load_event, panel_event
from .mail import build_message, sender_address
from .meeting_source import contacts_to_invite, meeting_event
from .outbox import enqueue
from .rsvp import event_ics_url, feed_url, rsvp_url


def _render(template: str, **context: Any) -> tuple[str, str]:
    context.setdefault("fmt", fmt_local)
    return (
        render_template(f"email/{template}.txt", **context),
        render_template(f"email/{template}.html", **context),
    )


def _when(info: EventInfo) -> str:
    return f"{fmt_local(info.start)}–{fmt_local(info.end, with_weekday=False)[-5:]}"


def _invitation(
    info: EventInfo,
    person_type: str,
    person_id: int,
    email: str | None,
    name: str,
    panel_member_id: int | None = None,
) -> Invitation:
    invitation = db.session.scalar(
        select(Invitation).where(
            Invitation.subject_type == info.subject_type,
            Invitation.subject_id == info.subject_id,
            Invitation.person_type == person_type,
            Invitation.person_id == person_id,
        )
    )
    if invitation is None:
        invitation = Invitation(
            subject_type=info.subject_type,
            subject_id=info.subject_id,
            person_type=person_type,
            person_id=person_id,
            uid=event_uid(info.subject_type, info.subject_id, info.uid),
            nonce=secrets.token_hex(8),
            status="active",
            response="pending",
            sequence=info.sequence,
        )
        db.session.add(invitation)
    invitation.email = email
    invitation.name = name
    if panel_member_id is not None:
        invitation.panel_member_id = panel_member_id
    db.session.flush()
    return invitation


def _send(info: EventInfo, invitation: Invitation, *, kind: str, panel_member_id: int | None = None) -> None:
    """One iTIP mail (REQUEST, or CANCEL for kind ``cancellation``) to the invited person."""
    invitation.sequence = info.sequence
    if not invitation.email:
        audit.record("invitation.no_email", None, target=f"invitation:{invitation.id}", name=invitation.name)
        return
    method = "CANCEL" if kind == "cancellation" else "REQUEST"
    url = rsvp_url(invitation) if method == "REQUEST" else None
    context = {
        "info": info,
        "name": invitation.name,
        "when": _when(info),
        "kind": kind,
        "rsvp_url": url,
        "ics_url": event_ics_url(invitation) if url else None,
        "feed_url": feed_url(invitation.person_type, invitation.person_id),
    }
    template = "cancellation" if kind == "cancellation" else "invitation"
    text, html = _render(template, **context)
    prefix = {
        "invitation": _("【邀请】"),
        "update": _("【变更】"),
        "cancellation": _("【取消】"),
        "reminder": _("【提醒】"),
    }[kind]
    calendar = ical.itip(
        info,
        invitation.uid,
        method=method,
        sequence=info.sequence,
        email=invitation.email,
        name=invitation.name,
        url=url,
    )
    msg = build_message(
        to_email=invitation.email,
        to_name=invitation.name,
        subject=f"{prefix}{info.title}（{_when(info)}）",
        text=text,
        html=html,
        calendar=calendar,
        method=method,
    )
    enqueue(
        msg,
        kind=kind,
        invitation_id=invitation.id,
        panel_id=info.subject_id if info.subject_type == "panel" else None,
        meeting_id=info.subject_id if info.subject_type == "meeting" else None,
        panel_member_id=panel_member_id,
    )


# --- panels --------------------------------------------------------------------------------


def _panel_info(panel: Panel) -> EventInfo:
    db.session.flush()  # operations changed the panel in memory; the invitation reads it
    info = panel_event(panel)
    if info is None:
        raise ValueError(f"panel {panel.id} has no time")
    return info


def _invite_member(info: EventInfo, member: PanelMember, kind: str = "invitation") -> Invitation:
    expert = member.expert or db.session.get(Expert, member.expert_id)
    assert expert is not None
    invitation = _invitation(info, "expert", expert.id, expert.email, expert.name, panel_member_id=member.id)
    invitation.status = "active"
    _send(info, invitation, kind=kind, panel_member_id=member.id)
    return invitation


def notify_panel_invited(panel: Panel, members: Iterable[PanelMember] | None = None) -> list[Invitation]:
    """Invite the panel's pending members (or ``members``): one REQUEST each."""
    info = _panel_info(panel)
    chosen = list(members) if members is not None else [m for m in panel.members if m.state == "pending"]
    return [_invite_member(info, m) for m in chosen if m.state == "pending"]


def _panel_invitations(panel: Panel) -> list[Invitation]:
    return list(
        db.session.scalars(
            select(Invitation)
            .where(
                Invitation.subject_type == "panel",
                Invitation.subject_id == panel.id,
                Invitation.status == "active",
            )
            .order_by(Invitation.id)
        )
    )


def notify_panel_rescheduled(panel: Panel) -> list[Invitation]:
    """The new time to everyone still on the panel: REQUEST again, same UID, higher SEQUENCE."""
    info = _panel_info(panel)
    on_panel = {m.id for m in panel.members if m.state in ("pending", "accepted")}
    sent = []
    for invitation in _panel_invitations(panel):
        if invitation.panel_member_id in on_panel:
            _send(info, invitation, kind="update", panel_member_id=invitation.panel_member_id)
            sent.append(invitation)
    return sent


def notify_panel_cancelled(panel: Panel) -> list[Invitation]:
    """CANCEL to everyone who holds the meeting in a calendar."""
    info = _panel_info(panel)
    sent = []
    for invitation in _panel_invitations(panel):
        if invitation.response != "declined":
            _send(info, invitation, kind="cancellation", panel_member_id=invitation.panel_member_id)
            sent.append(invitation)
        invitation.status = "cancelled"
    return sent


def notify_member_released(panel: Panel, member: PanelMember) -> Invitation | None:
    """CANCEL to one member taken off the panel (on leave): the meeting leaves their calendar."""
    invitation = db.session.scalar(
        select(Invitation).where(
            Invitation.subject_type == "panel",
            Invitation.subject_id == panel.id,
            Invitation.panel_member_id == member.id,
            Invitation.status == "active",
        )
    )
    if invitation is None:
        return None
    _send(_panel_info(panel), invitation, kind="cancellation", panel_member_id=member.id)
    invitation.status = "withdrawn"
    return invitation


def coordinator_address() -> str:
    """Where notices for the 维稳办 go: COORDINATOR_EMAIL, else the office's sending mailbox."""
    return str(current_app.config.get("COORDINATOR_EMAIL") or sender_address())


def _notice(panel: Panel, subject: str, template: str, **context: Any) -> None:
    info = panel_event(panel)
    text, html = _render(
        template,
        panel=panel,
        info=info,
        when=_when(info) if info else "",
        panel_url=f"{current_app.config.get('BASE_URL', '').rstrip('/')}/panels/{panel.id}",
        **context,
    )
    msg = build_message(
        to_email=coordinator_address(), to_name=_("维稳办协调员"), subject=subject, text=text, html=html
    )
    enqueue(msg, kind="notice", panel_id=panel.id)


def notify_replacement(panel: Panel, declined: PanelMember, added: Sequence[PanelMember]) -> None:
    """Tell the coordinator who declined and who was drawn in their place (already invited)."""
    names = "、".join(m.expert.name for m in added)
    _notice(
        panel,
        _("【补抽】%(e)s 谢绝了评审会：%(t)s", e=declined.expert.name, t=panel.matter.title),
        "coordinator_notice",
        declined=declined,
        added=list(added),
        reasons=[],
        headline=_(
            "%(e)s 谢绝了邀请，已补抽 %(n)s 并发出邀请。",
            e=declined.expert.name,
            n=names or _("（无需补抽）"),
        ),
    )


def notify_redraw_failed(
    panel: Panel, declined: PanelMember, reasons: list[dict[str, Any]], message: str
) -> None:
    """Tell the coordinator that nobody could be drawn in the decliner's place, and why."""
    _notice(
        panel,
        _("【需处理】%(e)s 谢绝后无法补抽：%(t)s", e=declined.expert.name, t=panel.matter.title),
        "coordinator_notice",
        declined=declined,
        added=[],
        reasons=reasons,
        headline=_("%(e)s 谢绝了邀请，但无法补抽替补专家：%(m)s", e=declined.expert.name, m=message),
    )


# --- joint meetings ------------------------------------------------------------------------


def _meeting_info(meeting: JointMeeting) -> EventInfo:
    db.session.flush()
    info = meeting_event(meeting)
    if info is None:
        raise ValueError(f"meeting {meeting.id} has no time")
    return info


def notify_meeting_invited(meeting: JointMeeting) -> list[Invitation]:
    """Invite the contacts each department sends (as scheduled) to a joint meeting."""
    info = _meeting_info(meeting)
    sent = []
    for contact_id in contacts_to_invite(meeting):
        contact = db.session.get(Contact, contact_id)
        if contact is None:
            continue
        invitation = _invitation(info, "contact", contact.id, contact.email, contact.name)
        invitation.status = "active"
        _send(info, invitation, kind="invitation")
        sent.append(invitation)
    return sent


def _meeting_invitations(meeting_id: int) -> list[Invitation]:
    return list(
        db.session.scalars(
            select(Invitation)
            .where(
                Invitation.subject_type == "meeting",
                Invitation.subject_id == meeting_id,
                Invitation.status == "active",
            )
            .order_by(Invitation.id)
        )
    )


def notify_meeting_rescheduled(meeting: JointMeeting) -> list[Invitation]:
    """The new time or room to every invited contact: same UID, higher SEQUENCE."""
    info = _meeting_info(meeting)
    invitations = _meeting_invitations(meeting.id)
    for invitation in invitations:
        if invitation.response != "declined":
            _send(info, invitation, kind="update")
    return invitations


def notify_meeting_cancelled(meeting: JointMeeting) -> list[Invitation]:
    info = _meeting_info(meeting)
    invitations = _meeting_invitations(meeting.id)
    for invitation in invitations:
        if invitation.response != "declined":
            _send(info, invitation, kind="cancellation")
        invitation.status = "cancelled"
    return invitations


def send_meeting_reminders(now: datetime | None = None, workdays_before: int = 2) -> list[Invitation]:
    """Remind departments that have not answered, once, from ``workdays_before`` workdays before.

    Web processes and workers may all run this at once: each reminder is claimed with a
    conditional UPDATE first, so exactly one of them sends it.
    """
    from sqlalchemy import update

    from ..models.types import utcnow
    from ..solving import work_calendar
    from ..timeutil import to_local

    calendar = work_calendar()
    now = now or utcnow()
    today = to_local(now).date()
    sent = []
    for invitation in db.session.scalars(
        select(Invitation).where(
            Invitation.subject_type == "meeting",
            Invitation.status == "active",
            Invitation.response == "pending",
            Invitation.reminded_at.is_(None),
        )
    ):
        info = load_event("meeting", invitation.subject_id)
        if info is None or info.cancelled or info.start <= now:
            continue
        day, workdays = to_local(info.start).date(), 0
        while day > today:
            day = day.fromordinal(day.toordinal() - 1)
            if calendar.is_workday(day):
                workdays += 1
        if workdays > workdays_before:
            continue
        claimed = db.session.execute(
            update(Invitation)
            .where(Invitation.id == invitation.id, Invitation.reminded_at.is_(None))
            .values(reminded_at=now)
            .execution_options(synchronize_session=False)
        )
        if getattr(claimed, "rowcount", 0) != 1:
            continue  # another process took it
        _send(info, invitation, kind="reminder")
        invitation.reminded_at = now
        sent.append(invitation)
    return sent

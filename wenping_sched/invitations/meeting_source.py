"""Joint meetings as invitations see them: the event loader and what a department's answer records."""

from __future__ import annotations

from flask_babel import gettext as _

from ..extensions import db
from ..models import JointMeeting
from ..models.outbox import Invitation
from ..models.types import utcnow
from .events import EventInfo, office_for, register_source
from .rsvp import register_answer_hook

KIND_LABELS = {"quarterly": "季度联席会议", "analysis": "分析研判会议", "adhoc": "临时联席会议"}


def meeting_event(meeting: JointMeeting) -> EventInfo | None:
    if meeting.start is None or meeting.end is None:
        return None
    room = meeting.room
    location = "，".join(p for p in (room.name if room else "", room.location if room else "") if p)
    # Joint meetings are called by the city office.
    office = office_for(None)
    return EventInfo(
        subject_type="meeting",
        subject_id=meeting.id,
        title=meeting.title,
        kind_label=_(KIND_LABELS.get(meeting.kind, "联席会议")),
        start=meeting.start,
        end=meeting.end,
        location=location or _("地点另行通知"),
        sequence=meeting.sequence or 0,
        cancelled=meeting.status == "cancelled",
        description=_("社会稳定风险评估工作联席会议，请各成员单位按时派员参加。"),
        bring=[_("本单位近期稳评工作情况及需会议研究的事项")],
        contact=office.contact,
        department=True,
        uid=meeting.uid,
        office=office.name,
        office_phone=office.phone,
        agenda=meeting.agenda or "",
    )


def _load(meeting_id: int) -> EventInfo | None:
    meeting = db.session.get(JointMeeting, meeting_id)
    return meeting_event(meeting) if meeting is not None else None


def _record_answer(invitation: Invitation) -> None:
    """A contact's answer is the department's confirmation, with the attendee they name."""
    meeting = db.session.get(JointMeeting, invitation.subject_id)
    if meeting is None:
        return
    for part in meeting.departments:
        if invitation.person_id in (part.attendee_contact_ids or []):
            part.confirmation = invitation.response
            part.attendee_name = invitation.attendee or invitation.name
            part.answered_at = invitation.answered_at or utcnow()
    answering = [p for p in meeting.departments if p.confirmation != "unavailable"]
    if meeting.status == "inviting" and answering and all(p.confirmation == "accepted" for p in answering):
        meeting.status = "confirmed"
    elif meeting.status == "confirmed" and invitation.response == "declined":
        meeting.status = "inviting"


def contacts_to_invite(meeting: JointMeeting) -> list[int]:
    return [
        c
        for p in meeting.departments
        if p.confirmation != "unavailable"
        for c in p.attendee_contact_ids or []
    ]


register_source("meeting", _load)
register_answer_hook("meeting", _record_answer)

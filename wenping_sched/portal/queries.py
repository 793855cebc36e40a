"""What an expert or a department contact sees of their own invitations."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select

from ..extensions import db
from ..invitations import rsvp
from ..invitations.events import EventInfo, load_event
from ..models import Contact, Department
from ..models.outbox import Invitation
from ..models.types import utcnow


@dataclass
class MyInvitation:
    invitation: Invitation
    info: EventInfo
    token: str
    contact: Contact | None = None

    @property
    def past(self) -> bool:
        return self.info.end <= utcnow()

    @property
    def can_answer(self) -> bool:
        """Still open: active, not cancelled, not over, and not declined (a decline is final)."""
        inv = self.invitation
        return (
            inv.status == "active"
            and not self.info.cancelled
            and not self.past
            and inv.response != "declined"
        )

    @property
    def state(self) -> str:
        """One word for the list: cancelled, withdrawn, past or the answer."""
        if self.invitation.status == "cancelled" or self.info.cancelled:
            return "cancelled"
        if self.invitation.status == "withdrawn":
            return "withdrawn"
        return self.invitation.response


def _rows(invitations: list[Invitation], contacts: dict[int, Contact] | None = None) -> list[MyInvitation]:
    rows = []
    for inv in invitations:
        info = load_event(inv.subject_type, inv.subject_id)
        if info is not None:
            contact = contacts.get(inv.person_id) if contacts else None
            rows.append(MyInvitation(inv, info, rsvp.rsvp_token(inv), contact))
    # Open ones first, soonest first; then the rest, latest first.
    open_rows = sorted((r for r in rows if r.can_answer), key=lambda r: r.info.start)
    closed = sorted((r for r in rows if not r.can_answer), key=lambda r: r.info.start, reverse=True)
    return open_rows + closed


def expert_invitations(expert_id: int) -> list[MyInvitation]:
    """Every panel invitation the expert has had."""
    stmt = select(Invitation).where(Invitation.person_type == "expert", Invitation.person_id == expert_id)
    return _rows(list(db.session.scalars(stmt.order_by(Invitation.id))))


def department_invitations(department: Department) -> list[MyInvitation]:
    """Every joint-meeting invitation sent to one of the department's contacts."""
    contacts = {c.id: c for c in department.contacts}
    if not contacts:
        return []
    stmt = select(Invitation).where(
        Invitation.subject_type == "meeting",
        Invitation.person_type == "contact",
        Invitation.person_id.in_(list(contacts)),
    )
    return _rows(list(db.session.scalars(stmt.order_by(Invitation.id))), contacts)


def department_invitation(department: Department, invitation_id: int) -> Invitation | None:
    """One of the department's invitations, or None when it is someone else's."""
    invitation = db.session.get(Invitation, invitation_id)
    if invitation is None or invitation.subject_type != "meeting" or invitation.person_type != "contact":
        return None
    if invitation.person_id not in {c.id for c in department.contacts}:
        return None
    return invitation

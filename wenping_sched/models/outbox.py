"""The outbox (every mail the service sends, as a row), invitations and calendar events.

An ``OutboxMessage`` is written in the same transaction as the change that causes it and
holds the complete RFC 5322 bytes, so a retry sends exactly what was first rendered.
An ``Invitation`` is one person's invitation to one meeting (a panel or a joint meeting):
what was last sent to them (SEQUENCE), their answer, and the nonce inside their RSVP link.
A ``CalendarEvent`` keeps the stable iCalendar UID of one meeting.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import (
    CheckConstraint,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import Base
from .types import UTCDateTime, utcnow

OUTBOX_STATES = ("queued", "sending", "sent", "failed")
MESSAGE_KINDS = ("invitation", "update", "cancellation", "notice", "reminder")
SUBJECT_TYPES = ("panel", "meeting")
PERSON_TYPES = ("expert", "contact")
RESPONSES = ("pending", "accepted", "declined")
# active: the person is invited; withdrawn: no longer on the meeting (replaced); cancelled: meeting cancelled.
INVITATION_STATES = ("active", "withdrawn", "cancelled")


class CalendarEvent(Base):
    """The UID one meeting keeps in every calendar, whatever changes."""

    __tablename__ = "calendar_event"
    __table_args__ = (UniqueConstraint("subject_type", "subject_id", name="uq_calendar_event_subject"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    subject_type: Mapped[str] = mapped_column(String(16))
    subject_id: Mapped[int] = mapped_column(Integer)
    uid: Mapped[str] = mapped_column(String(128), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class Invitation(Base):
    __tablename__ = "invitation"
    __table_args__ = (
        UniqueConstraint(
            "subject_type", "subject_id", "person_type", "person_id", name="uq_invitation_person"
        ),
        CheckConstraint("subject_type IN ('panel', 'meeting')", name="subject_type_known"),
        CheckConstraint("person_type IN ('expert', 'contact')", name="person_type_known"),
        CheckConstraint("response IN ('pending', 'accepted', 'declined')", name="response_known"),
        CheckConstraint("status IN ('active', 'withdrawn', 'cancelled')", name="status_known"),
        Index("ix_invitation_person", "person_type", "person_id"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    subject_type: Mapped[str] = mapped_column(String(16))
    subject_id: Mapped[int] = mapped_column(Integer)
    panel_member_id: Mapped[int | None] = mapped_column(
        ForeignKey("panel_member.id", ondelete="SET NULL"), index=True
    )
    person_type: Mapped[str] = mapped_column(String(16))
    person_id: Mapped[int] = mapped_column(Integer)
    email: Mapped[str | None] = mapped_column(String(254))
    name: Mapped[str] = mapped_column(String(64))
    uid: Mapped[str] = mapped_column(String(128))
    sequence: Mapped[int] = mapped_column(Integer, default=0)
    # Inside the signed RSVP token: a new nonce revokes every link sent before.
    nonce: Mapped[str] = mapped_column(String(32))
    status: Mapped[str] = mapped_column(String(16), default="active")
    response: Mapped[str] = mapped_column(String(16), default="pending")
    reason: Mapped[str] = mapped_column(String(500), default="")
    # A department names who will come.
    attendee: Mapped[str] = mapped_column(String(64), default="")
    answered_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # An expert's 承诺书 on accepting: the text they ticked and when (None: accepted without it, by API).
    declaration: Mapped[str | None] = mapped_column(String(200))
    declaration_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    reminded_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    messages: Mapped[list[OutboxMessage]] = relationship(
        back_populates="invitation", order_by="OutboxMessage.id", viewonly=True
    )


class OutboxMessage(Base):
    __tablename__ = "outbox_message"
    __table_args__ = (
        CheckConstraint("status IN ('queued', 'sending', 'sent', 'failed')", name="status_known"),
        CheckConstraint("attempts >= 0", name="attempts_not_negative"),
        Index("ix_outbox_message_due", "status", "next_attempt_at"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    kind: Mapped[str] = mapped_column(String(16))
    sender: Mapped[str] = mapped_column(String(254))
    to: Mapped[str] = mapped_column("to_addr", String(254))
    subject: Mapped[str] = mapped_column(String(300))
    message_id: Mapped[str] = mapped_column(String(255), unique=True)
    # The whole message as it goes on the wire (CRLF line ends, headers included).
    raw: Mapped[bytes] = mapped_column(LargeBinary)
    panel_id: Mapped[int | None] = mapped_column(ForeignKey("panel.id", ondelete="SET NULL"), index=True)
    panel_member_id: Mapped[int | None] = mapped_column(ForeignKey("panel_member.id", ondelete="SET NULL"))
    meeting_id: Mapped[int | None] = mapped_column(Integer, index=True)
    invitation_id: Mapped[int | None] = mapped_column(
        ForeignKey("invitation.id", ondelete="SET NULL"), index=True
    )
    status: Mapped[str] = mapped_column(String(16), default="queued")
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # Which sender run holds the row while it is ``sending``, and since when.
    claim: Mapped[str | None] = mapped_column(String(32), index=True)
    claimed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_error: Mapped[str] = mapped_column(String(500), default="")
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    invitation: Mapped[Invitation | None] = relationship(back_populates="messages")

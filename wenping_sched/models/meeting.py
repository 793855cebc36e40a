"""Joint meetings (联席会议) and analysis meetings (分析研判), and each department's part in one."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import JSON, Boolean, CheckConstraint, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import Base
from .types import UTCDateTime, utcnow

if TYPE_CHECKING:
    from .department import Department, Room
    from .matter import Matter

MEETING_KINDS = ("quarterly", "analysis", "adhoc")
MEETING_STATES = ("proposed", "inviting", "confirmed", "cancelled")
# "unavailable": an optional department the solver found nobody free for; it is not invited.
CONFIRMATION_STATES = ("pending", "accepted", "declined", "unavailable")
# Meetings in these states hold their people and their room.
BOOKING_STATES = ("proposed", "inviting", "confirmed")


class JointMeeting(Base):
    __tablename__ = "joint_meeting"
    __table_args__ = (
        CheckConstraint("kind IN ('quarterly', 'analysis', 'adhoc')", name="joint_meeting_kind_known"),
        CheckConstraint(
            "status IN ('proposed', 'inviting', 'confirmed', 'cancelled')", name="joint_meeting_status_known"
        ),
        CheckConstraint("end_at IS NULL OR end_at > start_at", name="joint_meeting_ends_after_start"),
        CheckConstraint("window_end > window_start", name="joint_meeting_window_ends_after_start"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    title: Mapped[str] = mapped_column(String(200))
    # The agenda (议题): what the departments come to discuss, in the invitation and on their page.
    agenda: Mapped[str] = mapped_column(Text, default="")
    kind: Mapped[str] = mapped_column(String(16), default="adhoc")
    status: Mapped[str] = mapped_column(String(16), default="proposed")
    window_start: Mapped[datetime] = mapped_column(UTCDateTime)
    window_end: Mapped[datetime] = mapped_column(UTCDateTime)
    duration_minutes: Mapped[int] = mapped_column(Integer)
    attendees_per_department: Mapped[int] = mapped_column(Integer, default=1)
    start: Mapped[datetime | None] = mapped_column("start_at", UTCDateTime)
    end: Mapped[datetime | None] = mapped_column("end_at", UTCDateTime)
    room_id: Mapped[int | None] = mapped_column(ForeignKey("room.id"), index=True)
    # The matter an analysis meeting (分析研判) is about; it goes into the matter's file (一事一档).
    matter_id: Mapped[int | None] = mapped_column(ForeignKey("matter.id"), index=True)
    # iCalendar: one UID for the meeting's life, SEQUENCE raised on every change (RFC 5545).
    uid: Mapped[str] = mapped_column(String(128), unique=True)
    sequence: Mapped[int] = mapped_column(Integer, default=0)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # The last solve, kept so that it can be shown, checked and replayed.
    instance: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    solution: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    warnings: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)

    room: Mapped[Room | None] = relationship(lazy="joined")
    matter: Mapped[Matter | None] = relationship()
    departments: Mapped[list[JointMeetingDepartment]] = relationship(
        back_populates="meeting",
        cascade="all, delete-orphan",
        order_by="JointMeetingDepartment.id",
        lazy="selectin",
    )

    @property
    def instance_key(self) -> str:
        """The meeting's id inside a solver instance."""
        return f"J{self.id}"


class JointMeetingDepartment(Base):
    """One department at one meeting: who the solver chose, and the department's answer."""

    __tablename__ = "joint_meeting_department"
    __table_args__ = (
        UniqueConstraint("meeting_id", "department_id", name="uq_joint_meeting_department"),
        CheckConstraint(
            "confirmation IN ('pending', 'accepted', 'declined', 'unavailable')",
            name="joint_meeting_confirmation_known",
        ),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    meeting_id: Mapped[int] = mapped_column(ForeignKey("joint_meeting.id", ondelete="CASCADE"), index=True)
    department_id: Mapped[int] = mapped_column(ForeignKey("department.id"), index=True)
    required: Mapped[bool] = mapped_column(Boolean, default=True)
    attendee_contact_ids: Mapped[list[int]] = mapped_column(JSON, default=list)
    confirmation: Mapped[str] = mapped_column(String(16), default="pending")
    # Who will come, as the department names them when confirming.
    attendee_name: Mapped[str] = mapped_column(String(64), default="")
    answered_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    meeting: Mapped[JointMeeting] = relationship(back_populates="departments")
    department: Mapped[Department] = relationship(lazy="joined")

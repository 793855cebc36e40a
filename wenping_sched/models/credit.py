"""Credit (信用评价): the rules in force, evaluations after each panel, the points ledger,
suspensions (暂停抽取) and leave (请假).

The ledger is append-only by design: an entry keeps the points its rule was worth when it was
made, so a later change of the rules never rewrites the past, and a corrected evaluation adds
entries that undo the old ones instead of editing them.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import TYPE_CHECKING

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    Date,
    ForeignKey,
    Index,
    Integer,
    String,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import Base
from .types import UTCDateTime, utcnow

if TYPE_CHECKING:
    from . import Expert, Panel, User

ATTENDANCE = ("present", "late", "absent")
ENTRY_KINDS = ("absent", "late", "low_score", "late_decline", "manual", "reversal")
SUSPENSION_KINDS = ("automatic", "manual")

# The rules until a city coordinator changes them (SERVICE.md, "Expert credit").
DEFAULT_RULES = {
    "absent": 20,
    "late_decline": 10,
    "late": 5,
    "low_score": 5,
    "threshold": 60,
    "suspension_months": 6,
}
START_POINTS = 100
LATE_DECLINE_HOURS = 24
LOW_SCORES = (1, 2)


class CreditRules(Base):
    """One version of the rules; the newest row is in force. Deductions are stored as positive points."""

    __tablename__ = "credit_rules"
    __table_args__ = (
        CheckConstraint(
            "absent >= 0 AND late_decline >= 0 AND late >= 0 AND low_score >= 0",
            name="deductions_not_negative",
        ),
        CheckConstraint("threshold BETWEEN 0 AND 100", name="threshold_in_range"),
        CheckConstraint("suspension_months BETWEEN 1 AND 36", name="suspension_months_in_range"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    absent: Mapped[int] = mapped_column(Integer)
    late_decline: Mapped[int] = mapped_column(Integer)
    late: Mapped[int] = mapped_column(Integer)
    low_score: Mapped[int] = mapped_column(Integer)
    threshold: Mapped[int] = mapped_column(Integer)
    suspension_months: Mapped[int] = mapped_column(Integer)
    reason: Mapped[str] = mapped_column(String(200), default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))

    created_by: Mapped[User | None] = relationship()


class Evaluation(Base):
    """One version of the office's rating of one member of one panel (一项目一评价).

    A change is a new row with the next version; the highest version is the evaluation.
    """

    __tablename__ = "evaluation"
    __table_args__ = (
        UniqueConstraint("panel_id", "expert_id", "version", name="uq_evaluation_version"),
        CheckConstraint("attendance IN ('present', 'late', 'absent')", name="attendance_known"),
        CheckConstraint("score IS NULL OR score BETWEEN 1 AND 5", name="score_in_range"),
        CheckConstraint("version >= 1", name="version_positive"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    panel_id: Mapped[int] = mapped_column(ForeignKey("panel.id", ondelete="CASCADE"), index=True)
    expert_id: Mapped[int] = mapped_column(ForeignKey("expert.id"), index=True)
    version: Mapped[int] = mapped_column(Integer, default=1)
    attendance: Mapped[str] = mapped_column(String(16))
    # None only for an absent member: there is no work to rate.
    score: Mapped[int | None] = mapped_column(Integer)
    remarks: Mapped[str] = mapped_column(String(500), default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))

    panel: Mapped[Panel] = relationship()
    expert: Mapped[Expert] = relationship(lazy="joined")
    created_by: Mapped[User | None] = relationship(lazy="joined")


class CreditEntry(Base):
    """One line of an expert's points: ``delta`` as the rule stood when the entry was made.

    ``at`` is when the event happened (the meeting, the answer, the manual entry): the
    calendar year it falls in is the year the points count for.
    """

    __tablename__ = "credit_entry"
    __table_args__ = (
        CheckConstraint(
            "kind IN ('absent', 'late', 'low_score', 'late_decline', 'manual', 'reversal')", name="kind_known"
        ),
        Index("ix_credit_entry_expert_at", "expert_id", "at"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    expert_id: Mapped[int] = mapped_column(ForeignKey("expert.id"))
    at: Mapped[datetime] = mapped_column(UTCDateTime)
    delta: Mapped[int] = mapped_column(Integer)
    kind: Mapped[str] = mapped_column(String(16))
    reason: Mapped[str] = mapped_column(String(500))
    panel_id: Mapped[int | None] = mapped_column(ForeignKey("panel.id", ondelete="SET NULL"))
    evaluation_id: Mapped[int | None] = mapped_column(ForeignKey("evaluation.id", ondelete="SET NULL"))
    leave_id: Mapped[int | None] = mapped_column(ForeignKey("expert_leave.id", ondelete="SET NULL"))
    reverses_id: Mapped[int | None] = mapped_column(ForeignKey("credit_entry.id"))
    rules_id: Mapped[int | None] = mapped_column(ForeignKey("credit_rules.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))

    created_by: Mapped[User | None] = relationship(lazy="joined")


class Suspension(Base):
    """A term during which the expert is not drawn (暂停抽取), through ``until`` inclusive."""

    __tablename__ = "suspension"
    __table_args__ = (
        CheckConstraint("kind IN ('automatic', 'manual')", name="kind_known"),
        Index("ix_suspension_expert_until", "expert_id", "until"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    expert_id: Mapped[int] = mapped_column(ForeignKey("expert.id"))
    kind: Mapped[str] = mapped_column(String(16))
    start: Mapped[datetime] = mapped_column("start_at", UTCDateTime)
    until: Mapped[date] = mapped_column(Date)
    # The points when an automatic suspension began.
    score: Mapped[int | None] = mapped_column(Integer)
    reason: Mapped[str] = mapped_column(String(500))
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    lifted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    lifted_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    lift_reason: Mapped[str] = mapped_column(String(500), default="")

    expert: Mapped[Expert] = relationship()
    created_by: Mapped[User | None] = relationship(foreign_keys=[created_by_id])
    lifted_by: Mapped[User | None] = relationship(foreign_keys=[lifted_by_id])


class Leave(Base):
    """A period the expert is away (请假): never drawn then; kept when withdrawn."""

    __tablename__ = "expert_leave"
    __table_args__ = (
        CheckConstraint("end_at > start_at", name="leave_ends_after_start"),
        Index("ix_expert_leave_expert_end", "expert_id", "end_at"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    expert_id: Mapped[int] = mapped_column(ForeignKey("expert.id"))
    start: Mapped[datetime] = mapped_column("start_at", UTCDateTime)
    end: Mapped[datetime] = mapped_column("end_at", UTCDateTime)
    # Declared as whole days: shown as dates, the end date inclusive.
    all_day: Mapped[bool] = mapped_column(Boolean, default=True)
    reason: Mapped[str] = mapped_column(String(200), default="")
    # Entered by a coordinator for the expert (by phone, in person), not by the expert.
    on_behalf: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    withdrawn_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    withdrawn_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))

    expert: Mapped[Expert] = relationship()
    created_by: Mapped[User | None] = relationship(foreign_keys=[created_by_id], lazy="joined")

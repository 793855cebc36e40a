"""Review panels (评审组), their members and the draw records (抽取记录)."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import JSON, ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import Base
from .types import UTCDateTime, utcnow

if TYPE_CHECKING:
    from .expert import Expert
    from .matter import Matter

PANEL_STATES = ("proposed", "inviting", "confirmed", "cancelled")
MEMBER_STATES = ("proposed", "pending", "accepted", "declined", "replaced")


class Panel(Base):
    __tablename__ = "panel"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    matter_id: Mapped[int] = mapped_column(ForeignKey("matter.id"), index=True)
    status: Mapped[str] = mapped_column(String(16), default="proposed")
    size: Mapped[int] = mapped_column(Integer)
    seats: Mapped[dict[str, int]] = mapped_column(JSON, default=dict)
    min_senior: Mapped[int] = mapped_column(Integer, default=0)
    window_start: Mapped[datetime] = mapped_column(UTCDateTime)
    window_end: Mapped[datetime] = mapped_column(UTCDateTime)
    duration_minutes: Mapped[int] = mapped_column(Integer)
    location: Mapped[str] = mapped_column(String(128), default="")
    start: Mapped[datetime | None] = mapped_column("start_at", UTCDateTime)
    end: Mapped[datetime | None] = mapped_column("end_at", UTCDateTime)
    seed: Mapped[int] = mapped_column(Integer)
    # Organisations to avoid beyond the matter's own, and experts the coordinator excluded.
    extra_conflicts: Mapped[list[str]] = mapped_column(JSON, default=list)
    excluded_expert_ids: Mapped[list[int]] = mapped_column(JSON, default=list)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    sequence: Mapped[int] = mapped_column(Integer, default=0)

    matter: Mapped[Matter] = relationship(back_populates="panels")
    members: Mapped[list[PanelMember]] = relationship(
        back_populates="panel", cascade="all, delete-orphan", order_by="PanelMember.id", lazy="selectin"
    )
    draws: Mapped[list[DrawRecord]] = relationship(
        back_populates="panel", cascade="all, delete-orphan", order_by="DrawRecord.id"
    )


class PanelMember(Base):
    __tablename__ = "panel_member"
    __table_args__ = (UniqueConstraint("panel_id", "expert_id", name="uq_panel_member_expert"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    panel_id: Mapped[int] = mapped_column(ForeignKey("panel.id", ondelete="CASCADE"), index=True)
    expert_id: Mapped[int] = mapped_column(ForeignKey("expert.id"), index=True)
    seat: Mapped[str | None] = mapped_column(String(32))
    state: Mapped[str] = mapped_column(String(16), default="proposed")
    draw_id: Mapped[int | None] = mapped_column(ForeignKey("draw_record.id"))
    answered_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    decline_reason: Mapped[str] = mapped_column(String(500), default="")

    panel: Mapped[Panel] = relationship(back_populates="members")
    expert: Mapped[Expert] = relationship(lazy="joined")
    draw: Mapped[DrawRecord | None] = relationship()

    @property
    def counts_for_load(self) -> bool:
        return self.state in ("proposed", "pending", "accepted")


class DrawRecord(Base):
    """Everything needed to show and replay one draw: the instance, the seed and the outcome."""

    __tablename__ = "draw_record"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    panel_id: Mapped[int] = mapped_column(ForeignKey("panel.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(16), default="draw")  # draw | redraw
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    seed: Mapped[int] = mapped_column(Integer)
    pools: Mapped[list[str]] = mapped_column(JSON, default=list)
    eligible_count: Mapped[int] = mapped_column(Integer, default=0)
    # [{"expert_id", "name", "reason"}]
    avoided: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    # [{"expert_id", "name", "seat"}]
    drawn: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    instance: Mapped[dict[str, Any]] = mapped_column(JSON)
    solution: Mapped[dict[str, Any]] = mapped_column(JSON)

    panel: Mapped[Panel] = relationship(back_populates="draws")

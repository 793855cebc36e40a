"""Review panels (评审组), their members and the draw records (抽取记录)."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import DDL, JSON, ForeignKey, Integer, String, UniqueConstraint, event
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
    # Why a panel was cancelled; a proposal cancelled before confirming is one set aside (搁置).
    cancel_reason: Mapped[str] = mapped_column(String(500), default="")

    matter: Mapped[Matter] = relationship(back_populates="panels")
    members: Mapped[list[PanelMember]] = relationship(
        back_populates="panel", cascade="all, delete-orphan", order_by="PanelMember.id", lazy="selectin"
    )
    # Never cascaded: a draw outlives anything that happens to its panel.
    draws: Mapped[list[DrawRecord]] = relationship(back_populates="panel", order_by="DrawRecord.id")


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


DRAW_STATES = ("committed", "revealed", "abandoned")
# draw: a coordinator's draw (witnessed, or one step with no witness); redraw: 补抽 after a
# decline; plan: a year plan's batch; legacy: made before lotteries (seed and members only).
DRAW_KINDS = ("draw", "redraw", "plan", "legacy")


class DrawRecord(Base):
    """One draw (抽取记录), never deleted: the lottery fixed and committed to first, then revealed.

    Committed: the request, who was eligible with which chance and who was avoided why, the
    lottery and its ``commitment``; the secret ``nonce`` is kept but shown to nobody. Revealed:
    the witness and their input, the seed, the ticket, the drawn members with their seats and
    the meeting's time, the panel. Abandoned: why (the data changed so that the drawn set broke
    a rule). SERVICE.md and ``solver.draw_proof`` say how anyone recomputes it.
    """

    __tablename__ = "draw_record"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    matter_id: Mapped[int] = mapped_column(ForeignKey("matter.id"), index=True)
    # The panel the reveal made (a draw) or filled (a redraw); None until then.
    panel_id: Mapped[int | None] = mapped_column(ForeignKey("panel.id"), index=True)
    kind: Mapped[str] = mapped_column(String(16), default="draw")
    # For a legacy record, the kind it had before lotteries (draw | redraw | plan).
    legacy_kind: Mapped[str | None] = mapped_column(String(16))
    status: Mapped[str] = mapped_column(String(16), default="committed")
    abandoned_reason: Mapped[str] = mapped_column(String(500), default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    # Who drew, as they were at the time: {"username", "name", "unit"}.
    drawn_by: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    # size, seats, min_senior, window, duration_minutes, location, conflicts, exclusions
    # [{"expert_id", "name", "reason"}]; a redraw adds kept and replaces.
    request: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    pools: Mapped[list[str]] = mapped_column(JSON, default=list)
    eligible_count: Mapped[int] = mapped_column(Integer, default=0)
    # [{"expert_id", "name", "pool", "employer", "senior", "chance"}]
    eligible: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    # [{"expert_id", "name", "pool", "reason"}]
    avoided: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    commitment: Mapped[str | None] = mapped_column(String(64))
    nonce: Mapped[str | None] = mapped_column(String(64))
    # {"panel_id", "total", "tickets", "chances"}
    lottery: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    # The instance the lottery was built from; a legacy record's instance and solution.
    instance: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    solution: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    witness: Mapped[str | None] = mapped_column(String(64))
    witness_input: Mapped[str | None] = mapped_column(String(200))
    seed: Mapped[int | None] = mapped_column(Integer)
    ticket: Mapped[int | None] = mapped_column(Integer)
    # [{"expert_id", "name", "seat"}]
    drawn: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    start: Mapped[datetime | None] = mapped_column("start_at", UTCDateTime)
    end: Mapped[datetime | None] = mapped_column("end_at", UTCDateTime)
    revealed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    matter: Mapped[Matter] = relationship(back_populates="draws")
    panel: Mapped[Panel | None] = relationship(back_populates="draws")

    @property
    def witnessed(self) -> bool:
        return bool(self.witness)


# A draw is never deleted, in the database itself: a DELETE is refused by a trigger (the same
# DDL runs in the migrations). Its status and reveal fields are updated as the draw goes on.
PG_DRAWS_KEPT = (
    "CREATE OR REPLACE FUNCTION draw_record_kept() RETURNS trigger AS $$ "
    "BEGIN RAISE EXCEPTION 'draw records are never deleted'; END; $$ LANGUAGE plpgsql",
    "CREATE TRIGGER draw_record_kept BEFORE DELETE ON draw_record "
    "FOR EACH ROW EXECUTE FUNCTION draw_record_kept()",
)
SQLITE_DRAWS_KEPT = (
    "CREATE TRIGGER draw_record_kept BEFORE DELETE ON draw_record "
    "BEGIN SELECT RAISE(ABORT, 'draw records are never deleted'); END",
)
for _statement in PG_DRAWS_KEPT:
    event.listen(DrawRecord.__table__, "after_create", DDL(_statement).execute_if(dialect="postgresql"))
for _statement in SQLITE_DRAWS_KEPT:
    event.listen(DrawRecord.__table__, "after_create", DDL(_statement).execute_if(dialect="sqlite"))

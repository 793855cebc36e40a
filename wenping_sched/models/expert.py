"""Experts (专家) with their sectors, declared interests and busy periods."""

from __future__ import annotations

from datetime import date, datetime
from typing import TYPE_CHECKING

from sqlalchemy import (
    JSON,
    Boolean,
    CheckConstraint,
    Column,
    Date,
    ForeignKey,
    Integer,
    String,
    Table,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import Base
from .pool import Pool, Sector
from .types import UTCDateTime, utcnow

if TYPE_CHECKING:
    from .user import User

expert_sector = Table(
    "expert_sector",
    Base.metadata,
    Column("expert_id", ForeignKey("expert.id", ondelete="CASCADE"), primary_key=True),
    Column("sector_id", ForeignKey("sector.id", ondelete="RESTRICT"), primary_key=True),
)


class Expert(Base):
    __tablename__ = "expert"
    __table_args__ = (UniqueConstraint("phone", name="uq_expert_phone"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(64))
    pool_id: Mapped[int] = mapped_column(ForeignKey("pool.id"))
    employer: Mapped[str] = mapped_column(String(128))
    title: Mapped[str] = mapped_column(String(64), default="")
    senior: Mapped[bool] = mapped_column(Boolean, default=False)
    phone: Mapped[str | None] = mapped_column(String(32))
    email: Mapped[str | None] = mapped_column(String(254))
    interests: Mapped[list[str]] = mapped_column(JSON, default=list)
    term_start: Mapped[date | None] = mapped_column(Date)
    term_end: Mapped[date | None] = mapped_column(Date)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    retired_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    max_load: Mapped[int | None] = mapped_column(Integer)
    # Panels served before this system kept records (load history carried over on import).
    prior_load: Mapped[int] = mapped_column(Integer, default=0)
    notes: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    pool: Mapped[Pool] = relationship(lazy="joined")
    sectors: Mapped[list[Sector]] = relationship(
        secondary=expert_sector, lazy="selectin", order_by=Sector.sort_order
    )
    busy: Mapped[list[ExpertBusy]] = relationship(
        back_populates="expert", cascade="all, delete-orphan", order_by="ExpertBusy.start"
    )

    @property
    def sector_names(self) -> list[str]:
        return [s.name for s in self.sectors]


class ExpertBusy(Base):
    """A period the expert cannot attend (declared, or a meeting outside this system)."""

    __tablename__ = "expert_busy"
    __table_args__ = (CheckConstraint("end_at > start_at", name="busy_ends_after_start"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    expert_id: Mapped[int] = mapped_column(ForeignKey("expert.id", ondelete="CASCADE"), index=True)
    start: Mapped[datetime] = mapped_column("start_at", UTCDateTime)
    end: Mapped[datetime] = mapped_column("end_at", UTCDateTime)
    reason: Mapped[str] = mapped_column(String(128), default="")
    # A coordinator who entered it for the expert (the expert phoned the office); None: the expert.
    entered_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))

    expert: Mapped[Expert] = relationship(back_populates="busy")
    entered_by: Mapped[User | None] = relationship(lazy="joined")

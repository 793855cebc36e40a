"""Major matters (重大事项) under assessment, through the seven steps."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy import JSON, CheckConstraint, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import Base
from .types import UTCDateTime, utcnow

if TYPE_CHECKING:
    from .meeting import JointMeeting
    from .panel import DrawRecord, Panel

CATEGORIES = ("国有企业改制", "城市建设", "三农", "社会保障", "机构改革", "环境保护", "民族宗教", "其他")

# The seven steps of an assessment (DOMAIN.md), numbered 1..7.
STAGES = (
    "确定评估事项和制定评估方案",
    "征求意见",
    "客观评估",
    "确定风险等级",
    "作出评估结论",
    "制定风险化解方案",
    "跟踪督查",
)
RISK_LEVELS = ("高", "中", "低")


class Matter(Base):
    __tablename__ = "matter"
    __table_args__ = (CheckConstraint("stage BETWEEN 1 AND 7", name="stage_in_range"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    title: Mapped[str] = mapped_column(String(200))
    category: Mapped[str] = mapped_column(String(16))
    # A county's name, or None for a matter the city itself assesses.
    county: Mapped[str | None] = mapped_column(String(16), index=True)
    responsible_department: Mapped[str] = mapped_column(String(128))
    related_organisations: Mapped[list[str]] = mapped_column(JSON, default=list)
    stage: Mapped[int] = mapped_column(Integer, default=1)
    risk_level: Mapped[str | None] = mapped_column(String(4))
    description: Mapped[str] = mapped_column(Text, default="")
    notes: Mapped[str] = mapped_column(Text, default="")
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    panels: Mapped[list[Panel]] = relationship(back_populates="matter", order_by="Panel.id")
    # Every draw ever made for the matter, set aside or abandoned ones too (never deleted).
    draws: Mapped[list[DrawRecord]] = relationship(back_populates="matter", order_by="DrawRecord.id")
    # The joint meetings held about the matter, earliest first (a meeting not yet timed last).
    joint_meetings: Mapped[list[JointMeeting]] = relationship(
        viewonly=True,
        order_by="(JointMeeting.start.is_(None), JointMeeting.start, JointMeeting.id)",
    )

    @property
    def stage_name(self) -> str:
        return STAGES[self.stage - 1]

    @property
    def pools(self) -> list[str]:
        """The pools a panel for this matter draws from, most local first."""
        from .pool import CITY

        return [self.county, CITY] if self.county else [CITY]

    @property
    def conflicts(self) -> list[str]:
        return [self.responsible_department, *self.related_organisations]

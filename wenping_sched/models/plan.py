"""A plan (年度评审计划): many panel requests solved as one batch, off the request, with progress."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, CheckConstraint, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from ..extensions import Base
from .types import UTCDateTime, utcnow

PLAN_STATES = ("queued", "running", "done", "failed")


class Plan(Base):
    """The task row of one batch solve: what was asked, how far it got, and what came out."""

    __tablename__ = "plan"
    __table_args__ = (
        CheckConstraint("status IN ('queued', 'running', 'done', 'failed')", name="status_known"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    title: Mapped[str] = mapped_column(String(200), default="")
    status: Mapped[str] = mapped_column(String(16), default="queued", index=True)
    # "city" or the county of the coordinator who made it: who may see and apply it.
    scope: Mapped[str] = mapped_column(String(16))
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    started_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # [{"matter_id", "size", "seats", "min_senior", "window": [iso, iso], "duration_minutes"}]
    requests: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    seed: Mapped[int] = mapped_column(Integer)
    # The batch's seed is seed_from(nonce, "") (solver.draw_proof): its panels' draw records carry
    # the nonce, so each verifies like any other draw. Shown only with those records.
    nonce: Mapped[str | None] = mapped_column(String(64))
    total: Mapped[int] = mapped_column(Integer, default=0)
    filled: Mapped[int] = mapped_column(Integer, default=0)
    unfilled: Mapped[int] = mapped_column(Integer, default=0)
    # What the runner is doing now, for the progress page (e.g. "solving").
    stage: Mapped[str] = mapped_column(String(32), default="queued")
    error: Mapped[str] = mapped_column(Text, default="")
    # The batch instance and its solution: the draw records of the panels made from it keep them.
    instance: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    solution: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    applied_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # {"request index": panel id} of the panels created from the plan.
    panel_ids: Mapped[dict[str, int]] = mapped_column(JSON, default=dict)

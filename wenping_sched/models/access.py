"""Access beyond passwords: login throttles, server-side login sessions, calendar-feed keys."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from ..extensions import Base
from .types import UTCDateTime, utcnow


class LoginThrottle(Base):
    """Login attempts counted per (username, address) and per address, in a window.

    Counted with conditional UPDATEs, so parallel attempts cannot all pass: an attempt claims
    its place before the password is checked. Keyed by the name as typed, so an unknown name is
    throttled exactly like a known one.
    """

    __tablename__ = "login_throttle"

    key: Mapped[str] = mapped_column(String(200), primary_key=True)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    # Attempts refused while throttled: only the first of a window is audited.
    refused: Mapped[int] = mapped_column(Integer, default=0)
    window_start: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class LoginSession(Base):
    """One signed-in browser: the session cookie names it, logging out ends it for good."""

    __tablename__ = "login_session"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    # sha256 of the random token in the cookie: a copy of this table opens no session.
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    ip: Mapped[str] = mapped_column(String(64), default="")


class FeedKey(Base):
    """The version of a person's calendar-feed link: raising it revokes every older link."""

    __tablename__ = "feed_key"
    __table_args__ = (UniqueConstraint("person_type", "person_id", name="uq_feed_key_person"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    person_type: Mapped[str] = mapped_column(String(16))  # expert | contact
    person_id: Mapped[int] = mapped_column(Integer)
    version: Mapped[int] = mapped_column(Integer, default=0)
    changed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

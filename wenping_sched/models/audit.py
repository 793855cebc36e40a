"""The append-only audit log, a hash chain: each entry holds the sha256 of the one before it."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import DDL, JSON, ForeignKey, Integer, String, event
from sqlalchemy.orm import Mapped, mapped_column

from ..extensions import Base
from .types import UTCDateTime, utcnow


class AuditLog(Base):
    __tablename__ = "audit_log"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    username: Mapped[str] = mapped_column(String(64), default="")
    action: Mapped[str] = mapped_column(String(64), index=True)
    target: Mapped[str] = mapped_column(String(128), default="")
    detail: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    ip: Mapped[str] = mapped_column(String(64), default="")
    # The chain (see wenping_sched/auditchain.py): the entry's place in it, the hash of the entry
    # before it and its own hash. Set once, at commit, under the chain's lock; a row without them
    # was not written by the application.
    seq: Mapped[int | None] = mapped_column(Integer, unique=True, index=True)
    prev_hash: Mapped[str | None] = mapped_column(String(64))
    hash: Mapped[str | None] = mapped_column(String(64))


class AuditChainHead(Base):
    """One row: the last entry of the chain. Appends lock it (PostgreSQL: FOR UPDATE; SQLite: a write)."""

    __tablename__ = "audit_chain_head"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    seq: Mapped[int] = mapped_column(Integer, default=0)
    hash: Mapped[str] = mapped_column(String(64))
    entry_id: Mapped[int | None] = mapped_column(Integer)


# The audit log is append-only in the database itself, not just by convention in the code:
# an UPDATE or DELETE is refused by a trigger (the same DDL runs in the migrations).
PG_APPEND_ONLY = (
    "CREATE OR REPLACE FUNCTION audit_log_append_only() RETURNS trigger AS $$ "
    "BEGIN RAISE EXCEPTION 'audit_log is append-only'; END; $$ LANGUAGE plpgsql",
    "CREATE TRIGGER audit_log_append_only BEFORE UPDATE OR DELETE ON audit_log "
    "FOR EACH ROW EXECUTE FUNCTION audit_log_append_only()",
)
SQLITE_APPEND_ONLY = (
    "CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log "
    "BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END",
    "CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log "
    "BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END",
)
for _statement in PG_APPEND_ONLY:
    event.listen(AuditLog.__table__, "after_create", DDL(_statement).execute_if(dialect="postgresql"))
for _statement in SQLITE_APPEND_ONLY:
    event.listen(AuditLog.__table__, "after_create", DDL(_statement).execute_if(dialect="sqlite"))

"""Serialise the draws and schedules that compete for the same people and rooms.

On PostgreSQL the rows of everyone a draw may pick are locked FOR UPDATE (in id order, so
two draws cannot deadlock) until the transaction ends: a second draw over the same pools
waits, then sees the first one's panel as a commitment. SQLite has no row locks; there the
draws of one process are serialised by a lock held until the transaction ends.

Every wait is bounded (``DRAW_LOCK_TIMEOUT`` seconds, 10 by default): a draw that cannot have
the lock in time raises ``LockTimeout``, which the app answers with a 503 in Chinese. The
in-process lock is released when its session's outermost transaction ends, however it ends:
commit, rollback, or the session being closed after an exception escaped the request.
"""

from __future__ import annotations

import threading
from collections.abc import Iterable
from typing import Any

from flask import current_app, has_app_context
from flask_babel import gettext as _
from sqlalchemy import event, select, text
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session, SessionTransaction
from werkzeug.exceptions import ServiceUnavailable

from .extensions import db
from .models import Contact, Expert, Pool, Room

DEFAULT_TIMEOUT = 10.0
# Reentrant: a session that already holds it may ask again; other threads wait (bounded).
_process_lock = threading.RLock()
_HELD = "wenping_serialised"
# PostgreSQL's SQLSTATE for "could not obtain lock" (lock_timeout expired).
LOCK_NOT_AVAILABLE = "55P03"


class LockTimeout(ServiceUnavailable):
    """Another draw held the people or rooms longer than the bounded wait: try again shortly."""

    def __init__(self) -> None:
        super().__init__(retry_after=5)
        self.message = _("其他抽取或排会正在进行，请稍后重试（本次操作未保存）")
        self.fields: dict[str, Any] = {}


def timeout() -> float:
    if has_app_context():
        return float(current_app.config.get("DRAW_LOCK_TIMEOUT", DEFAULT_TIMEOUT))
    return DEFAULT_TIMEOUT


@event.listens_for(Session, "after_transaction_end")
def _release(session: Session, transaction: SessionTransaction) -> None:
    # Only the outermost transaction: a savepoint ending inside the draw keeps the lock.
    if transaction.parent is None and session.info.pop(_HELD, False):
        _process_lock.release()


def _serialise_in_process(session: Session) -> None:
    if session.info.get(_HELD):
        return
    # The lock lives exactly as long as a transaction: begin one now, so that its end (commit,
    # rollback or close) is what releases the lock.
    session.connection()
    if not _process_lock.acquire(timeout=timeout()):
        raise LockTimeout()
    session.info[_HELD] = True


def held() -> bool:
    """Whether the current session holds the in-process draw lock (tests and diagnostics)."""
    return bool(db.session().info.get(_HELD))


def _postgres(session: Session) -> bool:
    return session.get_bind().dialect.name == "postgresql"


def _lock_rows(session: Session, *statements: Any) -> None:
    """Run FOR UPDATE statements with the bounded wait; a wait that runs out is a LockTimeout."""
    milliseconds = max(1, int(timeout() * 1000))
    try:
        # SET LOCAL: for this transaction only; every later lock in it is bounded too.
        session.execute(text(f"SET LOCAL lock_timeout = {milliseconds}"))
        for statement in statements:
            session.execute(statement)
    except OperationalError as e:
        if getattr(e.orig, "sqlstate", None) == LOCK_NOT_AVAILABLE:
            session.rollback()
            raise LockTimeout() from e
        raise


def lock_pools(pools: Iterable[str]) -> None:
    """Hold the experts of these pools for the rest of the transaction."""
    session = db.session()
    if _postgres(session):
        _lock_rows(
            session,
            select(Expert.id)
            .join(Pool)
            .where(Pool.code.in_(list(pools)))
            .order_by(Expert.id)
            .with_for_update(of=Expert),
        )
    else:
        _serialise_in_process(session)


def lock_people_and_rooms(contact_ids: Iterable[int] | None = None) -> None:
    """Hold the joint meetings' contacts and the rooms for the rest of the transaction."""
    session = db.session()
    if _postgres(session):
        stmt = select(Contact.id).order_by(Contact.id).with_for_update()
        if contact_ids is not None:
            stmt = stmt.where(Contact.id.in_(list(contact_ids)))
        _lock_rows(session, stmt, select(Room.id).order_by(Room.id).with_for_update())
    else:
        _serialise_in_process(session)


def lock_rooms() -> None:
    """Hold the rooms for the rest of the transaction."""
    session = db.session()
    if _postgres(session):
        _lock_rows(session, select(Room.id).order_by(Room.id).with_for_update())
    else:
        _serialise_in_process(session)

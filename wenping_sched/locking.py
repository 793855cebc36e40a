"""Serialise the draws and schedules that compete for the same people and rooms.

On PostgreSQL the rows of everyone a draw may pick are locked FOR UPDATE (in id order, so
two draws cannot deadlock) until the transaction ends: a second draw over the same pools
waits, then sees the first one's panel as a commitment. SQLite has no row locks; there the
draws of one process are serialised by a lock held until the transaction ends.
"""

from __future__ import annotations

import threading
from collections.abc import Iterable

from sqlalchemy import event, select
from sqlalchemy.orm import Session

from .extensions import db
from .models import Contact, Expert, Pool, Room

_process_lock = threading.RLock()
_HELD = "wenping_serialised"


def _serialise_in_process(session: Session) -> None:
    if session.info.get(_HELD):
        return
    _process_lock.acquire()
    session.info[_HELD] = True

    def release(*_: object) -> None:
        if session.info.pop(_HELD, False):
            _process_lock.release()

    event.listen(session, "after_commit", release, once=True)
    event.listen(session, "after_rollback", release, once=True)
    event.listen(session, "after_soft_rollback", release, once=True)


def _postgres(session: Session) -> bool:
    return session.get_bind().dialect.name == "postgresql"


def lock_pools(pools: Iterable[str]) -> None:
    """Hold the experts of these pools for the rest of the transaction."""
    session = db.session()
    if _postgres(session):
        session.execute(
            select(Expert.id)
            .join(Pool)
            .where(Pool.code.in_(list(pools)))
            .order_by(Expert.id)
            .with_for_update(of=Expert)
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
        session.execute(stmt)
        session.execute(select(Room.id).order_by(Room.id).with_for_update())
    else:
        _serialise_in_process(session)


def lock_rooms() -> None:
    """Hold the rooms for the rest of the transaction."""
    session = db.session()
    if _postgres(session):
        session.execute(select(Room.id).order_by(Room.id).with_for_update())
    else:
        _serialise_in_process(session)

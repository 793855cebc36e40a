"""Two senders claim the outbox at the same moment: each message is taken by exactly one of them.

The race the claim's ``status = 'queued'`` guard is for: both senders read the due rows before
either writes its claim; without the guard the second takes the first one's rows again and the
mail goes out twice. The first test plays that interleaving step by step (both databases); the
second runs two real senders in threads on PostgreSQL, a hook holding each claim's UPDATE until
both have read (SQLite serialises the two transactions from their first write, so there they
cannot both read first).
"""

from __future__ import annotations

import threading
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import event, select

ROWS = 30


def _queue(n: int) -> list[int]:
    from wenping_sched.extensions import db
    from wenping_sched.models import utcnow
    from wenping_sched.models.outbox import OutboxMessage

    rows = [
        OutboxMessage(
            kind="invitation",
            sender="wenping@jiuquan.gov.cn",
            to=f"expert{i}@example.cn",
            subject=f"邀请{i}",
            message_id=f"<claim-{i}@jiuquan.gov.cn>",
            raw=b"Subject: x\r\n\r\nx\r\n",
            status="queued",
            attempts=0,
            next_attempt_at=utcnow() - timedelta(minutes=1),
        )
        for i in range(n)
    ]
    db.session.add_all(rows)
    db.session.commit()
    return [r.id for r in rows]


def _is_claim(statement: str) -> bool:
    """The UPDATE that marks rows ``sending`` (not the sweep that puts stale claims back)."""
    head = statement.split("WHERE", 1)[0]
    return statement.lstrip().upper().startswith("UPDATE") and "claimed_at" in head


def test_a_row_read_by_two_senders_is_claimed_by_one(app: Any) -> None:
    from wenping_sched.extensions import db
    from wenping_sched.invitations import outbox
    from wenping_sched.models import utcnow

    ids = _queue(ROWS)
    now = utcnow()
    first_read, second_read = outbox._due(ROWS, now), outbox._due(ROWS, now)
    assert first_read == second_read == sorted(ids)  # both senders see every due row
    first = [row.id for row in outbox._take(first_read, now)]
    second = [row.id for row in outbox._take(second_read, now)]
    assert first == sorted(ids) and second == []  # the later claim finds them taken
    db.session.expire_all()
    again = outbox._claim(ROWS, utcnow())
    assert again == []  # and nobody takes them a third time


def test_two_senders_at_once_never_take_the_same_message(app: Any) -> None:
    from wenping_sched.extensions import db
    from wenping_sched.invitations import outbox
    from wenping_sched.models import utcnow
    from wenping_sched.models.outbox import OutboxMessage

    if db.engine.dialect.name != "postgresql":
        pytest.skip("SQLite serialises the two claims from their first write; the test above plays the race")
    ids = _queue(ROWS)
    db.session.remove()
    both_read = threading.Barrier(2, timeout=30)

    def hold_claim(conn: Any, cursor: Any, statement: str, params: Any, context: Any, many: bool) -> None:
        if _is_claim(statement) and threading.current_thread().name.startswith("sender"):
            both_read.wait()

    event.listen(db.engine, "before_cursor_execute", hold_claim)
    claimed: dict[str, list[int]] = {}
    errors: list[BaseException] = []

    def sender(name: str) -> None:
        try:
            with app.app_context():
                claimed[name] = [row.id for row in outbox._claim(ROWS, utcnow())]
                db.session.remove()
        except BaseException as e:  # reported below, with the thread's name
            errors.append(e)

    threads = [threading.Thread(target=sender, args=(f"sender{i}",), name=f"sender{i}") for i in (1, 2)]
    try:
        for t in threads:
            t.start()
        for t in threads:
            t.join(60)
    finally:
        event.remove(db.engine, "before_cursor_execute", hold_claim)
    assert not errors, errors
    first, second = claimed["sender1"], claimed["sender2"]
    assert not set(first) & set(second), "a message was claimed by both senders"
    assert sorted(first + second) == sorted(ids)  # and none was left behind
    statuses = set(db.session.scalars(select(OutboxMessage.status)))
    assert statuses == {"sending"}

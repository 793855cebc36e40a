"""The audit log as a hash chain: each entry holds the sha256 of the one before it.

An entry's hash is the sha256 hex of its canonical bytes: the UTF-8 JSON (keys sorted, no
spaces, non-ASCII as itself) of ``{"seq", "id", "at", "user_id", "username", "action",
"target", "detail", "ip", "prev_hash"}``, where ``at`` is the UTC time written as
``2026-12-01T08:30:00.000000Z``, ``detail`` is the stored JSON object and ``prev_hash`` is the
hash of the entry before it (64 zeros for the first). ``seq`` numbers the chain from 1.

Entries are collected during the transaction (``audit.record``) and chained in one
``before_commit`` step under a short lock on the one-row head table: on PostgreSQL the head row
is locked FOR UPDATE, on SQLite the write to it takes the database's write lock. So the chain
lock is held only for the instant before commit, and several processes append correctly.

``verify`` reads the log and the head in one statement (one snapshot) and names the first
entry that was changed, removed or inserted behind the application's back.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import Table, event, func, select, text, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session, SessionTransaction

from .models import AuditChainHead, AuditLog

GENESIS = "0" * 64
HEAD_ID = 1
_PENDING = "wenping_audit_pending"


def at_text(at: datetime) -> str:
    """The entry's time as hashed: UTC with microseconds."""
    return at.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def canonical_bytes(entry: Mapping[str, Any]) -> bytes:
    """The bytes an entry's hash covers (``entry`` has the keys of an audit_log row)."""
    body = {
        "seq": entry["seq"],
        "id": entry["id"],
        "at": at_text(entry["at"]),
        "user_id": entry["user_id"],
        "username": entry["username"],
        "action": entry["action"],
        "target": entry["target"],
        "detail": entry["detail"],
        "ip": entry["ip"],
        "prev_hash": entry["prev_hash"],
    }
    return json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode("utf-8")


def entry_hash(entry: Mapping[str, Any]) -> str:
    return hashlib.sha256(canonical_bytes(entry)).hexdigest()


def _row(entry: AuditLog) -> dict[str, Any]:
    return {
        "seq": entry.seq,
        "id": entry.id,
        "at": entry.at,
        "user_id": entry.user_id,
        "username": entry.username,
        "action": entry.action,
        "target": entry.target,
        "detail": entry.detail,
        "ip": entry.ip,
        "prev_hash": entry.prev_hash,
    }


def normalise_detail(detail: Mapping[str, Any]) -> dict[str, Any]:
    """The detail as it reads back from the database (tuples as lists, keys as strings, dates as text)."""
    value = json.loads(json.dumps(dict(detail), ensure_ascii=False, default=str))
    assert isinstance(value, dict)
    return value


# --- appending ------------------------------------------------------------------------------


def add_pending(session: Session, entry: AuditLog) -> None:
    """Keep ``entry`` with the session's transaction; it is chained and inserted at commit."""
    if not session.in_transaction():
        session.begin()
    session.info.setdefault(_PENDING, []).append(entry)


def _lock_head(session: Session) -> tuple[int, str]:
    """Take the chain's lock and read its head (creating the head row the first time)."""
    table: Table = AuditChainHead.__table__  # type: ignore[assignment]
    dialect = session.get_bind().dialect.name
    values = {"id": HEAD_ID, "seq": 0, "hash": GENESIS, "entry_id": None}
    if dialect == "postgresql":
        session.execute(postgresql.insert(table).values(values).on_conflict_do_nothing())
    elif dialect == "sqlite":
        # A write statement: it takes SQLite's write lock, held until the commit.
        session.execute(sqlite.insert(table).values(values).on_conflict_do_nothing())
    stmt = select(table.c.seq, table.c.hash).where(table.c.id == HEAD_ID).with_for_update()
    row = session.execute(stmt).one()
    return int(row.seq), str(row.hash)


def _next_ids(session: Session, n: int) -> list[int]:
    if session.get_bind().dialect.name == "postgresql":
        return list(
            session.scalars(
                text("SELECT nextval(pg_get_serial_sequence('audit_log', 'id')) FROM generate_series(1, :n)"),
                {"n": n},
            )
        )
    # Under SQLite's write lock nobody else inserts: the next ids are free.
    last = session.scalar(select(func.coalesce(func.max(AuditLog.id), 0))) or 0
    return list(range(last + 1, last + 1 + n))


def append(session: Session, entries: list[AuditLog]) -> None:
    """Chain ``entries`` after the head and insert them, in this transaction."""
    seq, prev = _lock_head(session)
    for entry, entry_id in zip(entries, _next_ids(session, len(entries)), strict=True):
        seq += 1
        entry.id, entry.seq, entry.prev_hash = entry_id, seq, prev
        entry.hash = prev = entry_hash(_row(entry))
    session.add_all(entries)
    session.flush()
    session.execute(
        update(AuditChainHead)
        .where(AuditChainHead.id == HEAD_ID)
        .values(seq=seq, hash=prev, entry_id=entries[-1].id)
    )


@event.listens_for(Session, "before_commit")
def _append_pending(session: Session) -> None:
    pending = session.info.pop(_PENDING, None)
    if pending:
        append(session, pending)


@event.listens_for(Session, "after_transaction_end")
def _forget_pending(session: Session, transaction: SessionTransaction) -> None:
    # Entries of a transaction that ended without committing go with the change they recorded.
    if transaction.parent is None:
        session.info.pop(_PENDING, None)


# --- verifying ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Verification:
    """The outcome of checking the chain: whole, or the first entry found changed, removed or inserted."""

    ok: bool
    entries: int
    kind: str = ""  # "" | "changed" | "removed" | "inserted"
    entry_id: int | None = None
    message: str = ""
    # The last entry's hash when the chain is whole: worth keeping outside the database.
    head_hash: str = ""


def _label(row: Mapping[str, Any]) -> str:
    return _(
        "编号 #%(id)s（%(at)s，%(action)s）",
        id=row["id"],
        at=at_text(row["at"])[:19].replace("T", " ") + " UTC" if row["at"] else "—",
        action=row["action"],
    )


def check_rows(rows: Iterable[Mapping[str, Any]], head_seq: int, head_hash: str) -> Verification:
    """Walk the entries in id order against the head; the first break is named."""
    expected, prev, count = 1, GENESIS, 0
    previous: Mapping[str, Any] | None = None
    for row in rows:
        count += 1
        if row["hash"] is None or row["seq"] is None or row["prev_hash"] is None:
            message = _("%(e)s 不在哈希链中：是绕过系统插入的记录", e=_label(row))
            return Verification(False, count, "inserted", row["id"], message)
        if row["seq"] < expected:
            return Verification(
                False,
                count,
                "inserted",
                row["id"],
                _("%(e)s 重复占用链上第 %(n)d 条的位置：是插入的记录", e=_label(row), n=row["seq"]),
            )
        if entry_hash(row) != row["hash"]:
            return Verification(
                False,
                count,
                "changed",
                row["id"],
                _("%(e)s 被改动：内容与它的哈希不符", e=_label(row)),
            )
        if row["seq"] > expected:
            return Verification(
                False,
                count,
                "removed",
                row["id"],
                _(
                    "在 %(e)s 之前缺少链上第 %(a)d–%(b)d 条：记录被删除",
                    e=_label(row),
                    a=expected,
                    b=row["seq"] - 1,
                ),
            )
        if row["prev_hash"] != prev:
            assert previous is not None  # the first entry's prev_hash is checked against GENESIS
            if row["seq"] == 1:
                message = _("%(e)s 不是链的开头：是插入的记录", e=_label(row))
                return Verification(False, count, "inserted", row["id"], message)
            return Verification(
                False,
                count,
                "changed",
                previous["id"],
                _(
                    "%(p)s 被改动（并重算了哈希）：其后的 %(e)s 记下的前一条哈希与之不符",
                    p=_label(previous),
                    e=_label(row),
                ),
            )
        if row["seq"] > head_seq:
            return Verification(
                False,
                count,
                "inserted",
                row["id"],
                _("%(e)s 在链头（第 %(n)d 条）之后：是绕过系统插入的记录", e=_label(row), n=head_seq),
            )
        expected, prev, previous = row["seq"] + 1, row["hash"], row
    last = expected - 1
    if last < head_seq:
        return Verification(
            False,
            count,
            "removed",
            previous["id"] if previous is not None else None,
            _("链尾缺少第 %(a)d–%(b)d 条：最后的记录被删除", a=last + 1, b=head_seq),
        )
    if last == head_seq and prev != head_hash:
        assert previous is not None
        return Verification(
            False,
            count,
            "changed",
            previous["id"],
            _("%(e)s 被改动（并重算了哈希）：与链头记下的哈希不符", e=_label(previous)),
        )
    return Verification(True, count, head_hash=prev)


def verify(session: Session) -> Verification:
    """Check the whole chain in one snapshot: the log and the head are read by one statement."""
    log: Table = AuditLog.__table__  # type: ignore[assignment]
    head: Table = AuditChainHead.__table__  # type: ignore[assignment]
    head_seq = select(head.c.seq).where(head.c.id == HEAD_ID).scalar_subquery()
    head_hash = select(head.c.hash).where(head.c.id == HEAD_ID).scalar_subquery()
    stmt = (
        select(
            log.c.id,
            log.c.seq,
            log.c.at,
            log.c.user_id,
            log.c.username,
            log.c.action,
            log.c.target,
            log.c.detail,
            log.c.ip,
            log.c.prev_hash,
            log.c.hash,
            head_seq.label("head_seq"),
            head_hash.label("head_hash"),
        )
        .order_by(log.c.id)
        .execution_options(yield_per=2000)
    )
    result = session.execute(stmt).mappings()
    try:
        first = result.fetchone()
        if first is None:
            row = session.execute(select(head.c.seq, head.c.hash).where(head.c.id == HEAD_ID)).first()
            if row is not None and row.seq:
                message = _("日志为空，但链头记有 %(n)d 条：记录被删除", n=row.seq)
                return Verification(False, 0, "removed", None, message)
            return Verification(True, 0)
        if first["head_seq"] is None:
            message = _("链头记录（audit_chain_head）缺失：哈希链无法核对，记录可能被删除或替换")
            return Verification(False, 0, "removed", None, message)

        def rows() -> Iterable[Mapping[str, Any]]:
            yield dict(first)
            for row in result:
                yield dict(row)

        return check_rows(rows(), int(first["head_seq"]), str(first["head_hash"]))
    finally:
        # A server-side cursor (PostgreSQL) is closed even when the walk stops at the first break.
        result.close()

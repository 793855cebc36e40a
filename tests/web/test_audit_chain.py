"""The audit log is a hash chain: ``audit verify`` finds an entry changed, removed or inserted behind the
application's back. The tests tamper as an attacker with database access would: they drop the
append-only triggers first, then write SQL."""

from __future__ import annotations

import itertools
import multiprocessing
from typing import Any

import pytest
from sqlalchemy import func, select, text

from wenping_sched import audit, auditchain
from wenping_sched.cli import main
from wenping_sched.extensions import db
from wenping_sched.models import AuditChainHead, AuditLog


def _entries(n: int = 6) -> list[int]:
    for i in range(n):
        audit.record("test.event", None, target=f"thing:{i}", n=i, note="测试")
        db.session.commit()
    return list(db.session.scalars(select(AuditLog.id).order_by(AuditLog.id)))


def _drop_triggers() -> None:
    if db.engine.dialect.name == "postgresql":
        db.session.execute(text("DROP TRIGGER audit_log_append_only ON audit_log"))
    else:
        db.session.execute(text("DROP TRIGGER audit_log_no_update"))
        db.session.execute(text("DROP TRIGGER audit_log_no_delete"))
    db.session.commit()


def _verify() -> auditchain.Verification:
    db.session.rollback()
    return auditchain.verify(db.session())


def test_entries_are_chained_in_commit_order(app):
    ids = _entries(4)
    rows = list(db.session.scalars(select(AuditLog).order_by(AuditLog.id)))
    assert [r.seq for r in rows] == list(range(1, len(ids) + 1))
    assert rows[0].prev_hash == auditchain.GENESIS
    for before, after in itertools.pairwise(rows):
        assert after.prev_hash == before.hash
    head = db.session.get(AuditChainHead, auditchain.HEAD_ID)
    assert head is not None and (head.seq, head.hash, head.entry_id) == (rows[-1].seq, rows[-1].hash, ids[-1])
    result = _verify()
    assert (result.ok, result.entries, result.head_hash) == (True, len(ids), rows[-1].hash)


def test_a_rolled_back_entry_leaves_no_trace(app):
    _entries(2)
    audit.record("test.rolled_back", None)
    db.session.rollback()
    audit.record("test.kept", None)
    db.session.commit()
    actions = list(db.session.scalars(select(AuditLog.action).order_by(AuditLog.id)))
    assert actions == ["test.event", "test.event", "test.kept"]
    assert _verify().ok


def test_a_changed_entry_is_named(app):
    ids = _entries()
    _drop_triggers()
    db.session.execute(text("UPDATE audit_log SET target = 'thing:99' WHERE id = :id"), {"id": ids[2]})
    db.session.commit()
    result = _verify()
    assert (result.ok, result.kind, result.entry_id) == (False, "changed", ids[2])
    assert f"#{ids[2]}" in result.message and "改动" in result.message


def test_a_changed_entry_with_its_hash_recomputed_is_named(app):
    ids = _entries()
    _drop_triggers()
    row = dict(db.session.execute(select(AuditLog.__table__).where(AuditLog.id == ids[2])).mappings().one())
    row["detail"] = {"n": 2, "note": "改过"}
    forged = auditchain.entry_hash(row)
    db.session.execute(
        text("UPDATE audit_log SET detail = :d, hash = :h WHERE id = :id"),
        {"d": '{"n": 2, "note": "改过"}', "h": forged, "id": ids[2]},
    )
    db.session.commit()
    result = _verify()
    assert (result.ok, result.kind, result.entry_id) == (False, "changed", ids[2])


@pytest.mark.parametrize("which", ["middle", "last"])
def test_a_deleted_entry_is_found(app, which):
    ids = _entries()
    _drop_triggers()
    victim = ids[3] if which == "middle" else ids[-1]
    db.session.execute(text("DELETE FROM audit_log WHERE id = :id"), {"id": victim})
    db.session.commit()
    result = _verify()
    assert (result.ok, result.kind) == (False, "removed")
    assert "删除" in result.message
    if which == "middle":
        assert result.entry_id == ids[4]  # the gap is found just before the next entry


def test_an_inserted_entry_is_found(app):
    ids = _entries()
    db.session.execute(
        text(
            "INSERT INTO audit_log (at, username, action, target, detail, ip) "
            "VALUES (CURRENT_TIMESTAMP, 'ghost', 'login', '', '{}', '')"
        )
    )
    db.session.commit()
    result = _verify()
    assert (result.ok, result.kind) == (False, "inserted")
    assert result.entry_id is not None and result.entry_id > ids[-1]


def test_an_inserted_entry_with_a_forged_chain_is_found(app):
    """The attacker computes a well-formed hash after the last entry, but the head does not know it."""
    _entries()
    last = db.session.scalars(select(AuditLog).order_by(AuditLog.id.desc())).first()
    assert last is not None
    row = {
        "seq": last.seq + 1,
        "id": last.id + 1,
        "at": last.at,
        "user_id": None,
        "username": "ghost",
        "action": "login",
        "target": "",
        "detail": {},
        "ip": "",
        "prev_hash": last.hash,
    }
    db.session.execute(
        text(
            "INSERT INTO audit_log (id, seq, at, username, action, target, detail, ip, prev_hash, hash) "
            "VALUES (:id, :seq, :at, 'ghost', 'login', '', '{}', '', :prev, :hash)"
        ),
        {
            "id": row["id"],
            "seq": row["seq"],
            "at": last.at.replace(tzinfo=None),
            "prev": row["prev_hash"],
            "hash": auditchain.entry_hash(row),
        },
    )
    db.session.commit()
    result = _verify()
    assert (result.ok, result.kind, result.entry_id) == (False, "inserted", row["id"])


def test_an_entry_inserted_into_the_middle_is_found(app):
    ids = _entries()
    _drop_triggers()
    # A row that claims a place in the middle of the chain (the place of the third entry); the
    # unique index on the place would refuse it, so the attacker drops that too.
    db.session.execute(text("DROP INDEX ix_audit_log_seq"))
    middle = db.session.get(AuditLog, ids[2])
    assert middle is not None
    db.session.execute(
        text(
            "INSERT INTO audit_log (id, seq, at, username, action, target, detail, ip, prev_hash, hash) "
            "VALUES (:id, :seq, :at, 'ghost', 'login', '', '{}', '', :prev, :hash)"
        ),
        {
            "id": ids[-1] + 100,
            "seq": middle.seq,
            "at": middle.at.replace(tzinfo=None),
            "prev": middle.prev_hash,
            "hash": "f" * 64,
        },
    )
    db.session.commit()
    result = _verify()
    assert (result.ok, result.kind) == (False, "inserted")


def test_audit_verify_command(app, runner):
    ids = _entries()
    ok = runner.invoke(main, ["audit", "verify"])
    assert ok.exit_code == 0, ok.output
    assert f"共 {len(ids)} 条" in ok.output
    head = db.session.scalar(select(AuditLog.hash).where(AuditLog.id == ids[-1]))
    assert f"链尾哈希（可另行保存，日后比对）：{head}" in ok.output  # as checked, before its own entry
    _drop_triggers()
    db.session.execute(text("UPDATE audit_log SET username = 'someone' WHERE id = :id"), {"id": ids[1]})
    db.session.commit()
    broken = runner.invoke(main, ["audit", "verify"])
    assert broken.exit_code == 1
    assert f"#{ids[1]}" in broken.output and "改动" in broken.output
    # Each run is on the record, with what it found: the dashboard reads the latest.
    db.session.rollback()
    runs = list(
        db.session.scalars(select(AuditLog).where(AuditLog.action == "audit.verify").order_by(AuditLog.id))
    )
    assert [(r.detail["ok"], r.detail["via"]) for r in runs] == [(True, "cli"), (False, "cli")]
    assert runs[-1].detail["entry_id"] == ids[1]


def _append_in_process(url: str, folder: str, worker: int, count: int) -> None:
    """One gunicorn-like worker: its own app, engine and connections, committing entries one by one."""
    from wenping_sched import create_app

    config = {"SQLALCHEMY_DATABASE_URI": url, "INSTANCE_PATH": folder, "SECRET_KEY": "x", "TESTING": True}
    app = create_app(config)
    with app.app_context():
        for i in range(count):
            audit.record("test.concurrent", None, target=f"worker:{worker}", i=i)
            db.session.commit()
        db.engine.dispose()


def test_several_processes_append_to_one_chain(app, tmp_path):
    """Three processes append at once (as gunicorn workers do): the chain stays one line, nothing lost."""
    _entries(1)
    url = str(db.engine.url.render_as_string(hide_password=False))
    db.session.remove()
    db.engine.dispose()  # the children must not share the parent's connections
    # fork: each child is its own process with its own app and engine, as a gunicorn worker is.
    context = multiprocessing.get_context("fork")
    workers = [context.Process(target=_append_in_process, args=(url, str(tmp_path), w, 15)) for w in range(3)]
    for w in workers:
        w.start()
    for w in workers:
        w.join(120)
        assert w.exitcode == 0
    total = db.session.scalar(select(func.count()).select_from(AuditLog))
    assert total == 1 + 3 * 15
    result = _verify()
    assert (result.ok, result.entries) == (True, total), result.message


def test_the_chain_survives_the_append_only_triggers(app: Any) -> None:
    """Chaining inserts only: the triggers that refuse UPDATE and DELETE stay in place and never fire."""
    _entries(3)
    from sqlalchemy.exc import DatabaseError

    with pytest.raises(DatabaseError):
        db.session.execute(text("UPDATE audit_log SET hash = NULL"))
    db.session.rollback()
    assert _verify().ok

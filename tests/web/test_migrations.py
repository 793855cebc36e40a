"""init-db runs the migrations; they build exactly the schema the models describe."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from wenping_sched.cli import main

BACKENDS = ["sqlite"] + (["postgresql"] if os.environ.get("WENPING_TEST_DATABASE_URL") else [])


@pytest.fixture(params=BACKENDS)
def empty_app(request, tmp_path):
    from wenping_sched import create_app
    from wenping_sched.extensions import db

    url = (
        f"sqlite:///{tmp_path / 'm.sqlite3'}"
        if request.param == "sqlite"
        else os.environ["WENPING_TEST_DATABASE_URL"]
    )
    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "INSTANCE_PATH": str(tmp_path), "SECRET_KEY": "x"})
    with app.app_context():
        db.drop_all()
        with db.engine.begin() as conn:
            conn.exec_driver_sql("DROP TABLE IF EXISTS alembic_version")
        yield app
        db.session.remove()
        db.drop_all()
        with db.engine.begin() as conn:
            conn.exec_driver_sql("DROP TABLE IF EXISTS alembic_version")
        db.engine.dispose()


def test_init_db_twice_builds_the_models_schema(empty_app):
    from wenping_sched.extensions import db
    from wenping_sched.models import Pool, Sector

    runner = empty_app.test_cli_runner()
    for _ in range(2):
        result = runner.invoke(main, args=["init-db"])
        assert result.exit_code == 0, result.output
    with db.engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn, opts={"compare_type": True}), db.metadata)
    assert diff == []
    assert db.session.query(Pool).count() == 8
    assert db.session.query(Sector).count() == 18


def test_migrations_import_no_app_code():
    versions = Path(__file__).resolve().parents[2] / "wenping_sched" / "migrations" / "versions"
    for script in versions.glob("*.py"):
        assert "wenping_sched" not in script.read_text(encoding="utf-8"), script.name


def test_init_db_makes_the_audit_log_append_only(empty_app):
    from sqlalchemy import text
    from sqlalchemy.exc import DatabaseError

    from wenping_sched.extensions import db

    assert empty_app.test_cli_runner().invoke(main, args=["init-db"]).exit_code == 0
    db.session.execute(
        text(
            "INSERT INTO audit_log (at, username, action, target, detail, ip) "
            "VALUES (CURRENT_TIMESTAMP, '', 'probe', '', '{}', '')"
        )
    )
    db.session.commit()
    for statement in ("UPDATE audit_log SET action = 'tampered'", "DELETE FROM audit_log"):
        with pytest.raises(DatabaseError):
            db.session.execute(text(statement))
        db.session.rollback()
    assert db.session.execute(text("SELECT action FROM audit_log")).scalar_one() == "probe"


def test_existing_draws_and_audit_entries_move_into_the_new_shape(empty_app):
    """Records made before lotteries keep their seed and members, marked legacy; the audit log is chained."""
    from datetime import datetime

    import sqlalchemy as sa
    from flask_migrate import upgrade

    from wenping_sched import auditchain
    from wenping_sched.draws import records
    from wenping_sched.extensions import db
    from wenping_sched.models import DrawRecord

    directory = str(Path(__file__).resolve().parents[2] / "wenping_sched" / "migrations")
    upgrade(directory=directory, revision="b74365812cf0")
    at = datetime(2026, 11, 20, 2, 30)
    solution = {
        "format": "wenping-panels-solution/1",
        "status": "optimal",
        "seed": 4242,
        "panels": [
            {
                "id": "new",
                "experts": ["1", "2"],
                "seats": {"法律": ["1"]},
                "start": "2026-11-23T08:30:00+08:00",
                "end": "2026-11-23T10:30:00+08:00",
            }
        ],
        "unfilled": [],
        "stats": {},
    }
    instance = {
        "format": "wenping-panels/1",
        "panels": [
            {
                "id": "new",
                "pools": ["city"],
                "size": 2,
                "seats": {"法律": 1},
                "min_senior": 0,
                "conflicts": ["市住建局"],
                "exclude": ["3"],
                "window": ["2026-11-23T08:30", "2026-11-27T18:00"],
                "duration_minutes": 120,
            }
        ],
        "experts": [],
        "rules": {"seed": 4242},
    }
    with db.engine.begin() as conn:
        meta = sa.MetaData()
        t = {
            n: sa.Table(n, meta, autoload_with=conn)
            for n in ("user", "matter", "panel", "draw_record", "audit_log")
        }
        conn.execute(
            t["user"]
            .insert()
            .values(
                id=1,
                username="suzhou",
                password_hash="x",
                role="coordinator",
                scope="肃州区",
                active=True,
                failed_logins=0,
                token_version=0,
                created_at=at,
            )
        )
        conn.execute(
            t["matter"]
            .insert()
            .values(
                id=1,
                title="旧事项",
                category="城市建设",
                county="肃州区",
                responsible_department="市住建局",
                related_organisations=[],
                stage=1,
                description="",
                notes="",
                created_at=at,
            )
        )
        conn.execute(
            t["panel"]
            .insert()
            .values(
                id=1,
                matter_id=1,
                status="proposed",
                size=2,
                seats={"法律": 1},
                min_senior=0,
                window_start=at,
                window_end=at,
                duration_minutes=120,
                location="市政府小会议室",
                start_at=at,
                end_at=at,
                seed=4242,
                extra_conflicts=[],
                excluded_expert_ids=[3],
                created_by_id=1,
                created_at=at,
                sequence=0,
            )
        )
        for i, kind in ((1, "draw"), (2, "redraw")):
            conn.execute(
                t["draw_record"]
                .insert()
                .values(
                    id=i,
                    panel_id=1,
                    kind=kind,
                    created_at=at,
                    created_by_id=1,
                    seed=4242 + i,
                    pools=["city"],
                    eligible_count=7,
                    avoided=[{"expert_id": 3, "name": "某", "reason": "已被列入排除名单"}],
                    drawn=[
                        {"expert_id": 1, "name": "甲", "seat": "法律"},
                        {"expert_id": 2, "name": "乙", "seat": None},
                    ],
                    instance=instance,
                    solution=solution,
                )
            )
        for i in (1, 2, 3):
            conn.execute(
                t["audit_log"]
                .insert()
                .values(
                    at=at,
                    user_id=1,
                    username="suzhou",
                    action=f"old.{i}",
                    target="matter:1",
                    detail={"n": i, "名": "旧"},
                    ip="",
                )
            )

    upgrade(directory=directory)

    first, second = db.session.scalars(sa.select(DrawRecord).order_by(DrawRecord.id)).all()
    assert (first.kind, first.legacy_kind, first.status, first.matter_id) == ("legacy", "draw", "revealed", 1)
    assert (second.kind, second.legacy_kind, first.seed, second.seed) == ("legacy", "redraw", 4243, 4244)
    assert [d["name"] for d in first.drawn] == ["甲", "乙"] and first.instance == instance
    assert first.solution == solution and first.eligible_count == 7
    assert (
        first.request["window"] == instance["panels"][0]["window"]
        and first.request["location"] == "市政府小会议室"
    )
    assert first.drawn_by == {"username": "suzhou", "name": "suzhou", "unit": "肃州区维稳办"}
    assert first.start is not None and first.start.isoformat().startswith("2026-11-23T00:30")
    shown = records.record_to_dict(first)
    assert shown["kind"] == "legacy" and shown["lottery"] is None and shown["seed"] == 4243
    assert shown["experts"] == ["1", "2"]
    assert "抽签制度实施之前" in records.view(first).notes[0]

    result = auditchain.verify(db.session())
    assert (result.ok, result.entries) == (True, 3), result.message
    for statement in ("UPDATE audit_log SET action = 'x'", "DELETE FROM draw_record"):
        with pytest.raises(sa.exc.DatabaseError):
            db.session.execute(sa.text(statement))
        db.session.rollback()
    # New entries continue the chain the migration started.
    from wenping_sched import audit

    audit.record("new.entry", None)
    db.session.commit()
    result = auditchain.verify(db.session())
    assert (result.ok, result.entries) == (True, 4), result.message

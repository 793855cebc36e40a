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

"""``wenping-sched backup`` and ``restore`` on SQLite and PostgreSQL: a restore brings back a draw and
its record exactly (and every other row), refuses a newer schema, a database that holds data
(unless forced) and a damaged file, upgrades an older schema, puts back the secret key; the
backup is one consistent state while the service writes."""

from __future__ import annotations

import difflib
import json
import re
import stat
import zipfile
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import MetaData, create_engine, event, select, text
from sqlalchemy.orm import Session

from solver.instance import parse_panel_solution, parse_panels
from solver.validate import validate_panels
from wenping_sched.cli import main

from .conftest import STRONG_KEY, _wipe

PASSWORD = "Backup-pass-2026"


def run(app: Any, *args: str) -> Any:
    return app.test_cli_runner().invoke(main, list(args))


def dump(app: Any) -> str:
    """Every row of every table, in key order, as text: equal dumps are equal databases."""
    from wenping_sched.extensions import db

    with app.app_context():
        with db.engine.connect() as conn:
            metadata = MetaData()
            metadata.reflect(conn)
            tables = {}
            for table in sorted(metadata.tables.values(), key=lambda t: t.name):
                order = list(table.primary_key.columns) or list(table.columns)
                tables[table.name] = [list(r) for r in conn.execute(select(table).order_by(*order))]
        db.engine.dispose()
    return json.dumps(tables, default=repr, ensure_ascii=False, sort_keys=True)


def _window(days: int) -> list[str]:
    from wenping_sched.timeutil import local_now

    start = (local_now() + timedelta(days=days)).replace(hour=8, minute=30, second=0, microsecond=0)
    while start.weekday() != 0:
        start += timedelta(days=1)
    end = (start + timedelta(days=11)).replace(hour=18, minute=0)
    return [start.strftime("%Y-%m-%dT%H:%M"), end.strftime("%Y-%m-%dT%H:%M")]


def _draw_a_panel(app: Any) -> dict[str, Any]:
    """The demo city, and a panel drawn through the API as a coordinator would."""
    from wenping_sched.auth.operations import create_user, open_session
    from wenping_sched.demo import load_demo_data
    from wenping_sched.extensions import db
    from wenping_sched.models import DrawRecord, Matter

    with app.app_context():
        load_demo_data()
        user = create_user("backup_city", PASSWORD, "coordinator", scope="city")
        matter = db.session.scalars(select(Matter).where(Matter.county.is_(None)).order_by(Matter.id)).first()
        assert matter is not None
        db.session.flush()
        sid = open_session(user)  # the signed-in page session, part of the data backed up
        db.session.commit()
        ids = {"user": user.id, "matter": matter.id}
        db.session.remove()
    client = app.test_client()
    token = client.post("/api/v1/auth/token", json={"username": "backup_city", "password": PASSWORD})
    headers = {"Authorization": f"Bearer {token.get_json()['token']}"}
    body = {"size": 3, "seats": {}, "min_senior": 1, "window": _window(21), "duration_minutes": 120}
    resp = client.post(f"/api/v1/matters/{ids['matter']}/panels", json=body, headers=headers)
    assert resp.status_code == 201, resp.get_json()
    panel = resp.get_json()
    ids.update(panel=panel["id"], draw=panel["draws"][0])
    with app.app_context():
        record = db.session.get(DrawRecord, ids["draw"])
        assert record is not None
        instance = parse_panels(record.instance)
        assert validate_panels(instance, parse_panel_solution(record.solution, instance.timezone)) == []
        db.session.remove()
    return {"ids": ids, "headers": headers, "sid": sid}


def _views(app: Any, world: dict[str, Any]) -> dict[str, bytes]:
    """What people see of the draw: the API's answers and the printable draw record, byte for byte."""
    ids, headers = world["ids"], world["headers"]
    client = app.test_client()
    with client.session_transaction() as session:
        session["_user_id"] = str(ids["user"])
        session["_sid"] = world["sid"]
        session["_fresh"] = True
    urls = {
        "panel": (f"/api/v1/panels/{ids['panel']}", headers),
        "matter": (f"/api/v1/matters/{ids['matter']}", headers),
        "draw record page": (f"/draws/{ids['draw']}", {}),
    }
    # The draw record's own JSON, where this release serves it (SERVICE.md: GET /api/v1/draws/{id}).
    if any(r.rule == "/api/v1/draws/<int:draw_id>" for r in app.url_map.iter_rules()):
        urls["draw record"] = (f"/api/v1/draws/{ids['draw']}", headers)
    views = {}
    for name, (url, extra) in urls.items():
        resp = client.get(url, headers=extra)
        assert resp.status_code == 200, (name, resp.status_code)
        # The page's CSRF token belongs to the browser session and its style nonce to the response
        # (a new one each time, as the content security policy asks), not to the draw.
        data = re.sub(rb'name="csrf_token" value="[^"]*"', b'name="csrf_token"', resp.get_data())
        views[name] = re.sub(rb'nonce="[^"]*"', b'nonce=""', data)
    return views


def test_a_restore_brings_back_a_draw_and_its_record_exactly(
    make_app: Callable[..., Any], tmp_path: Path
) -> None:
    from wenping_sched.extensions import db

    app = make_app()
    world = _draw_a_panel(app)
    before, views = dump(app), _views(app, world)
    assert b"draw" in views["panel"] and "抽取记录".encode() in views["draw record page"]

    backup_file = tmp_path / "wenping-backup.zip"
    result = run(app, "backup", str(backup_file))
    assert result.exit_code == 0, result.output
    assert "已备份到" in result.output and "请妥善保管" in result.output
    assert stat.S_IMODE(backup_file.stat().st_mode) == 0o600  # it holds the key and everyone's data

    with app.app_context():  # a new, empty database
        _wipe(db)
        db.engine.dispose()
    assert json.loads(dump(app)) == {}

    result = run(app, "restore", str(backup_file))
    assert result.exit_code == 0, result.output
    assert "已恢复" in result.output
    assert dump(app) == before
    after = _views(app, world)
    for name in views:
        assert after[name] == views[name], "\n".join(
            difflib.unified_diff(
                views[name].decode().splitlines(), after[name].decode().splitlines(), lineterm=""
            )
        )

    # The ids go on after the restored ones: the next draw gets a new id, not a collision.
    client = app.test_client()
    body = {"size": 3, "seats": {}, "min_senior": 1, "window": _window(35), "duration_minutes": 120}
    resp = client.post(
        f"/api/v1/matters/{world['ids']['matter']}/panels", json=body, headers=world["headers"]
    )
    assert resp.status_code == 201, resp.get_json()
    assert resp.get_json()["draws"][0] > world["ids"]["draw"]


def test_a_backup_from_a_newer_schema_is_refused(make_app: Callable[..., Any], tmp_path: Path) -> None:
    app = make_app()
    backup_file = tmp_path / "b.zip"
    assert run(app, "backup", str(backup_file)).exit_code == 0
    newer = tmp_path / "newer.zip"
    with zipfile.ZipFile(backup_file) as src, zipfile.ZipFile(newer, "w") as dst:
        for item in src.infolist():
            data = src.read(item)
            if item.filename == "manifest.json":
                manifest = json.loads(data)
                manifest["schema_revision"] = "ffffffffffff"
                data = json.dumps(manifest).encode()
            dst.writestr(item, data)
    before = dump(app)
    result = run(app, "restore", "--force", str(newer))
    assert result.exit_code == 2
    assert "来自更新版本的 wenping-sched（数据库结构 ffffffffffff）" in result.output
    assert "请先安装相同或更新版本的 wenping-sched" in result.output
    assert dump(app) == before


def test_restore_refuses_a_database_that_holds_data_unless_forced(
    make_app: Callable[..., Any], tmp_path: Path
) -> None:
    from wenping_sched.extensions import db
    from wenping_sched.models import Room

    app = make_app()
    with app.app_context():
        db.session.add(Room(name="第一会议室", capacity=20))
        db.session.commit()
    backup_file = tmp_path / "b.zip"
    assert run(app, "backup", str(backup_file)).exit_code == 0
    at_backup = dump(app)
    with app.app_context():
        db.session.add(Room(name="备份之后的会议室", capacity=8))
        db.session.commit()
    changed = dump(app)

    refused = run(app, "restore", str(backup_file))
    assert refused.exit_code == 2
    assert "数据库中已有数据" in refused.output and "--force" in refused.output
    assert dump(app) == changed

    forced = run(app, "restore", "--force", str(backup_file))
    assert forced.exit_code == 0, forced.output
    assert dump(app) == at_backup


def test_a_fresh_init_db_is_not_data(make_app: Callable[..., Any], tmp_path: Path) -> None:
    """A new server: init-db, then restore the old server's backup, no --force needed."""
    app = make_app()
    backup_file = tmp_path / "b.zip"
    assert run(app, "backup", str(backup_file)).exit_code == 0
    assert run(app, "restore", str(backup_file)).exit_code == 0


def test_an_older_backup_is_migrated_to_this_release(make_app: Callable[..., Any], tmp_path: Path) -> None:
    from flask_migrate import upgrade

    from wenping_sched.backup import _head
    from wenping_sched.extensions import db

    app = make_app(migrate=False)
    with app.app_context():
        upgrade(directory=str(Path(app.root_path) / "migrations"), revision="9d2e4c1a7b30")
        db.session.execute(text("INSERT INTO sector (name, active, sort_order) VALUES ('旧版领域', true, 0)"))
        db.session.commit()
        head = _head()
    backup_file = tmp_path / "old.zip"
    assert run(app, "backup", str(backup_file)).exit_code == 0
    with app.app_context():
        _wipe(db)
        db.engine.dispose()
    result = run(app, "restore", str(backup_file))
    assert result.exit_code == 0, result.output
    assert f"数据库结构已升级到本程序的版本 {head}" in result.output
    with app.app_context():
        assert db.session.execute(text("SELECT version_num FROM alembic_version")).scalar() == head
        assert db.session.execute(text("SELECT name FROM sector")).scalars().all() == ["旧版领域"]
        db.session.remove()


def test_restore_puts_back_the_secret_key(
    make_app: Callable[..., Any], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    app = make_app(SECRET_KEY=STRONG_KEY)
    backup_file = tmp_path / "b.zip"
    assert run(app, "backup", str(backup_file)).exit_code == 0
    # The new machine: another instance folder, its own generated key.
    new_machine = make_app(migrate=False, INSTANCE_PATH=str(tmp_path / "new-machine"), SECRET_KEY="other")
    result = run(new_machine, "restore", "--force", str(backup_file))
    assert result.exit_code == 0, result.output
    key_file = tmp_path / "new-machine" / "secret_key"
    assert key_file.read_text() == STRONG_KEY
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    assert "注意" not in result.output

    monkeypatch.setenv("WENPING_SECRET_KEY", "a-different-key-set-in-the-environment-0123456789")
    result = run(new_machine, "restore", "--force", str(backup_file))
    assert result.exit_code == 0
    assert "环境变量 WENPING_SECRET_KEY 与备份中的密钥不同" in result.output


def test_a_damaged_or_foreign_file_is_refused(make_app: Callable[..., Any], tmp_path: Path) -> None:
    app = make_app()
    backup_file = tmp_path / "b.zip"
    assert run(app, "backup", str(backup_file)).exit_code == 0
    before = dump(app)

    missing = run(app, "restore", "--force", str(tmp_path / "nothing.zip"))
    assert missing.exit_code == 2 and "找不到备份文件" in missing.output
    foreign = tmp_path / "foreign.zip"
    foreign.write_bytes(b"not a zip at all")
    assert "不是 wenping-sched 的备份文件" in run(app, "restore", "--force", str(foreign)).output

    damaged = tmp_path / "damaged.zip"
    with zipfile.ZipFile(backup_file) as src, zipfile.ZipFile(damaged, "w") as dst:
        for item in src.infolist():
            data = src.read(item)
            if item.filename == "secret_key":
                data = b"tampered"
            dst.writestr(item, data)
    result = run(app, "restore", "--force", str(damaged))
    assert result.exit_code == 2 and "备份文件已损坏：secret_key 的校验和不符" in result.output
    assert dump(app) == before


def test_a_backup_is_one_committed_state_while_the_service_writes(
    make_app: Callable[..., Any], tmp_path: Path, database_url: str
) -> None:
    """A transaction of the service writes a room and an audit entry together while the backup runs."""
    from wenping_sched.extensions import db
    from wenping_sched.models import AuditLog, Room

    app = make_app()
    other = create_engine(app.config["SQLALCHEMY_DATABASE_URI"])

    def write(service: Session) -> None:
        service.add(Room(name="并发写入的会议室", capacity=10))
        service.add(AuditLog(username="svc", action="room.create", detail={}))
        service.flush()

    backup_file = tmp_path / "b.zip"
    if database_url.startswith("postgresql"):
        # Between the backup's read of room and its read of audit_log, the service commits both.
        injected = []

        def between(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
            if "FROM audit_log" in statement and not injected:
                injected.append(True)
                with Session(other) as service, service.begin():
                    write(service)

        with app.app_context():
            event.listen(db.engine, "before_cursor_execute", between)
            try:
                assert run(app, "backup", str(backup_file)).exit_code == 0
            finally:
                event.remove(db.engine, "before_cursor_execute", between)
        assert injected
    else:
        # The service is mid-transaction (written, not committed) while the backup copies the file.
        with Session(other) as service, service.begin():
            write(service)
            assert run(app, "backup", str(backup_file)).exit_code == 0
    other.dispose()

    with zipfile.ZipFile(backup_file) as archive:
        tables = json.loads(archive.read("manifest.json"))["tables"]
    # Neither half of the service's transaction is in the backup: one committed state.
    assert (tables["room"], tables["audit_log"]) == (0, 0)
    with app.app_context():
        assert db.session.execute(text("SELECT count(*) FROM room")).scalar() == 1
        db.session.remove()

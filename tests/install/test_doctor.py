"""``wenping-sched doctor`` on a deployment: all well (exit 0), then each thing that can be wrong,
one at a time, named in Chinese with what to do (exit 1). The database, the mail server and the
queue are real: SQLite and PostgreSQL, aiosmtpd, Redis."""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Callable, Iterator
from typing import Any

import pytest

from wenping_sched.cli import main

from ..web.smtp_helpers import SMTPServer, free_port
from .conftest import STRONG_KEY

GOOD = {"BASE_URL": "https://wenping.jiuquan.gov.cn", "PROXY_FIX": True}


def doctor(app: Any) -> tuple[int, list[str]]:
    result = app.test_cli_runner().invoke(main, ["doctor"])
    return result.exit_code, result.output.splitlines()


def problems(lines: list[str]) -> dict[str, str]:
    """The ✗ lines by topic (one per topic is enough for these tests)."""
    return {line[2:].split("：", 1)[0]: line for line in lines if line.startswith("✗")}


@pytest.fixture(autouse=True)
def deployment_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    """The key comes from the environment, as on a server; today is 1 December 2026."""
    from wenping_sched.calendar_admin import operations as calendar_ops

    monkeypatch.setenv("WENPING_SECRET_KEY", STRONG_KEY)
    monkeypatch.setattr(calendar_ops, "today", lambda: dt.date(2026, 12, 1))


def _enter_2027(app: Any) -> None:
    from wenping_sched.auth.operations import create_user
    from wenping_sched.calendar_admin.operations import mark_year_entered
    from wenping_sched.extensions import db

    with app.app_context():
        user = create_user("calendar_keeper", "Calendar-2026", "coordinator", scope="city")
        mark_year_entered(user, 2027)
        db.session.commit()
        db.session.remove()


@pytest.fixture
def smtp() -> Iterator[SMTPServer]:
    server = SMTPServer()
    server.start()
    yield server
    server.stop()


def test_a_sound_deployment_passes(make_app: Callable[..., Any], smtp: SMTPServer) -> None:
    app = make_app(**GOOD, MAIL_SERVER=smtp.host, MAIL_PORT=smtp.port)
    _enter_2027(app)
    code, lines = doctor(app)
    assert code == 0, lines
    assert lines[-1] == "一切正常。"
    topics = [line[2:].split("：", 1)[0] for line in lines[:-1]]
    assert all(line.startswith("✓") for line in lines[:-1])
    assert topics == ["密钥", "数据库", "访问地址", "邮件", "队列", "节假日"]
    assert smtp.received == []  # the mail check sends nothing


@pytest.mark.parametrize("key", ["changeme", "test-secret", "x" * 31])
def test_a_default_or_short_secret_key(make_app: Callable[..., Any], key: str, monkeypatch: Any) -> None:
    monkeypatch.setenv("WENPING_SECRET_KEY", key)
    app = make_app(**GOOD, SECRET_KEY=key)
    _enter_2027(app)
    code, lines = doctor(app)
    found = problems(lines)
    assert code == 1 and list(found) == ["密钥"]
    assert "示例值或太短" in found["密钥"] and "WENPING_SECRET_KEY" in found["密钥"]
    assert lines[-1] == "发现 1 个问题。"


def test_a_secret_key_missing_from_the_environment_of_a_shared_deployment(
    make_app: Callable[..., Any], monkeypatch: Any, database_url: str
) -> None:
    monkeypatch.delenv("WENPING_SECRET_KEY")
    # The key generated into the instance folder: one machine's own.
    app = make_app(**GOOD, QUEUE_URL=None)
    _enter_2027(app)
    found = problems(doctor(app)[1])
    if database_url.startswith("sqlite"):
        assert "密钥" not in found  # one machine, one key file: fine
        app.config["QUEUE_URL"] = "redis://127.0.0.1:1/0"  # now workers elsewhere need the same key
        found = problems(doctor(app)[1])
    assert "未设置 WENPING_SECRET_KEY" in found["密钥"] and "所有 web 和 worker 进程" in found["密钥"]


def test_an_unreachable_database(make_app: Callable[..., Any], database_url: str, tmp_path: Any) -> None:
    app = make_app(migrate=False, **GOOD)
    if database_url.startswith("sqlite"):
        app.config["SQLALCHEMY_DATABASE_URI"] = f"sqlite:///{tmp_path / 'nowhere.sqlite3'}"
        expected, fix = "nowhere.sqlite3 不存在", "运行 wenping-sched init-db"
    else:
        url = f"postgresql+psycopg://wenping:secret-pw@127.0.0.1:{free_port()}/x"
        app.config["SQLALCHEMY_DATABASE_URI"] = url
        expected, fix = "无法连接 postgresql+psycopg://wenping:***@127.0.0.1", "检查 WENPING_DATABASE_URL"
    code, lines = doctor(app)
    found = problems(lines)
    assert code == 1 and expected in found["数据库"] and fix in found["数据库"]
    assert "secret-pw" not in "\n".join(lines)  # the password is never printed
    assert "节假日" not in "\n".join(lines)  # not checked without a database
    assert not (tmp_path / "nowhere.sqlite3").exists()  # and no database file was made


def test_a_database_not_migrated_or_not_at_head(make_app: Callable[..., Any]) -> None:
    from sqlalchemy import text

    from wenping_sched.extensions import db

    empty = make_app(migrate=False, **GOOD)
    found = problems(doctor(empty)[1])
    assert "尚未初始化" in found["数据库"] and "wenping-sched init-db" in found["数据库"]

    app = make_app(**GOOD)
    _enter_2027(app)
    assert doctor(app)[0] == 0
    with app.app_context():
        db.session.execute(text("UPDATE alembic_version SET version_num = '531128e2e99e'"))
        db.session.commit()
    found = problems(doctor(app)[1])
    assert "不是最新（当前 531128e2e99e" in found["数据库"] and "init-db" in found["数据库"]

    with app.app_context():
        db.session.execute(text("UPDATE alembic_version SET version_num = 'ffffffffffff'"))
        db.session.commit()
    found = problems(doctor(app)[1])
    assert "ffffffffffff 来自更新版本" in found["数据库"]


def test_an_unreachable_mail_server(make_app: Callable[..., Any], smtp: SMTPServer) -> None:
    app = make_app(**GOOD, MAIL_SERVER=smtp.host, MAIL_PORT=smtp.port)
    _enter_2027(app)
    assert doctor(app)[0] == 0
    smtp.stop()  # the relay goes away
    code, lines = doctor(app)
    found = problems(lines)
    assert code == 1 and list(found) == ["邮件"]
    assert f"无法连接邮件服务器 {smtp.host}:{smtp.port}" in found["邮件"]
    assert "WENPING_MAIL_SERVER" in found["邮件"]


def test_base_url_not_https_behind_a_proxy(make_app: Callable[..., Any]) -> None:
    app = make_app(BASE_URL="http://wenping.jiuquan.gov.cn", PROXY_FIX=True)
    _enter_2027(app)
    found = problems(doctor(app)[1])
    assert list(found) == ["访问地址"] and "不是 https://" in found["访问地址"]
    app.config["PROXY_FIX"] = False  # served directly over plain HTTP on an intranet: allowed
    assert doctor(app)[0] == 0


def test_mail_links_pointing_at_the_machine_itself(make_app: Callable[..., Any], smtp: SMTPServer) -> None:
    app = make_app(BASE_URL="http://127.0.0.1:5000", MAIL_SERVER=smtp.host, MAIL_PORT=smtp.port)
    _enter_2027(app)
    found = problems(doctor(app)[1])
    assert list(found) == ["访问地址"] and "本机地址" in found["访问地址"]


@pytest.fixture
def redis_url() -> Iterator[str]:
    url = os.environ.get("WENPING_TEST_REDIS_URL")
    if not url:
        pytest.skip("WENPING_TEST_REDIS_URL names no Redis database for the tests")
    from redis import Redis

    connection = Redis.from_url(url)
    connection.flushdb()  # the tests' own database: no worker left registered by another run
    yield url
    connection.flushdb()
    connection.close()


def test_a_queue_without_a_worker(make_app: Callable[..., Any], redis_url: str) -> None:
    from redis import Redis
    from rq import Worker

    from wenping_sched.worker import rq_queues

    app = make_app(**GOOD, QUEUE_URL=redis_url)
    _enter_2027(app)
    code, lines = doctor(app)
    found = problems(lines)
    assert code == 1 and list(found) == ["队列"]
    assert (
        "没有 worker 在监听 wenping、wenping-solve" in found["队列"]
        and "wenping-sched worker" in found["队列"]
    )

    # A worker starts: it registers in RQ's worker registry on the Redis, as `wenping-sched worker` does.
    connection = Redis.from_url(redis_url)
    worker = Worker(rq_queues(app), connection=connection)
    worker.register_birth()
    try:
        code, lines = doctor(app)
        assert code == 0, lines
        assert any(line.startswith("✓ 队列") and "1 个 worker" in line for line in lines)
    finally:
        worker.register_death()
    assert "队列" in problems(doctor(app)[1])  # stopped again


def test_an_unreachable_queue(make_app: Callable[..., Any]) -> None:
    app = make_app(**GOOD, QUEUE_URL=f"redis://:queue-pw@127.0.0.1:{free_port()}/0")
    _enter_2027(app)
    code, lines = doctor(app)
    found = problems(lines)
    assert code == 1 and list(found) == ["队列"] and "无法连接 Redis" in found["队列"]
    assert "queue-pw" not in "\n".join(lines)


def test_next_years_holidays_not_entered(make_app: Callable[..., Any]) -> None:
    app = make_app(**GOOD)
    code, lines = doctor(app)
    found = problems(lines)
    assert code == 1 and list(found) == ["节假日"]
    assert "2027年放假安排尚未录入" in found["节假日"]
    assert "https://wenping.jiuquan.gov.cn/calendar" in found["节假日"]
    _enter_2027(app)
    assert doctor(app)[0] == 0


def test_a_malformed_setting_is_a_finding_not_a_traceback(monkeypatch: Any, tmp_path: Any) -> None:
    from click.testing import CliRunner

    monkeypatch.setenv("WENPING_INSTANCE_PATH", str(tmp_path))
    monkeypatch.setenv("WENPING_MAIL_PORT", "twenty-five")
    result = CliRunner().invoke(main, ["doctor"])
    assert result.exit_code == 1
    assert "WENPING_MAIL_PORT 必须是 1–65535 之间的端口号" in result.output
    assert "Traceback" not in result.output

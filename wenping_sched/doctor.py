"""``wenping-sched doctor``: checks a deployment's configuration and says in Chinese what is wrong.

Each check returns findings: a line that is fine, or a problem with what to do about it. The
checks only look: no database file or table is created, nothing is sent (the mail check says
hello to the server and leaves), no queue is touched beyond reading its worker registry.
"""

from __future__ import annotations

import os
import smtplib
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from flask import Flask
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import create_engine, inspect, text
from sqlalchemy.engine import Connection, make_url
from sqlalchemy.pool import NullPool

MIGRATIONS = Path(__file__).parent / "migrations"
TIMEOUT = 5  # seconds for each server the checks reach
# Values people leave in from examples and tutorials; a real key is long and random.
PLACEHOLDER_KEYS = frozenset(
    {"changeme", "change-me", "change_me", "secret", "secret-key", "secretkey", "your-secret-key"}
    | {"dev", "test", "development", "default", "wenping", "wenping-sched", "password", "please-change-me"}
)
MIN_KEY_LENGTH = 32
GENERATE_KEY = "python3 -c 'import secrets; print(secrets.token_hex(32))'"


# What each check is about, as the report names it.
TOPICS = {
    "config": _l("配置"),
    "secret_key": _l("密钥"),
    "database": _l("数据库"),
    "base_url": _l("访问地址"),
    "mail": _l("邮件"),
    "queue": _l("队列"),
    "holidays": _l("节假日"),
}


@dataclass(frozen=True)
class Finding:
    """One line of the report: ``problem`` is False for a check that passed."""

    check: str
    message: str
    fix: str = ""
    problem: bool = True

    @property
    def topic(self) -> str:
        return str(TOPICS[self.check])

    def line(self) -> str:
        if not self.problem:
            return _("✓ %(topic)s：%(message)s", topic=self.topic, message=self.message)
        return _(
            "✗ %(topic)s：%(message)s。处理：%(fix)s", topic=self.topic, message=self.message, fix=self.fix
        )


def ok(topic: str, message: str) -> Finding:
    return Finding(topic, message, problem=False)


def run_checks(app: Flask) -> list[Finding]:
    """Every check, in the order an administrator fixes things."""
    findings: list[Finding] = []
    checks: list[Callable[[Flask], Iterator[Finding]]] = [
        check_secret_key,
        check_database,
        check_base_url,
        check_mail,
        check_queue,
    ]
    for check in checks:
        findings += list(check(app))
    database_ready = not any(f.problem for f in findings if f.check == "database")
    if database_ready:
        findings += list(check_holidays(app))
    return findings


# --- the secret key -------------------------------------------------------------------------------


def check_secret_key(app: Flask) -> Iterator[Finding]:
    key = str(app.config.get("SECRET_KEY") or "")
    from_env = bool(os.environ.get("WENPING_SECRET_KEY"))
    fix = _(
        "生成一个随机密钥（%(generate_key)s），设为每个进程的 WENPING_SECRET_KEY", generate_key=GENERATE_KEY
    )
    if not key:
        yield Finding("secret_key", _("没有密钥"), fix)
    elif key.strip().lower() in PLACEHOLDER_KEYS or len(key) < MIN_KEY_LENGTH:
        yield Finding(
            "secret_key",
            _(
                "密钥是示例值或太短（%(len)s 个字符，至少需要 %(min_key_length)s 个）",
                len=len(key),
                min_key_length=MIN_KEY_LENGTH,
            ),
            fix,
        )
    elif not from_env and _shared_deployment(app):
        yield Finding(
            "secret_key",
            _(
                "未设置 WENPING_SECRET_KEY：每台机器会各自生成密钥，"
                "一台机器发出的登录和邮件链接在另一台上无效"
            ),
            _("把同一个随机密钥设为所有 web 和 worker 进程的 WENPING_SECRET_KEY"),
        )
    else:
        where = "WENPING_SECRET_KEY" if from_env else _("实例目录中的 secret_key 文件")
        yield ok("secret_key", _("已设置（%(where)s，%(len)s 个字符）", where=where, len=len(key)))


def _shared_deployment(app: Flask) -> bool:
    """Several processes on several machines: a server database or a queue."""
    return not _is_sqlite(app) or bool(app.config.get("QUEUE_URL"))


def _is_sqlite(app: Flask) -> bool:
    return str(app.config["SQLALCHEMY_DATABASE_URI"]).startswith("sqlite")


# --- the database ---------------------------------------------------------------------------------


def check_database(app: Flask) -> Iterator[Finding]:
    url = make_url(str(app.config["SQLALCHEMY_DATABASE_URI"]))
    shown = url.render_as_string(hide_password=True)
    database = url.database or ""
    a_file = url.get_backend_name() == "sqlite" and database not in ("", ":memory:")
    if a_file and not Path(database).exists():
        yield Finding(
            "database",
            _("数据库文件 %(database)s 不存在", database=database),
            _("运行 wenping-sched init-db 创建数据库"),
        )
        return
    connect_args = {"connect_timeout": TIMEOUT} if url.get_backend_name() == "postgresql" else {}
    engine = create_engine(url, poolclass=NullPool, connect_args=connect_args)
    try:
        with engine.connect() as conn:
            conn.execute(text("SELECT 1"))
            yield _migration_state(conn, shown)
    except Exception as e:  # any driver's failure to connect is the finding itself
        yield Finding(
            "database",
            _("无法连接 %(shown)s（%(first_line)s）", shown=shown, first_line=_first_line(e)),
            _(
                "检查 WENPING_DATABASE_URL（主机、端口、库名、用户和密码）、"
                "数据库服务是否运行、防火墙是否放行"
            ),
        )
    finally:
        engine.dispose()


def _migration_state(conn: Connection, shown: str) -> Finding:
    from alembic.migration import MigrationContext
    from alembic.script import ScriptDirectory

    scripts = ScriptDirectory(str(MIGRATIONS))
    head = scripts.get_current_head()
    current = MigrationContext.configure(conn).get_current_revision()
    if current is None:
        tables = [t for t in inspect(conn).get_table_names() if t != "alembic_version"]
        what = _("没有结构版本记录") if tables else _("是空库")
        return Finding(
            "database",
            _("%(shown)s 尚未初始化（%(what)s）", shown=shown, what=what),
            _("运行 wenping-sched init-db"),
        )
    known = {s.revision for s in scripts.walk_revisions()}
    if current not in known:
        return Finding(
            "database",
            _(
                "数据库结构版本 %(current)s 来自更新版本的 wenping-sched（本程序最新为 %(head)s）",
                current=current,
                head=head,
            ),
            _("安装与数据库相同或更新版本的 wenping-sched"),
        )
    if current != head:
        return Finding(
            "database",
            _("数据库结构不是最新（当前 %(current)s，应为 %(head)s）", current=current, head=head),
            _("停止 web 和 worker 进程，运行 wenping-sched init-db 升级，再启动"),
        )
    return ok("database", _("%(shown)s 可以连接，结构为最新版本（%(head)s）", shown=shown, head=head))


def _first_line(error: BaseException) -> str:
    message = str(getattr(error, "orig", None) or error).strip()
    return message.splitlines()[0] if message else type(error).__name__


# --- the public address ---------------------------------------------------------------------------


def check_base_url(app: Flask) -> Iterator[Finding]:
    base_url = str(app.config.get("BASE_URL") or "")
    parts = urlsplit(base_url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        yield Finding(
            "base_url",
            _("WENPING_BASE_URL「%(base_url)s」不是网址", base_url=base_url),
            _("设为用户在浏览器里打开的地址，例如 https://wenping.jiuquan.gov.cn"),
        )
        return
    problems = False
    if app.config.get("PROXY_FIX") and parts.scheme != "https":
        problems = True
        yield Finding(
            "base_url",
            _(
                "在反向代理后运行（WENPING_PROXY_FIX=1），但 WENPING_BASE_URL 是 %(base_url)s，不是 https://",
                base_url=base_url,
            ),
            _("把 WENPING_BASE_URL 设为代理对外的 https:// 地址（邮件中的链接和安全 Cookie 都依赖它）"),
        )
    if app.config.get("MAIL_SERVER") and parts.hostname in ("127.0.0.1", "localhost", "::1"):
        problems = True
        yield Finding(
            "base_url",
            _(
                "邮件中的链接会指向本机地址 %(base_url)s，专家和联络人在自己的电脑和手机上打不开",
                base_url=base_url,
            ),
            _("把 WENPING_BASE_URL 设为用户访问本服务的地址"),
        )
    if not problems:
        yield ok("base_url", base_url)


# --- mail -----------------------------------------------------------------------------------------


def check_mail(app: Flask) -> Iterator[Finding]:
    server = app.config.get("MAIL_SERVER")
    if not server:
        yield ok("mail", _("未配置邮件服务器：邮件保留在发件箱页面，不会发出"))
        return
    from .invitations.outbox import _connect

    port = int(app.config.get("MAIL_PORT") or 25)
    try:
        with app.app_context():
            smtp = _connect(timeout=TIMEOUT)
        try:
            smtp.noop()
        finally:
            smtp.quit()
    except smtplib.SMTPAuthenticationError as e:
        yield Finding(
            "mail",
            _(
                "邮件服务器 %(server)s:%(port)s 拒绝了登录（%(smtp_code)s）",
                server=server,
                port=port,
                smtp_code=e.smtp_code,
            ),
            _("检查 WENPING_MAIL_USERNAME 和 WENPING_MAIL_PASSWORD"),
        )
    except (smtplib.SMTPException, OSError) as e:
        yield Finding(
            "mail",
            _(
                "无法连接邮件服务器 %(server)s:%(port)s（%(first_line)s）",
                server=server,
                port=port,
                first_line=_first_line(e),
            ),
            _(
                "检查 WENPING_MAIL_SERVER、WENPING_MAIL_PORT 和 WENPING_MAIL_USE_TLS，"
                "邮件服务器是否运行，防火墙是否放行"
            ),
        )
    else:
        yield ok("mail", _("邮件服务器 %(server)s:%(port)s 可以连接", server=server, port=port))


# --- the queue ------------------------------------------------------------------------------------


def check_queue(app: Flask) -> Iterator[Finding]:
    queue_url = app.config.get("QUEUE_URL")
    if not queue_url:
        yield ok("queue", _("未配置 Redis 队列：邮件和年度计划在 web 进程的后台线程中处理"))
        return
    from redis import Redis
    from rq import Worker

    from .invitations.outbox import QUEUE_NAME
    from .plans.runner import queue_name

    shown = _hide_password(str(queue_url))
    try:
        redis = Redis.from_url(queue_url, socket_connect_timeout=TIMEOUT, socket_timeout=TIMEOUT)
        redis.ping()
        workers: list[Any] = Worker.all(connection=redis)
    except Exception as e:  # redis-py's connection and auth errors, a malformed URL
        yield Finding(
            "queue",
            _("无法连接 Redis %(shown)s（%(first_line)s）", shown=shown, first_line=_first_line(e)),
            _("检查 WENPING_QUEUE_URL、Redis 是否运行；不用队列时删除 WENPING_QUEUE_URL"),
        )
        return
    listening = {name for w in workers for name in w.queue_names()}
    missing = [name for name in (QUEUE_NAME, queue_name(app)) if name not in listening]
    if missing:
        yield Finding(
            "queue",
            _(
                "已配置队列（%(url)s），但没有 worker 在监听 %(queues)s：邮件不会发出，年度计划不会求解",
                url=shown,
                queues="、".join(missing),
            ),
            _("启动至少一个 wenping-sched worker（systemd：systemctl enable --now wenping-worker）"),
        )
    else:
        yield ok("queue", _("%(shown)s：%(len)s 个 worker 在运行", shown=shown, len=len(workers)))


def _hide_password(url: str) -> str:
    parts = urlsplit(url)
    if not parts.password:
        return url
    netloc = parts.netloc.replace(f":{parts.password}@", ":***@", 1)
    return parts._replace(netloc=netloc).geturl()


# --- the statutory calendar -----------------------------------------------------------------------


def check_holidays(app: Flask) -> Iterator[Finding]:
    from .calendar_admin.operations import missing_years
    from .extensions import db

    with app.app_context():
        try:
            years = missing_years()
        finally:
            db.session.remove()
    base_url = str(app.config.get("BASE_URL") or "").rstrip("/")
    for year in years:
        yield Finding(
            "holidays",
            _("%(year)s年放假安排尚未录入，该年的会议只按周一至周五安排，不知道调休", year=year),
            _(
                "国务院公布后，由市级协调员在「节假日」页面（%(base_url)s/calendar）录入并标记为已录入",
                base_url=base_url,
            ),
        )
    if not years:
        yield ok("holidays", _("今明两年的放假安排都已知"))

"""The wenping-sched command group (SERVICE.md)."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import click
from flask import current_app
from flask.cli import FlaskGroup, with_appcontext
from flask_babel import gettext as _

from .extensions import db


def _create_app() -> object:
    from . import create_app

    return create_app()


@click.group(
    cls=FlaskGroup,
    create_app=_create_app,
    add_default_commands=False,
    add_version_option=False,
    load_dotenv=False,
    set_debug_flag=False,
)
def main() -> None:
    """稳评专家库与联席会议排程服务 wenping-sched."""


def _fail(message: str) -> None:
    click.echo(message, err=True)
    sys.exit(2)


@main.command("init-db")
@with_appcontext
def init_db() -> None:
    """创建或升级数据库（可重复执行）。"""
    from flask_migrate import upgrade

    from .seeding import ensure_reference_data

    upgrade(directory=str(Path(__file__).parent / "migrations"))
    ensure_reference_data()
    db.session.commit()
    click.echo("数据库已就绪：" + _safe_url())


def _safe_url() -> str:
    return str(db.engine.url.render_as_string(hide_password=True))


@main.command("demo-data")
@with_appcontext
def demo_data() -> None:
    """载入演示数据：市级专家库、七个县区专家库、联席会议成员单位、会议室、示例事项（可重复执行）。"""
    from .demo import load_demo_activity, load_demo_data

    result = load_demo_data()
    result.update(load_demo_activity())
    click.echo(
        _(
            "演示城市：专家库 %(pools)d 个，专家 %(experts)d 名（本次新增 %(new)d 名），"
            "成员单位 %(departments)d 个，联络人 %(contacts)d 名，"
            "会议室 %(rooms)d 间，重大事项 %(matters)d 项；"
            "新抽取评审组 %(panels)d 个，新召集联席会议 %(meetings)d 次。",
            pools=result["pools"],
            experts=result["experts"],
            new=result["experts_created"],
            departments=result["departments"],
            contacts=result["contacts"],
            rooms=result["rooms"],
            matters=result["matters"],
            panels=result["panels_created"],
            meetings=result["meetings_created"],
        )
    )
    for username, password, description in result.get("logins", []):
        click.echo(_("演示账号 %(u)s / %(p)s（%(d)s）", u=username, p=password, d=description))
    base_url = current_app.config["BASE_URL"]
    click.echo(_("启动后在浏览器打开 %(url)s/ 登录。", url=base_url))


@main.group("users")
def users() -> None:
    """账号管理。"""


@users.command("create")
@click.argument("name")
@click.option("--role", type=click.Choice(["coordinator", "expert", "department"]), required=True)
@click.option("--scope", default=None, help="city 或县区名称（协调员）")
@click.option("--expert-id", type=int, default=None)
@click.option("--department-id", type=int, default=None)
@with_appcontext
def users_create(
    name: str, role: str, scope: str | None, expert_id: int | None, department_id: int | None
) -> None:
    """创建账号；密码从标准输入读取。"""
    from .auth.operations import AccountError, create_user

    password = sys.stdin.readline().rstrip("\r\n")
    try:
        user = create_user(
            name, password, role, scope=scope, expert_id=expert_id, department_id=department_id
        )
    except AccountError as e:
        db.session.rollback()
        _fail(f"错误：{e}")
    db.session.commit()
    click.echo(f"已创建账号 {user.username}（{user.role}{'，' + user.scope if user.scope else ''}）")


@main.command("import-experts")
@click.argument("file", type=click.Path(dir_okay=False))
@with_appcontext
def import_experts_command(file: str) -> None:
    """从 CSV（UTF-8 或 GBK）或 XLSX 导入专家；有任何一行错误则全部不导入。"""
    from .experts.importer import ImportFailed, format_errors, import_experts

    path = Path(file)
    if not path.is_file():
        _fail(f"错误：找不到文件 {file}")
    try:
        result = import_experts(path.read_bytes(), path.name)
    except ImportFailed as e:
        for line in format_errors(e.errors, e.more):
            click.echo(line, err=True)
        _fail(f"导入失败：共 {e.total} 处错误，未导入任何专家。")
    click.echo(f"导入完成：新增 {result.created} 名，更新 {result.updated} 名。")


@main.command("run")
@click.option("--host", default="127.0.0.1")
@click.option("--port", default=5000, type=int)
@with_appcontext
def run_command(host: str, port: int) -> None:
    """启动开发服务器。"""
    from werkzeug.serving import run_simple

    app = current_app._get_current_object()  # type: ignore[attr-defined]
    click.echo(f"wenping-sched 正在运行：http://{host}:{port}/ （按 Ctrl+C 停止）")
    # Flask's app.run() refuses to start under its own CLI, so serve through werkzeug directly.
    run_simple(host, port, app, threaded=True, use_reloader=False, use_debugger=False)


@main.command("export-archive")
@click.argument("matter_id", type=int)
@click.option("-o", "--output", default=None, help="写入的 ZIP 文件（默认 matter-编号.zip）")
@with_appcontext
def export_archive_command(matter_id: int, output: str | None) -> None:
    """导出一个事项的一事一档（ZIP）。"""
    from .models import Matter
    from .reports.operations import export_archive

    matter = db.session.get(Matter, matter_id)
    if matter is None:
        _fail(f"错误：找不到编号为 {matter_id} 的事项")
    assert matter is not None
    data = export_archive(None, matter, via="cli")
    path = Path(output or f"matter-{matter_id}.zip")
    path.write_bytes(data)
    db.session.commit()
    click.echo(f"已导出事项 {matter_id}「{matter.title}」的一事一档：{path}（{len(data)} 字节）")


# The solver stands alone: no app, no database (SOLVER.md).
@main.group("solve", cls=click.Group)
def solve() -> None:
    """独立求解器：见 SOLVER.md。"""


def _solve(kind: str, instance: str, output: str | None, time_limit: float | None, seed: int | None) -> None:
    from solver.cli import run

    sys.exit(run(kind, instance, output, time_limit=time_limit, seed=seed))


@solve.command("panels")
@click.argument("instance")
@click.option("-o", "--output", default=None, help="写入文件（默认标准输出）")
@click.option("--time-limit", type=float, default=None, help="求解时间上限（秒）")
@click.option("--seed", type=int, default=None, help="覆盖实例中的随机种子")
def solve_panels(instance: str, output: str | None, time_limit: float | None, seed: int | None) -> None:
    """抽取评审组。"""
    _solve("panels", instance, output, time_limit, seed)


@solve.command("meetings")
@click.argument("instance")
@click.option("-o", "--output", default=None)
@click.option("--time-limit", type=float, default=None)
def solve_meetings(instance: str, output: str | None, time_limit: float | None) -> None:
    """安排联席会议。"""
    _solve("meetings", instance, output, time_limit, None)


@main.command("openapi")
@with_appcontext
def openapi() -> None:
    """打印 OpenAPI 文档。"""
    click.echo(json.dumps(current_app.spec, ensure_ascii=False, indent=1))  # type: ignore[attr-defined]


@main.command("worker")
@click.option("--interval", type=float, default=5.0, show_default=True, help="无队列时检查发件箱的间隔（秒）")
@click.option("--once", is_flag=True, help="只发送一次到期邮件后退出")
@with_appcontext
def worker(interval: float, once: bool) -> None:
    """发送排队的邮件并执行排队的求解，直到停止（设置 WENPING_QUEUE_URL 时作为 RQ worker 运行）。"""
    from .invitations.worker import run_worker

    sys.exit(run_worker(interval=interval, once=once))

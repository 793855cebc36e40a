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
    from .demo import demo_logins, load_demo_activity, load_demo_data

    result = load_demo_data()
    result.update(load_demo_activity())
    # The activity may hand the expert login to a drawn member: print it as it now stands.
    result["logins"] = demo_logins(result.get("logins", []))
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
    from .credit.demo import load_demo_credit

    credit = load_demo_credit()
    click.echo(
        _(
            "信用评价：新增评价 %(e)d 条，暂停抽取 %(s)d 名，请假 %(l)d 条。",
            e=credit["evaluations_created"],
            s=credit["suspensions_created"],
            l=credit["leaves_created"],
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
@click.option("--display-name", default="", help="页面上显示的姓名，如 李文华")
@click.option("--unit", default="", help="所在单位，如 酒泉市维稳办")
@with_appcontext
def users_create(
    name: str,
    role: str,
    scope: str | None,
    expert_id: int | None,
    department_id: int | None,
    display_name: str,
    unit: str,
) -> None:
    """创建账号；密码从标准输入读取。"""
    from .auth.operations import AccountError, create_user

    password = sys.stdin.readline().rstrip("\r\n")
    try:
        user = create_user(
            name,
            password,
            role,
            scope=scope,
            expert_id=expert_id,
            department_id=department_id,
            display_name=display_name,
            unit=unit,
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
    from .solving.standalone import run

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


@main.command("verify-draw", with_appcontext=False)
@click.argument("record", type=click.Path(dir_okay=False))
def verify_draw(record: str) -> None:
    """核对一份抽取记录（GET /api/v1/draws/{id} 的 JSON），无需数据库和求解器。

    核对无误退出码 0，有不符之处 1，文件无法读取 2。
    """
    # The solver's standard-library check, the one anyone holding the record can run (no CP-SAT, no
    # database); reached through solving, the one place that imports the solver.
    from .solving.proof import verify_record

    try:
        data = json.loads(Path(record).read_bytes().decode("utf-8-sig"))
    except (OSError, UnicodeDecodeError, ValueError) as e:
        _fail(f"无法读取抽取记录 {record}：{e}")
    if not isinstance(data, dict):
        _fail(f"无法读取抽取记录 {record}：应为 JSON 对象")
    if data.get("kind") == "legacy":
        click.echo("这是抽签制度实施前的旧版记录：没有抽签表和承诺值，无法核对。", err=True)
        sys.exit(1)
    try:
        problems = verify_record(data)
    except (TypeError, ValueError, KeyError, AttributeError) as e:
        problems = [f"记录内容格式不正确：{e}"]
    if problems:
        click.echo(f"抽取记录 #{data.get('id', '?')} 核对不通过：", err=True)
        for problem in problems:
            click.echo(f"  - {problem}", err=True)
        sys.exit(1)
    if data.get("status") == "revealed":
        experts = "、".join(map(str, data.get("experts", [])))
        click.echo(
            f"抽取记录 #{data.get('id', '?')} 核对无误：承诺值、随机种子 {data.get('seed')}、"
            f"中签号 {data.get('ticket')}、抽中组合（{experts}）和中选机会均一致。"
        )
    else:
        click.echo(
            f"抽取记录 #{data.get('id', '?')} 状态为 {data.get('status')}：抽签表和中选机会一致；"
            "未揭晓的抽取不公开密钥，承诺值、种子和中签号要在揭晓后才能核对。"
        )


@main.group("audit")
def audit_group() -> None:
    """审计日志。"""


@audit_group.command("verify")
@with_appcontext
def audit_verify() -> None:
    """核对审计日志的哈希链：完整时退出码 0；否则退出码 1，并指出第一条被改动、删除或插入的记录。"""
    from . import audit

    result = audit.verify_chain(via="cli")
    db.session.commit()
    if not result.ok:
        click.echo(_("审计日志哈希链不完整：%(m)s", m=result.message), err=True)
        sys.exit(1)
    click.echo(_("审计日志哈希链完整：共 %(n)d 条记录，逐条核对无误。", n=result.entries))
    if result.head_hash:
        click.echo(_("链尾哈希（可另行保存，日后比对）：%(h)s", h=result.head_hash))


@main.command("worker")
@click.option("--interval", type=float, default=5.0, show_default=True, help="无队列时检查发件箱的间隔（秒）")
@click.option("--once", is_flag=True, help="只发送一次到期邮件后退出")
@with_appcontext
def worker(interval: float, once: bool) -> None:
    """发送排队的邮件并执行排队的求解，直到停止（设置 WENPING_QUEUE_URL 时作为 RQ worker 运行）。"""
    from .worker import run_worker

    sys.exit(run_worker(interval=interval, once=once))


# Without the app context Flask's group would push first: a malformed setting must become a
# finding here, not a traceback.
@main.command("doctor", with_appcontext=False)
@click.pass_context
def doctor(ctx: click.Context) -> None:
    """检查部署配置：密钥、数据库、访问地址、邮件、队列、节假日；全部正常时退出码为 0，否则为 1。"""
    from flask.cli import ScriptInfo

    from .doctor import Finding, run_checks

    try:
        app = ctx.ensure_object(ScriptInfo).load_app()
    except Exception as e:  # a malformed WENPING_* value stops the app from starting at all
        findings = [
            Finding(
                "config",
                _("无法按当前环境变量启动（%(error)s）", error=e),
                _("改正上面提到的 WENPING_* 环境变量"),
            )
        ]
    else:
        with app.app_context():  # the report in the app's language
            findings = run_checks(app)
    for finding in findings:
        click.echo(finding.line())
    problems = sum(f.problem for f in findings)
    if problems:
        click.echo(_("发现 %(n)d 个问题。", n=problems))
        sys.exit(1)
    click.echo(_("一切正常。"))


@main.command("backup")
@click.argument("file", type=click.Path(dir_okay=False, writable=True))
def backup_command(file: str) -> None:
    """备份数据库和密钥到一个文件（服务运行时也可以备份）。"""
    import time

    from .backup import BackupError, backup

    started = time.monotonic()
    path = Path(file)
    try:
        manifest = backup(path)
    except BackupError as e:
        _fail(_("备份失败：%(error)s", error=e))
    except OSError as e:
        _fail(_("备份失败：无法写入 %(path)s（%(error)s）", path=path, error=e.strerror or e))
    click.echo(
        _(
            "已备份到 %(path)s：%(kind)s 数据库（结构版本 %(revision)s），%(tables)d 张表 %(rows)d 行，"
            "%(size).1f MB，用时 %(seconds).1f 秒。文件中含有密钥和全部数据，请妥善保管。",
            path=path,
            kind=manifest.database,
            revision=manifest.schema_revision,
            tables=len(manifest.tables),
            rows=manifest.rows,
            size=path.stat().st_size / 1e6,
            seconds=time.monotonic() - started,
        )
    )


@main.command("restore")
@click.argument("file", type=click.Path(dir_okay=False))
@click.option("--force", is_flag=True, help="数据库中已有数据时也用备份替换")
def restore_command(file: str, force: bool) -> None:
    """从备份文件恢复数据库和密钥；数据库中已有数据时需要 --force。"""
    from .backup import BackupError, restore

    try:
        report = restore(Path(file), force=force)
    except BackupError as e:
        _fail(_("未恢复：%(error)s", error=e))
    manifest = report.manifest
    click.echo(
        _(
            "已恢复 %(created)s 的备份：%(tables)d 张表 %(rows)d 行（结构版本 %(revision)s）。",
            created=manifest.created_at,
            tables=len(manifest.tables),
            rows=manifest.rows,
            revision=manifest.schema_revision,
        )
    )
    if report.upgraded_to:
        click.echo(_("数据库结构已升级到本程序的版本 %(head)s。", head=report.upgraded_to))
    if report.key_file:
        click.echo(_("密钥已写入 %(path)s。", path=report.key_file))
    if report.key_differs_from_environment:
        click.echo(
            _(
                "注意：环境变量 WENPING_SECRET_KEY 与备份中的密钥不同，备份前发出的登录和邮件链接将失效："
                "请把它改为 %(path)s 中的值，再重启所有进程。",
                path=report.key_file,
            )
        )
    click.echo(_("请重启 web 和 worker 进程。"))

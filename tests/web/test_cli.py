"""The wenping-sched commands of SERVICE.md, as an administrator runs them."""

from __future__ import annotations

from sqlalchemy import func, select

from wenping_sched.cli import main
from wenping_sched.extensions import db
from wenping_sched.models import Expert, User

HEADER = "姓名,专家库,工作单位,专业领域,职称,高级职称,利害关系单位,手机,邮箱\r\n"


def _experts() -> int:
    return int(db.session.scalar(select(func.count()).select_from(Expert)) or 0)


def test_users_create_reads_the_password_from_stdin(app):
    runner = app.test_cli_runner()
    result = runner.invoke(
        main,
        ["users", "create", "wangli", "--role", "coordinator", "--scope", "敦煌市"],
        input="Dunhuang-2026\n",
    )
    assert result.exit_code == 0, result.output
    user = db.session.scalar(select(User).where(User.username == "wangli"))
    assert user is not None and user.scope == "敦煌市" and user.check_password("Dunhuang-2026")


def test_users_create_refuses_bad_input_with_exit_2(app):
    runner = app.test_cli_runner()
    weak = runner.invoke(main, ["users", "create", "a", "--role", "coordinator"], input="short\n")
    assert weak.exit_code == 2 and "密码至少需要" in weak.output
    scope = runner.invoke(
        main, ["users", "create", "b", "--role", "coordinator", "--scope", "兰州市"], input="Good-pass-2026\n"
    )
    assert scope.exit_code == 2 and "范围必须是" in scope.output
    expert = runner.invoke(main, ["users", "create", "c", "--role", "expert"], input="Good-pass-2026\n")
    assert expert.exit_code == 2 and "--expert-id" in expert.output
    assert db.session.scalar(select(func.count()).select_from(User)) == 0


def test_import_experts_takes_gbk_and_rejects_a_bad_file_whole(app, tmp_path):
    runner = app.test_cli_runner()
    good = tmp_path / "experts.csv"
    good.write_bytes((HEADER + "张明,市级,兰州大学,法律、信访,教授,是,,13800001111,\r\n").encode("gbk"))
    result = runner.invoke(main, ["import-experts", str(good)])
    assert result.exit_code == 0, result.output
    assert "新增 1 名" in result.output and _experts() == 1

    bad = tmp_path / "bad.csv"
    bad.write_bytes(
        (
            HEADER
            + "李红,肃州区,肃州区医院,卫生健康,,否,,13900002222,\r\n"
            + "王强,敦煌市,敦煌研究院,宗教学,,否,,13700003333,\r\n"
        ).encode("gbk")
    )
    result = runner.invoke(main, ["import-experts", str(bad)])
    assert result.exit_code == 2
    assert "第3行「专业领域」列的值「宗教学」" in result.output and "未导入任何专家" in result.output
    assert _experts() == 1

    missing = runner.invoke(main, ["import-experts", str(tmp_path / "nothing.csv")])
    assert missing.exit_code == 2 and "找不到文件" in missing.output


def test_demo_data_prints_the_logins_and_runs_twice(app):
    runner = app.test_cli_runner()
    first = runner.invoke(main, ["demo-data"])
    assert first.exit_code == 0, first.output
    assert "演示账号 demo / wenping2026" in first.output and "专家 305 名" in first.output
    second = runner.invoke(main, ["demo-data"])
    assert second.exit_code == 0 and "本次新增 0 名" in second.output
    assert _experts() == 305

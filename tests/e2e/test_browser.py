"""The issue's "done when", in a real browser: a coordinator requests and confirms a panel, an expert
declines from the mail, the coordinator sees the replacement, who accepts with the 承诺书; a department
confirms a joint meeting naming its attendee; the reports download and open; Chinese renders as text."""

from __future__ import annotations

import re
import zipfile
from pathlib import Path
from typing import Any

import openpyxl
from sqlalchemy import select

from .checks import assert_accessible, assert_chinese_renders, assert_skip_link_works
from .conftest import Live, log_in, new_page, rsvp_link, text_part


def _rows(live: Live, query: Any) -> list[Any]:
    from wenping_sched.extensions import db

    with live.app.app_context():
        try:
            rows = list(db.session.scalars(query))
            for row in rows:
                db.session.expunge(row)
            return rows
        finally:
            db.session.remove()


def _city_matter(live: Live) -> Any:
    from wenping_sched.models import Matter

    return _rows(live, select(Matter).where(Matter.county.is_(None)).order_by(Matter.id))[0]


def _save(download: Any, shots: Path) -> Path:
    """Keep a download beside the screenshots under the name the server gave it."""
    path = shots.parent / "downloads" / download.suggested_filename
    path.parent.mkdir(parents=True, exist_ok=True)
    download.save_as(path)
    assert path.suffix in (".xlsx", ".zip"), path
    return path


def _shot(page: Any, shots: Path, name: str, full_page: bool = True) -> None:
    page.screenshot(path=str(shots / f"{name}.png"), full_page=full_page)


def test_panel_requested_declined_replaced_and_accepted_with_the_declaration(
    live: Live, browser: Any, shots: Path
) -> None:
    from wenping_sched.models.outbox import Invitation

    page = new_page(browser, live)
    page.goto("/login")
    assert_chinese_renders(page)
    assert_accessible(page)
    _shot(page, shots, "01-login")
    log_in(page, "demo")
    page.get_by_role("heading", name="工作台").wait_for()
    assert_skip_link_works(page)
    assert page.get_by_role("link", name="专家库").first.is_visible()

    matter = _city_matter(live)
    page.goto(f"/matters/{matter.id}")
    _shot(page, shots, "04-matter")
    assert_accessible(page)
    page.get_by_role("link", name="抽取评审组").click()
    page.get_by_label("或填写其他地点").fill("市政府第三会议室")
    page.get_by_role("button", name="固定抽签表").click()
    page.wait_for_url(re.compile(r"/draws/\d+$"))
    page.get_by_label("监督人姓名").fill("马监督")
    page.get_by_label("监督人自行想好的数字").fill("20261125")
    page.get_by_role("button", name="揭晓抽取结果").click()
    page.wait_for_url(re.compile(r"/panels/\d+$"))
    panel_url = page.url
    page.get_by_text("请核对后确认评审组").wait_for()
    assert page.locator("td.muted", has_text="与事项无利害关系").count() >= 1  # the reasons
    _shot(page, shots, "05-panel-proposal")
    assert_accessible(page)
    page.get_by_role("button", name="确认并发出邀请").click()
    page.get_by_text("评审组已确认，邀请已进入发送队列").wait_for()

    before = len(live.smtp.received)
    report = live.deliver()
    invitations = live.smtp.received[before:]
    assert len(report.sent) == len(invitations) >= 3
    decliner_mail = invitations[0]
    decliner_name = text_part(decliner_mail).split("，您好")[0].strip()

    phone = new_page(browser, live, phone=True)
    phone.goto(rsvp_link(decliner_mail))
    phone.get_by_role("button", name="谢绝邀请").wait_for()
    assert_chinese_renders(phone)
    assert_accessible(phone)
    _shot(phone, shots, "06-rsvp-phone")
    phone.get_by_label("谢绝理由（可选）").fill("该时段在外地出差")
    phone.get_by_role("button", name="谢绝邀请").click()
    phone.get_by_text("已收到您的答复：已谢绝").wait_for()

    # The decline drew a replacement: deliver its invitation and the coordinator's notice.
    before = len(live.smtp.received)
    live.deliver()
    new_mail = live.smtp.received[before:]
    invited = {a for m in invitations for a in m.rcpt_tos}
    replacement_mail = next(m for m in new_mail if "/rsvp/" in text_part(m) and not set(m.rcpt_tos) & invited)
    replacement_name = text_part(replacement_mail).split("，您好")[0].strip()
    assert any(
        "补抽" in str(m.message["Subject"]) or "替换" in str(m.message["Subject"]) for m in new_mail
    ), [str(m.message["Subject"]) for m in new_mail]

    page.goto(panel_url)
    declined_row = page.locator("tr", has_text=decliner_name).first
    assert "已谢绝" in declined_row.inner_text()
    replacement_row = page.locator("tr", has_text=replacement_name).first
    assert "待答复" in replacement_row.inner_text()
    assert page.get_by_role("link", name=re.compile("补抽")).count() == 1
    _shot(page, shots, "07-panel-after-decline")

    # The replacement accepts: the 承诺书 must be ticked first (the browser refuses to submit without it).
    phone.goto(rsvp_link(replacement_mail))
    phone.get_by_role("button", name="接受邀请").click()
    assert phone.evaluate("() => document.querySelector('input[name=declaration]').validity.valueMissing")
    phone.get_by_label("本人承诺与该事项无利害关系，如有应主动申请回避").check()
    phone.get_by_role("button", name="接受邀请").click()
    phone.get_by_text("已收到您的答复：已接受").wait_for()
    assert (
        phone.locator("dd.declared").inner_text().endswith("本人承诺与该事项无利害关系，如有应主动申请回避")
    )
    accepted = _rows(
        live, select(Invitation).where(Invitation.name == replacement_name, Invitation.response == "accepted")
    )
    assert accepted and accepted[0].declaration_at is not None
    page.goto(panel_url)
    assert "已接受" in page.locator("tr", has_text=replacement_name).first.inner_text()
    page.context.close()
    phone.context.close()


def test_department_confirms_a_joint_meeting_naming_its_attendee(
    live: Live, browser: Any, shots: Path
) -> None:
    page = new_page(browser, live)
    log_in(page, "demo")
    page.goto("/joint-meetings/new")
    page.get_by_role("button", name="排定时间").click()
    page.wait_for_url(re.compile(r"/joint-meetings/\d+$"))
    meeting_url = page.url
    page.locator("table.heat").wait_for()
    assert page.locator("table.heat td strong").first.inner_text().count("/") == 1  # numbers, not only colour
    _shot(page, shots, "08-joint-meeting-heatmap")
    assert_accessible(page)
    page.get_by_role("button", name="确认并发出邀请").click()
    page.get_by_text("已向各部门发出邀请").wait_for()

    clerk = new_page(browser, live, phone=True)
    log_in(clerk, "fagaiwei")
    section = clerk.locator("section.invitation").first
    section.get_by_label("出席人姓名").fill("王科长")
    section.get_by_role("button", name="确认参会").click()
    clerk.get_by_text("已确认参会，出席人：王科长").wait_for()
    assert_accessible(clerk)
    _shot(clerk, shots, "09-department-invitations-phone")
    clerk.goto("/me/busy")
    clerk.get_by_label("开始").fill("2030-03-04T08:30")
    clerk.get_by_label("结束").fill("2030-03-04T12:00")
    clerk.get_by_role("button", name="添加").click()
    clerk.get_by_text("已添加不能参会的时间").wait_for()
    assert_accessible(clerk)

    page.goto(meeting_url)
    # The departments' table (the heat map below names absent departments too, in the demo's busy season).
    row = page.locator("tr", has_text="发展和改革委员会").first
    assert "王科长" in row.inner_text() and "已确认参加" in row.inner_text()
    page.context.close()
    clerk.context.close()


def test_reports_download_and_open(live: Live, browser: Any, shots: Path) -> None:
    page = new_page(browser, live)
    log_in(page, "demo")
    matter = _city_matter(live)
    page.goto(f"/matters/{matter.id}")
    with page.expect_download() as filing:
        page.get_by_role("link", name="报备表（XLSX）").click()
    workbook = openpyxl.load_workbook(_save(filing.value, shots))
    assert any(matter.title in str(c.value) for ws in workbook for row in ws.iter_rows() for c in row)
    with page.expect_download() as archive:
        page.get_by_role("link", name="一事一档（ZIP）").click()
    with zipfile.ZipFile(_save(archive.value, shots)) as z:
        assert z.testzip() is None and len(z.namelist()) >= 2

    page.goto("/reports?period=year&year=2026")
    page.get_by_role("heading", level=1).wait_for()
    assert_chinese_renders(page)
    assert_accessible(page)
    _shot(page, shots, "11-statistics")
    response = page.request.get("/reports.xlsx?period=year&year=2026")
    assert response.ok and response.headers["content-type"].startswith("application/vnd.openxmlformats")
    path = shots.parent / "downloads" / "statistics-2026.xlsx"
    path.write_bytes(response.body())
    assert openpyxl.load_workbook(path).sheetnames
    page.context.close()


def test_main_pages_are_chinese_and_keyboard_friendly(live: Live, browser: Any, shots: Path) -> None:
    page = new_page(browser, live)
    log_in(page, "demo")
    for path, name in [
        ("/", "02-dashboard"),
        ("/pools", "03-pools"),
        ("/calendar/month", "10-month-calendar"),
    ]:
        page.goto(path)
        assert_chinese_renders(page)
        assert_accessible(page)
        _shot(page, shots, name, full_page=path != "/pools")  # the pools list runs to 300 rows
    assert page.locator("table.month thead th").all_inner_texts()[0] == "周一"
    for path in ["/matters", "/outbox", "/joint-meetings", "/calendar", "/rooms"]:
        page.goto(path)
        assert_accessible(page)
    page.goto("/pools")
    assert page.locator("svg.chart[role=img] title").count() >= 8  # one histogram per pool
    page.context.close()

    phone = new_page(browser, live, phone=True)
    log_in(phone, "demo")
    phone.goto("/calendar/month")
    assert phone.locator("table.month thead").is_hidden()  # stacked as a list
    _shot(phone, shots, "10b-month-calendar-phone")
    phone.context.close()

    expert = new_page(browser, live, phone=True)
    log_in(expert, "expert1")
    for path, name in [("/me", "12-expert-invitations"), ("/me/calendar", "13-expert-calendar-feed")]:
        expert.goto(path)
        assert_chinese_renders(expert)
        assert_accessible(expert)
        _shot(expert, shots, name)
    expert.get_by_role("button", name="复制链接").click()
    expert.get_by_text("已复制到剪贴板").wait_for()
    expert.goto("/me/interests")
    expert.get_by_label("利害关系单位（每行一个）").fill("酒泉某某置业有限公司")
    expert.get_by_role("button", name="保存").click()
    expert.get_by_text("已保存").wait_for()
    assert_accessible(expert)
    expert.context.close()

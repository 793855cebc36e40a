"""Issue 13's daily work in a real browser, role by role, at 1366 and 390 pixels wide: the city
coordinator searches, corrects a matter, retires and reinstates an expert, enters an expert's busy
time, reads the outbox; the county coordinator reads the holiday page; the expert sees who entered
the time and answers; the department reads the agenda and confirms. Every GET page of every role
passes axe-core with no serious or critical violation."""

from __future__ import annotations

import re
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from ..web.smtp_helpers import SMTPServer, free_port
from .axe import AXE, axe_violations
from .checks import assert_chinese_renders
from .conftest import SENDER, Live, log_in

WIDE, NARROW = {"width": 1366, "height": 900}, {"width": 390, "height": 844}

pytestmark = pytest.mark.skipif(
    not AXE.exists(), reason="axe-core is not installed: run `make setup` (needs npm)"
)


@pytest.fixture(scope="module")
def office(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Live]:
    """The demo city at work (panels, invitations, a joint meeting with an agenda, a plan each for the
    city and 肃州区), served on 127.0.0.1 with a real SMTP server."""
    from werkzeug.serving import make_server

    from wenping_sched import create_app
    from wenping_sched.demo import load_demo_activity, load_demo_data
    from wenping_sched.extensions import db
    from wenping_sched.models import Matter, User
    from wenping_sched.plans import operations as plan_ops
    from wenping_sched.timeutil import parse_local

    smtp = SMTPServer()
    smtp.start()
    folder = tmp_path_factory.mktemp("daily")
    port = free_port()
    app = create_app(
        {
            "SQLALCHEMY_DATABASE_URI": f"sqlite:///{folder / 'daily.sqlite3'}",
            "INSTANCE_PATH": str(folder),
            "SECRET_KEY": "daily-secret",
            "BASE_URL": f"http://127.0.0.1:{port}",
            "MAIL_SERVER": smtp.host,
            "MAIL_PORT": smtp.port,
            "MAIL_DEFAULT_SENDER": SENDER,
            "OUTBOX_AUTODELIVER": False,
            "PLAN_AUTOSTART": False,
        }
    )
    with app.app_context():
        db.create_all()
        load_demo_data()
        assert load_demo_activity()["panels_created"] == 2
        for username, county in (("demo", None), ("suzhou", "肃州区")):
            user = db.session.scalar(select(User).where(User.username == username))
            matter = db.session.scalars(
                select(Matter)
                .where(Matter.county.is_(county) if county is None else Matter.county == county)
                .order_by(Matter.id)
            ).first()
            window = (parse_local("2027-03-01T08:30"), parse_local("2027-03-12T18:00"))
            plan = plan_ops.create_plan(
                user,
                [
                    {
                        "matter_id": matter.id,
                        "size": 3,
                        "seats": {},
                        "min_senior": 1,
                        "window": window,
                        "duration_minutes": 120,
                    }
                ],
                title="2027年评审计划",
            )
            db.session.commit()
            plan_ops.run_plan(plan.id)
        db.session.remove()
    server = make_server("127.0.0.1", port, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, name="daily-server", daemon=True)
    thread.start()
    yield Live(f"http://127.0.0.1:{port}", app, smtp)
    server.shutdown()
    server.server_close()
    thread.join(5)
    smtp.stop()
    with app.app_context():
        db.engine.dispose()


def _page(browser: Any, live: Live, size: dict[str, int] = WIDE) -> Any:
    context = browser.new_context(base_url=live.url, viewport=size, locale="zh-CN", accept_downloads=True)
    context.set_default_timeout(20_000)
    return context.new_page()


def _query(live: Live, fn: Any) -> Any:
    from wenping_sched.extensions import db

    with live.app.app_context():
        try:
            return fn(db.session)
        finally:
            db.session.remove()


def _axe_clean(page: Any) -> None:
    violations = axe_violations(page)
    assert violations == [], f"{page.url}: {violations}"


def _fits(page: Any) -> None:
    """Nothing pushes the page wider than the screen (wide tables scroll inside their own box)."""
    overflow = page.evaluate("() => document.documentElement.scrollWidth - window.innerWidth")
    assert overflow <= 1, f"{page.url} is {overflow}px wider than the screen"


def _one_line_words(page: Any) -> None:
    """Short words in tables (拟抽取, 排队中, 已确认参加, 市级专家库) sit on one line, never one
    character a line."""
    broken = page.evaluate(
        """() => {
          const out = [];
          for (const el of document.querySelectorAll('table td, table .tag')) {
            for (const node of el.childNodes) {
              const text = (node.textContent || '').trim();
              if (node.nodeType !== 3 || !text || text.length > 5) continue;
              if (!/[\\u4e00-\\u9fff]/.test(text)) continue;
              const range = document.createRange(); range.selectNodeContents(node);
              const tops = new Set([...range.getClientRects()].map((r) => Math.round(r.top)));
              if (tops.size > 1) out.push(text);
            }
          }
          return out;
        }"""
    )
    assert broken == [], f"{page.url}: broken over lines: {broken}"


_WIDTHS = "(cells) => cells.map((c) => Math.round(c.getBoundingClientRect().width))"


def _styled_alike(page: Any, selector: str, like: str) -> None:
    """Two form fields drawn the same way (border, padding, font, width, height)."""
    css = """(el) => { const s = getComputedStyle(el);
      return [s.borderTopWidth, s.borderTopColor, s.borderRadius, s.paddingLeft, s.fontSize,
              s.width, s.height]; }"""
    assert page.locator(selector).evaluate(css) == page.locator(like).evaluate(css), (selector, like)


def _shoot(page: Any, shots: Path, name: str, full_page: bool = True) -> None:
    """The page at 1366 and at 390 pixels wide, checked at both widths; the first screen of each
    too (readme-*.png: the README's pictures are copied from these into docs/screenshots/)."""
    for size in (WIDE, NARROW):
        page.set_viewport_size(size)
        page.screenshot(path=str(shots / f"readme-{name}-{size['width']}.png"))
    for size in (WIDE, NARROW):
        page.set_viewport_size(size)
        page.wait_for_timeout(0)  # let layout settle on the new width (no clock involved)
        if size is NARROW:
            _fits(page)
            _one_line_words(page)
        page.screenshot(path=str(shots / f"daily-{name}-{size['width']}.png"), full_page=full_page)
    page.set_viewport_size(WIDE)


# --- the city coordinator --------------------------------------------------------------------------------


def test_the_city_coordinator_finds_corrects_and_undoes(office: Live, browser: Any, shots: Path) -> None:
    from wenping_sched.models import AuditLog, Expert, Matter, User

    target = _query(
        office,
        lambda s: s.scalars(
            select(Expert).where(Expert.pool.has(code="city")).order_by(Expert.id.desc())
        ).first(),
    )
    page = _page(browser, office)
    log_in(page, "demo")
    assert page.locator(".person-name").inner_text() == "李文华"

    # Find: a name in the search box; the result and the filters stay in the links.
    page.goto("/pools")
    page.get_by_role("searchbox", name="搜索").fill(target.name)
    page.get_by_role("button", name="筛选").click()
    page.wait_for_url(re.compile(r"/pools\?q="))
    assert page.get_by_role("link", name=target.name).count() >= 1
    assert "q=" in page.get_by_role("link", name="导出名单（XLSX）").get_attribute("href")
    _axe_clean(page)
    _shoot(page, shots, "pools-search")
    with page.expect_download() as download:
        page.get_by_role("link", name="导出名单（XLSX）").click()
    assert download.value.suggested_filename.endswith(".xlsx")

    # Find a matter by its number, then correct it.
    matter = _query(
        office, lambda s: s.scalars(select(Matter).where(Matter.county.is_(None)).order_by(Matter.id)).first()
    )
    page.goto("/matters")
    page.get_by_role("searchbox", name="搜索").fill(f"#{matter.id}")
    page.get_by_role("button", name="筛选").click()
    page.get_by_role("link", name=matter.title).click()
    page.get_by_role("link", name="修改事项").click()
    page.get_by_label("事项名称").fill(matter.title + "（一期）")
    page.get_by_label("相关单位").fill("酒泉城投公司\n酒泉东站街道办")
    _axe_clean(page)
    _shoot(page, shots, "matter-edit")
    page.get_by_role("button", name="保存修改").click()
    page.get_by_text("已保存修改：事项名称、相关单位").wait_for()
    assert page.get_by_role("heading", level=1).inner_text() == matter.title + "（一期）"
    changes = _query(
        office,
        lambda s: (
            s.scalars(select(AuditLog).where(AuditLog.action == "matter.update")).one().detail["changes"]
        ),
    )
    assert changes["title"] == [matter.title, matter.title + "（一期）"]

    # Retire an expert, then reinstate with a reason.
    page.goto(f"/experts/{target.id}")
    page.once("dialog", lambda dialog: dialog.accept())
    page.get_by_role("button", name="出库").click()
    page.get_by_text("已出库，不再参加抽取").wait_for()
    page.get_by_label("恢复入库的原因").fill("出库系误操作，经核实恢复")
    _shoot(page, shots, "expert-reinstate")
    page.get_by_role("button", name="恢复入库").click()
    page.get_by_text("已恢复入库，今后可参加抽取").wait_for()
    assert _query(office, lambda s: s.get(Expert, target.id).active)

    # The expert phoned: enter the time they cannot come, on their behalf.
    expert1 = _query(office, lambda s: s.scalar(select(User).where(User.username == "expert1")).expert_id)
    page.goto(f"/experts/{expert1}")
    page.get_by_label("开始").fill("2027-01-11T08:30")
    page.get_by_label("结束").fill("2027-01-11T12:00")
    page.get_by_label("事由（可选）").fill("电话告知：赴省参会")
    page.get_by_role("button", name="登记").click()
    page.get_by_text("协调员李文华代为登记").wait_for()
    _axe_clean(page)
    _shoot(page, shots, "expert-busy-on-behalf")

    # The phone field looks like the other fields; so does the holiday page's date field.
    page.goto(f"/experts/{target.id}/edit")
    _styled_alike(page, "#phone", "#name")
    page.goto("/calendar")
    _styled_alike(page, "#date", "#note")

    # The holiday table keeps its columns' widths when an import fills it.
    widths = page.locator("table.calendar-years thead th").evaluate_all(_WIDTHS)
    days = "\n".join(f"2028-{m:02d}-{d:02d},休,测试节" for m in (1, 2, 3) for d in range(1, 29, 2))
    page.get_by_label("日期列表").fill(days)
    page.get_by_role("button", name="导入").click()
    page.get_by_text("已导入，2028 年的放假安排已录入").wait_for()
    assert page.locator("#year-2028 .source-entered").count() == 42
    assert page.locator("table.calendar-years thead th").evaluate_all(_WIDTHS) == widths
    _axe_clean(page)
    _shoot(page, shots, "city-holidays")

    # The outbox: names, pages, no configuration words.
    page.goto("/outbox")
    assert "WENPING_" not in page.content()
    assert page.locator("span.recipient").first.inner_text() not in ("", "—")
    _axe_clean(page)
    _shoot(page, shots, "outbox")
    page.context.close()


def test_the_county_reads_the_holiday_page_and_the_panel(office: Live, browser: Any, shots: Path) -> None:
    from wenping_sched.models import Panel

    page = _page(browser, office)
    log_in(page, "suzhou")
    page.get_by_role("link", name="2027年放假安排尚未录入").click()
    page.wait_for_url(re.compile(r"/calendar#year-2027$"))
    assert page.locator("form").count() == 1  # only the header's sign-out
    assert page.get_by_role("button", name="保存").count() == 0
    assert page.get_by_text("由市维稳办统一录入").is_visible()
    assert page.locator("#year-2026 .source-lib").count() >= 8
    assert_chinese_renders(page)
    _axe_clean(page)
    _shoot(page, shots, "county-holidays")

    panel = _query(
        office, lambda s: s.scalars(select(Panel).where(Panel.matter.has(county="肃州区"))).first()
    )
    page.goto(f"/panels/{panel.id}")
    _axe_clean(page)
    _shoot(page, shots, "county-panel")
    page.context.close()


def test_the_expert_sees_who_entered_the_time_and_answers(office: Live, browser: Any, shots: Path) -> None:
    page = _page(browser, office, NARROW)
    log_in(page, "expert1")
    page.goto("/me/busy")
    if page.get_by_text("代为登记").count() == 0:  # run alone: the coordinator's entry first
        from wenping_sched.models import User
        from wenping_sched.portal.operations import add_expert_busy
        from wenping_sched.timeutil import parse_local

        def enter(s: Any) -> None:
            demo = s.scalar(select(User).where(User.username == "demo"))
            expert = s.scalar(select(User).where(User.username == "expert1")).expert
            add_expert_busy(
                demo, expert, parse_local("2027-01-11T08:30"), parse_local("2027-01-11T12:00"), "来电"
            )
            s.commit()

        _query(office, enter)
        page.reload()
    assert page.get_by_text("由协调员李文华（酒泉市维稳办）代为登记").count() == 1
    _axe_clean(page)
    _shoot(page, shots, "expert-busy")

    page.goto("/me")
    page.get_by_role("link", name="答复").first.click()
    page.get_by_role("button", name="谢绝邀请").wait_for()
    assert page.get_by_text(re.compile(r"酒泉市维稳办，电话 0937-\d{7}")).count() == 1
    assert page.get_by_role("link", name="加入日历（下载 .ics 文件）").count() == 0
    _axe_clean(page)
    _shoot(page, shots, "rsvp")
    page.get_by_label("谢绝理由（可选）").fill("当天在外地出差")
    page.get_by_role("button", name="谢绝邀请").click()
    page.get_by_text("已收到您的答复：已谢绝").wait_for()
    assert page.get_by_role("link", name="加入日历（下载 .ics 文件）").count() == 0
    _shoot(page, shots, "rsvp-declined")
    page.context.close()


def test_the_department_reads_the_agenda_and_confirms(office: Live, browser: Any, shots: Path) -> None:
    page = _page(browser, office, NARROW)
    log_in(page, "fagaiwei")
    section = page.locator("section.invitation").first
    assert "二、研究下一年度重大事项评估计划" in section.inner_text()
    assert "待确认" in section.inner_text()
    section.get_by_label("出席人姓名").fill("王科长")
    section.get_by_role("button", name="确认参会").click()
    page.get_by_text("已确认参会，出席人：王科长").wait_for()
    assert "已确认参加" in page.locator("section.invitation").first.inner_text()
    assert "已接受" not in page.content()
    _axe_clean(page)
    _shoot(page, shots, "department")
    page.context.close()


def test_the_city_sees_the_heat_map_and_statistics(office: Live, browser: Any, shots: Path) -> None:
    from wenping_sched.models import JointMeeting, Panel, Plan

    page = _page(browser, office)
    log_in(page, "demo")
    # The panel being answered: its members' states and the mail's delivery stay on one line.
    panel = _query(office, lambda s: s.scalars(select(Panel).where(Panel.status == "inviting")).first())
    page.goto(f"/panels/{panel.id}")
    _axe_clean(page)
    _shoot(page, shots, "city-panel")

    meeting = _query(office, lambda s: s.scalars(select(JointMeeting)).first())
    page.goto(f"/joint-meetings/{meeting.id}")
    levels = set(
        page.locator("table.heat td[class^=heat-]").evaluate_all(
            "(cells) => cells.map((c) => c.className.split(' ')[0])"
        )
    )
    assert len(levels) >= 2, levels  # the busy season shows
    page.locator("#heatmap-title").scroll_into_view_if_needed()
    _shoot(page, shots, "joint-meeting")
    page.goto("/reports?period=year")
    assert page.locator("svg#chart-category, svg[aria-labelledby^=chart-category]").count() == 1
    assert page.locator("p.load-words").inner_text().startswith("负荷")
    _shoot(page, shots, "statistics")
    plan = _query(office, lambda s: s.scalars(select(Plan).where(Plan.scope == "city")).one())
    page.goto(f"/plans/{plan.id}")
    assert page.get_by_text("2027年法定节假日安排尚未录入").count() >= 1
    assert page.get_by_text(re.compile(r"2027年3月\d+日（周.）")).count() >= 1
    _shoot(page, shots, "plan")
    page.context.close()


# --- every page of every role -------------------------------------------------------------------------------


NOT_PAGES = (".ics", ".csv", ".xlsx", ".zip", ".json", "/docs/", "/static/")


def _page_urls(live: Live, role: str) -> list[str]:
    """Every GET page of the app, with the ids of objects this role would reach."""
    from wenping_sched.models import (
        DrawRecord,
        Expert,
        JointMeeting,
        Matter,
        Panel,
        Plan,
        Pool,
        Room,
        User,
    )

    county = "肃州区" if role == "suzhou" else None

    def ids(s: Any) -> dict[str, Any]:
        matter = s.scalars(
            select(Matter)
            .where(Matter.county == county if county else Matter.county.is_(None))
            .where(Matter.panels.any())
            .order_by(Matter.id)
        ).first()
        panel = s.scalars(select(Panel).where(Panel.matter_id == matter.id)).first()
        return {
            "matter_id": matter.id,
            "panel_id": panel.id,
            "draw_id": s.scalars(select(DrawRecord.id).where(DrawRecord.panel_id == panel.id)).first(),
            "expert_id": s.scalars(
                select(Expert.id).join(Pool).where(Pool.code == (county or "city")).order_by(Expert.id)
            ).first(),
            "meeting_id": s.scalars(select(JointMeeting.id)).first(),
            "department_id": s.scalar(select(User.department_id).where(User.username == "fagaiwei")),
            "room_id": s.scalars(select(Room.id)).first(),
            "plan_id": s.scalars(select(Plan.id).where(Plan.scope == (county or "city"))).first(),
        }

    values = _query(live, ids)
    urls = []
    for rule in live.app.url_map.iter_rules():
        if (
            "GET" not in rule.methods
            or rule.rule.startswith("/api")
            or rule.endpoint.startswith("invitations.rsvp")
        ):
            continue
        if any(part in rule.rule for part in NOT_PAGES) or "token" in rule.arguments:
            continue
        url = rule.rule
        for arg in rule.arguments:
            url = re.sub(rf"<(?:int:)?{arg}>", str(values[arg]), url)
        urls.append(url)
    return sorted(set(urls))


def _rsvp_urls(live: Live) -> list[str]:
    from wenping_sched.invitations.rsvp import rsvp_token
    from wenping_sched.models.outbox import Invitation

    def tokens(s: Any) -> list[str]:
        with live.app.test_request_context():
            first = {
                kind: s.scalars(select(Invitation).where(Invitation.person_type == kind)).first()
                for kind in ("expert", "contact")
            }
            return [f"/rsvp/{rsvp_token(invitation)}" for invitation in first.values()]

    return _query(live, tokens)


@pytest.mark.parametrize("role", ["anon", "demo", "suzhou", "expert1", "fagaiwei"])
def test_every_page_of_every_role_passes_axe(office: Live, browser: Any, role: str) -> None:
    page = _page(browser, office)
    if role != "anon":
        log_in(page, role)
    urls = _page_urls(office, role) + (_rsvp_urls(office) if role == "anon" else [])
    failures: dict[str, Any] = {}
    checked = 0
    for url in urls:
        response = page.goto(url)
        assert response is not None and response.status < 500, (url, response and response.status)
        if "text/html" not in (response.headers.get("content-type") or ""):
            continue
        checked += 1
        violations = axe_violations(page)
        if violations:
            failures[url] = violations
    assert checked >= 10 if role in ("demo", "suzhou") else checked >= 3
    assert failures == {}, failures
    page.context.close()

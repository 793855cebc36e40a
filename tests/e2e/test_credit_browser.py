"""Credit in a real browser: a coordinator rates a panel that met from the dashboard in one form; an
expert declares leave on a phone-sized screen (390 px) and gets the confirming mail."""

from __future__ import annotations

import re
from datetime import timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import select

from .checks import assert_accessible, assert_chinese_renders
from .conftest import Live, log_in, new_page, text_part


def _met_panel(live: Live) -> tuple[int, list[str]]:
    """A panel of the last city matter, drawn and accepted, whose meeting ended three hours ago."""
    from wenping_sched.extensions import db
    from wenping_sched.models import Matter, User

    from ..web.credit_helpers import accept_all, draw, met

    with live.app.app_context():
        try:
            user = db.session.scalar(select(User).where(User.username == "demo"))
            matter = db.session.scalars(
                select(Matter).where(Matter.county.is_(None)).order_by(Matter.id.desc())
            ).first()
            panel = draw(user, matter, size=3, weeks_ahead=8)
            accept_all(panel)
            met(panel)
            return panel.id, [m.expert.name for m in panel.members]
        finally:
            db.session.remove()


def _shot(page: Any, shots: Path, name: str) -> None:
    page.screenshot(path=str(shots / f"{name}.png"), full_page=True)


def test_a_coordinator_rates_a_panel_that_met_in_one_form(live: Live, browser: Any, shots: Path) -> None:
    from wenping_sched.credit import evaluations
    from wenping_sched.extensions import db
    from wenping_sched.models.credit import CreditEntry

    panel_id, names = _met_panel(live)
    live.deliver()  # the invitations of the panel, so that no later test finds them in the outbox

    page = new_page(browser, live)
    log_in(page, "demo")
    waiting = page.locator("section", has=page.get_by_role("heading", name="待评价的评审组"))
    waiting.get_by_role("link", name=f"评价 #{panel_id}").click()
    page.wait_for_url(re.compile(rf"/panels/{panel_id}/evaluation$"))
    # All present, all 4 unless changed.
    assert page.locator("input[value=present]:checked").count() == 3
    assert page.locator("select option[value='4']:checked").count() == 3
    assert_chinese_renders(page)
    assert_accessible(page)
    _shot(page, shots, "20-evaluation-form")

    absent, poor = names[1], names[2]
    page.get_by_role("radiogroup", name=f"{absent}的出席情况").get_by_label("缺席").check()
    page.get_by_label(f"{absent}的评分").select_option("")
    page.get_by_label(f"{poor}的评分").select_option("2")
    page.get_by_label(f"{poor}的备注").fill("意见未结合本地实际")
    page.get_by_role("button", name="保存评价").click()
    page.get_by_text("已保存 3 名成员的评价").wait_for()
    history = page.locator("table", has=page.get_by_role("columnheader", name="版本"))
    assert history.locator("tbody tr").count() == 3
    assert "意见未结合本地实际" in history.inner_text()
    assert_accessible(page)
    _shot(page, shots, "21-evaluation-saved")

    with live.app.app_context():
        try:
            from wenping_sched.models import Panel

            panel = db.session.get(Panel, panel_id)
            current = evaluations.current_evaluations([panel_id])
            by_name = {e.expert.name: e for e in current.values()}
            assert by_name[absent].attendance == "absent" and by_name[poor].score == 2
            entries = db.session.scalars(select(CreditEntry).where(CreditEntry.panel_id == panel.id)).all()
            assert sorted((e.kind, e.delta) for e in entries) == [("absent", -20), ("low_score", -5)]
        finally:
            db.session.remove()
    # Rated: the dashboard no longer lists it.
    page.goto("/")
    assert page.get_by_role("link", name=f"评价 #{panel_id}").count() == 0
    page.context.close()


def test_an_expert_declares_leave_on_a_phone(live: Live, browser: Any, shots: Path) -> None:
    from wenping_sched.extensions import db
    from wenping_sched.models import User
    from wenping_sched.models.credit import Leave
    from wenping_sched.timeutil import local_now

    with live.app.app_context():
        try:
            expert = db.session.scalar(select(User).where(User.username == "expert1")).expert
            email, expert_id = expert.email, expert.id
        finally:
            db.session.remove()
    first = (local_now() + timedelta(days=75)).date()
    last = first + timedelta(days=2)

    phone = new_page(browser, live, phone=True)
    log_in(phone, "expert1")
    phone.get_by_role("link", name="请假").click()
    phone.get_by_role("heading", name="登记请假").wait_for()
    assert_chinese_renders(phone)
    assert_accessible(phone)
    # The form fits the phone: nothing to scroll sideways, the button as wide as the screen allows.
    assert phone.evaluate("() => document.scrollingElement.scrollWidth") <= 390
    phone.get_by_label("开始日期").fill(first.isoformat())
    phone.get_by_label("结束日期（含当日）").fill(last.isoformat())
    phone.get_by_label("事由（可选）").fill("赴兰州参加学术会议")
    _shot(phone, shots, "22-leave-form-phone")
    phone.get_by_role("button", name="提交请假").click()
    period = (
        f"{first.year}年{first.month}月{first.day}日至"
        + (f"{last.year}年" if last.year != first.year else "")
        + f"{last.month}月{last.day}日"
    )
    label = f"请假：{period}"
    phone.get_by_text(f"已登记请假：{period}").wait_for()
    assert phone.locator("ul.leave-list li", has_text=label).count() == 1
    assert phone.evaluate("() => document.scrollingElement.scrollWidth") <= 390
    assert_accessible(phone)
    _shot(phone, shots, "23-leave-declared-phone")

    before = len(live.smtp.received)
    live.deliver()
    confirm = [m for m in live.smtp.received[before:] if email in m.rcpt_tos]
    assert [str(m.message["Subject"]) for m in confirm] == [f"【请假确认】{period}"]
    assert "赴兰州参加学术会议" in text_part(confirm[0])

    phone.get_by_role("link", name="我的信用").click()
    phone.get_by_role("heading", name=re.compile("年信用分")).wait_for()
    assert_accessible(phone)
    _shot(phone, shots, "24-my-credit-phone")

    # Withdrawn again: nothing is left behind for the other tests.
    phone.goto("/me/leave")
    phone.once("dialog", lambda dialog: dialog.accept())
    phone.get_by_role("button", name=f"撤销{label}").click()
    phone.get_by_text("已撤销请假").wait_for()
    with live.app.app_context():
        try:
            row = db.session.scalar(select(Leave).where(Leave.expert_id == expert_id))
            assert row is not None and row.withdrawn_at is not None
        finally:
            db.session.remove()
    phone.context.close()

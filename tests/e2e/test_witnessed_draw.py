"""The witnessed draw in a real browser: the committed lottery with its chances (table and chart) and
fingerprint, the witness's digits, the reveal; the printed record (no navigation, signature lines); a
decline that keeps the invited members' seats."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

from sqlalchemy import select

from solver import draw_proof

from .checks import assert_accessible, assert_chinese_renders
from .conftest import Live, log_in, new_page, rsvp_link, text_part


def _one(live: Live, query: Any) -> Any:
    from wenping_sched.extensions import db

    with live.app.app_context():
        try:
            row = db.session.scalars(query).first()
            if row is not None:
                db.session.expunge(row)
            return row
        finally:
            db.session.remove()


def _county_matter(live: Live) -> Any:
    from wenping_sched.models import Matter

    # A county matter: its county pool first, the city pool behind it.
    return _one(live, select(Matter).where(Matter.county.is_not(None)).order_by(Matter.id.desc()))


def _record(live: Live, draw_id: int) -> dict[str, Any]:
    from wenping_sched.draws.records import record_to_dict
    from wenping_sched.extensions import db
    from wenping_sched.models import DrawRecord

    with live.app.app_context():
        try:
            record = db.session.get(DrawRecord, draw_id)
            assert record is not None
            return record_to_dict(record)
        finally:
            db.session.remove()


def _witnessed_draw(page: Any, matter: Any) -> tuple[int, str]:
    """Request, commit, witness, reveal: the draw's id and the proposed panel's address."""
    page.goto(f"/matters/{matter.id}")
    page.get_by_role("link", name="抽取评审组").click()
    page.get_by_role("button", name="固定抽签表").click()
    page.wait_for_url(re.compile(r"/draws/\d+$"))
    draw_id = int(page.url.rsplit("/", 1)[1])
    page.get_by_label("监督人姓名").fill("马监督")
    page.get_by_label("监督人自行想好的数字").fill("582017")
    page.get_by_role("button", name="揭晓抽取结果").click()
    page.wait_for_url(re.compile(r"/panels/\d+$"))
    return draw_id, page.url


def test_the_witnessed_draw_and_its_printed_record(live: Live, browser: Any, shots: Path) -> None:
    matter = _county_matter(live)
    page = new_page(browser, live)
    log_in(page, "demo")
    page.goto(f"/matters/{matter.id}")
    page.get_by_role("link", name="抽取评审组").click()
    # The request form: suggested seats, a room or a place, exclusions with reasons.
    assert page.get_by_label("会议室").locator("option").count() >= 2
    excluded = page.get_by_label("专家 1").locator("option").nth(1)
    excluded_name = excluded.inner_text().split("（")[0]
    page.get_by_label("专家 1").select_option(index=1)
    page.get_by_label("回避理由 1").fill("其亲属在项目范围内")
    page.get_by_label("会议室").select_option(index=1)
    assert_accessible(page)
    page.get_by_role("button", name="固定抽签表").click()
    page.wait_for_url(re.compile(r"/draws/\d+$"))
    draw_id = int(page.url.rsplit("/", 1)[1])

    # Committed: the chances (a table and a bar chart) and the fingerprint, before anything is random.
    page.screenshot(path=str(shots / "20b-witnessed-draw-fingerprint.png"))
    committed = _record(live, draw_id)
    assert committed["status"] == "committed" and "nonce" not in committed
    fingerprint = page.locator("p.fingerprint").inner_text().strip()
    assert re.fullmatch(r"\d{4} \d{4} \d{4}", fingerprint) and fingerprint == committed["fingerprint"]
    with_chance = [e for e in committed["eligible"] if e["chance"] > 0]
    rows = page.locator("table.chances tbody tr")
    assert rows.count() == len(with_chance) > 0
    for e in with_chance:
        row = page.locator("table.chances tbody tr", has_text=e["name"]).first
        assert row.locator("td.num").inner_text() == f"{e['chance'] * 100:.2f}%"
    assert page.locator("svg.chart rect.bar").count() == len(with_chance)
    if len(with_chance) < len(committed["eligible"]):  # the others, folded away
        page.locator("details.no-chance summary").click()
        assert page.locator("details.no-chance tbody tr").count() == len(committed["eligible"]) - len(
            with_chance
        )
    assert page.locator("svg.chart title").text_content() == "各专家中选机会（百分比）"
    assert (
        "本次由协调员指定回避：其亲属在项目范围内"
        in page.locator("section[aria-labelledby=avoided-heading]").inner_text()
    )
    assert excluded_name in page.locator("section[aria-labelledby=avoided-heading]").inner_text()
    assert_chinese_renders(page)
    assert_accessible(page)
    page.screenshot(path=str(shots / "20-witnessed-draw-committed.png"), full_page=True)

    # The witness types their own digits; the reveal shows the panel.
    page.get_by_label("监督人姓名").fill("马监督")
    page.get_by_label("监督人自行想好的数字").fill("73920184")
    page.get_by_role("button", name="揭晓抽取结果").click()
    page.wait_for_url(re.compile(r"/panels/\d+$"))
    page.get_by_text("请核对后确认评审组").wait_for()
    revealed = _record(live, draw_id)
    assert revealed["witness_input"] == "73920184" and draw_proof.verify_record(revealed) == []
    for member in revealed["members"]:
        assert page.locator("tr", has_text=member["name"]).count() >= 1
    page.screenshot(path=str(shots / "21-witnessed-draw-revealed.png"), full_page=True)

    # The record: on screen with the navigation and buttons, in print without them.
    page.get_by_role("link", name=re.compile(rf"抽取记录 #{draw_id}")).click()
    page.wait_for_url(re.compile(rf"/draws/{draw_id}$"))
    text = page.locator("article.draw-record").inner_text()
    for shown in (revealed["nonce"], revealed["commitment"], "73920184", str(revealed["seed"]), "马监督"):
        assert shown in text, shown
    assert "系统自检：承诺值、随机种子、中签号和抽中组合均与记录一致" in text
    assert_accessible(page)
    with page.expect_download() as download:
        page.get_by_role("link", name="下载记录（JSON）").click()
    saved = shots.parent / "downloads" / download.value.suggested_filename
    saved.parent.mkdir(parents=True, exist_ok=True)
    download.value.save_as(saved)
    assert draw_proof.verify_record(json.loads(saved.read_text(encoding="utf-8"))) == []
    assert page.locator("header.top").is_visible()
    page.emulate_media(media="print")
    assert page.locator("header.top").is_hidden()
    assert page.get_by_role("button", name="打印").is_hidden()
    assert page.locator(".sign-line").count() == 4 and page.locator(".signatures").is_visible()
    assert "抽取人（签字）" in page.locator(".signatures").inner_text()
    assert "监督人（签字）" in page.locator(".signatures").inner_text()
    page.screenshot(path=str(shots / "22-draw-record-print.png"), full_page=True)
    page.locator("table.proof").screenshot(path=str(shots / "22b-draw-record-proof.png"))
    pdf = page.pdf(format="A4")
    assert pdf.startswith(b"%PDF")
    (shots.parent / "downloads" / f"draw-{draw_id}.pdf").write_bytes(pdf)
    page.context.close()


def test_a_decline_keeps_the_invited_members_seats(live: Live, browser: Any, shots: Path) -> None:
    from wenping_sched.models import PanelMember

    matter = _county_matter(live)
    page = new_page(browser, live)
    log_in(page, "demo")
    _draw_id, panel_url = _witnessed_draw(page, matter)
    panel_id = int(panel_url.rsplit("/", 1)[1])
    page.get_by_role("button", name="确认并发出邀请").click()
    page.get_by_text("评审组已确认，邀请已进入发送队列").wait_for()

    def seats() -> dict[str, str]:
        cells = page.locator("table").first.locator("tbody tr")
        out = {}
        for i in range(cells.count()):
            row = cells.nth(i).locator("td")
            out[row.nth(0).inner_text().split()[0]] = row.nth(3).inner_text()
        return out

    before = seats()
    seated = _one(
        live,
        select(PanelMember)
        .where(PanelMember.panel_id == panel_id, PanelMember.seat.is_not(None))
        .order_by(PanelMember.id),
    )
    assert seated is not None
    start = len(live.smtp.received)
    live.deliver()
    invitations = live.smtp.received[start:]
    decliner = _name_of(live, seated.expert_id)
    mail = next(m for m in invitations if text_part(m).startswith(f"{decliner}，您好"))

    phone = new_page(browser, live, phone=True)
    phone.goto(rsvp_link(mail))
    phone.get_by_role("button", name="谢绝邀请").click()
    phone.get_by_text("已收到您的答复：已谢绝").wait_for()
    phone.context.close()

    start = len(live.smtp.received)
    live.deliver()
    notices = [m for m in live.smtp.received[start:] if "补抽" in str(m.message["Subject"])]
    assert notices and "接替" in text_part(notices[0])

    page.goto(panel_url)
    after = seats()
    for name, seat in before.items():
        assert after[name] == seat, (name, seat, after[name])  # everyone keeps their seat, the decliner too
    newcomer = next(row for row in page.locator("tbody tr").all() if "补抽" in row.inner_text())
    assert newcomer.locator("td").nth(3).inner_text() == seated.seat
    assert "待答复" in newcomer.inner_text()
    assert "已谢绝" in page.locator("tr", has_text=decliner).first.inner_text()
    assert f"接替 {decliner}" in text_part(notices[0])
    assert_chinese_renders(page)
    page.screenshot(path=str(shots / "23-decline-keeps-seats.png"), full_page=True)
    page.context.close()


def _name_of(live: Live, expert_id: int) -> str:
    from wenping_sched.models import Expert

    expert = _one(live, select(Expert).where(Expert.id == expert_id))
    assert expert is not None
    return str(expert.name)

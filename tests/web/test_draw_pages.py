"""The witnessed draw on the pages: the request form commits, the witness reveals, the record is proof;
every draw on the matter's page; the dashboard flags matters drawn again and shows the audit chain."""

from __future__ import annotations

import re
from typing import Any

import pytest
from sqlalchemy import select, text

from solver import draw_proof

FORM = {
    "size": "3",
    "min_senior": "1",
    "window_start": "2027-03-01T08:30",
    "window_end": "2027-03-12T18:00",
    "duration_minutes": "120",
    "seat_法律": "1",
}


@pytest.fixture
def world(expert_factory: Any, matter_factory: Any, make_user: Any, login: Any) -> dict[str, Any]:
    from wenping_sched.extensions import db
    from wenping_sched.models import Room

    db.session.add(Room(name="市维稳办会商室", capacity=16, location=""))
    db.session.commit()
    experts = [
        expert_factory(sectors=("法律",), senior=True, name="王律师"),
        expert_factory(sectors=("法律",), name="陈律师"),
        expert_factory(sectors=("土地征收",), name="孙工"),
        expert_factory(sectors=("信访",), senior=True, name="刘主任"),
        expert_factory(sectors=("社会稳定",), name="李教授"),
    ]
    matter = matter_factory(title="东站片区棚户区改造", category="城市建设")
    user = make_user()
    login(user)
    return {"matter": matter, "experts": experts, "user": user}


def _commit(client: Any, matter_id: int, **extra: str) -> int:
    resp = client.post(f"/matters/{matter_id}/panels/new", data={**FORM, **extra})
    assert resp.status_code == 302, resp.get_data(as_text=True)[-2000:]
    match = re.search(r"/draws/(\d+)$", resp.headers["Location"])
    assert match, resp.headers["Location"]
    return int(match.group(1))


def test_the_request_form_suggests_seats_offers_rooms_and_has_no_seed(client, world):
    page = client.get(f"/matters/{world['matter'].id}/panels/new").get_data(as_text=True)
    for sector in ("法律", "土地征收", "信访"):  # 城市建设: land taking and demolition
        assert re.search(rf'name="seat_{sector}" value="1"', page), sector
    assert not re.search(r'name="seat_经济" value="1"', page)
    assert "市维稳办会商室" in page and 'name="place"' in page
    assert 'name="exclude_0"' in page and 'name="exclude_reason_0"' in page and "王律师" in page
    assert "seed" not in page and "随机种子" not in page


def test_the_witnessed_draw_from_request_to_record(client, world):
    from wenping_sched.extensions import db
    from wenping_sched.models import DrawRecord, Panel

    lawyer = world["experts"][1]
    draw_id = _commit(
        client,
        world["matter"].id,
        room="市维稳办会商室",
        exclude_0=str(lawyer.id),
        exclude_reason_0="其配偶在拆迁范围内",
    )
    record = db.session.get(DrawRecord, draw_id)
    assert record.status == "committed" and record.request["location"] == "市维稳办会商室"
    page = client.get(f"/draws/{draw_id}").get_data(as_text=True)
    fingerprint = " ".join(re.findall(r"\d{4}", f"{int(record.commitment[:16], 16) % 10**12:012d}"))
    assert fingerprint in page and record.commitment in page
    assert record.nonce not in page
    assert '<svg class="chart"' in page and "中选机会" in page
    assert "本次由协调员指定回避：其配偶在拆迁范围内" in page
    assert 'name="witness"' in page and 'name="witness_input"' in page

    blank = client.post(f"/draws/{draw_id}/reveal", data={"witness": "  ", "witness_input": "1234"})
    assert blank.status_code == 422 and "请填写监督人姓名" in blank.get_data(as_text=True)
    resp = client.post(f"/draws/{draw_id}/reveal", data={"witness": "马监督", "witness_input": "20271234"})
    assert resp.status_code == 302 and re.search(r"/panels/\d+$", resp.headers["Location"])
    db.session.expire_all()
    record = db.session.get(DrawRecord, draw_id)
    panel = db.session.get(Panel, record.panel_id)
    assert panel is not None and panel.location == "市维稳办会商室"
    assert "已揭晓" in client.get(resp.headers["Location"]).get_data(as_text=True)

    page = client.get(f"/draws/{draw_id}").get_data(as_text=True)
    for shown in (
        record.nonce,
        record.commitment,
        "马监督",
        "20271234",
        str(record.seed),
        "抽取人（签字）",
        "监督人（签字）",
    ):
        assert shown in page, shown
    assert "系统自检：承诺值、随机种子、中签号和抽中组合均与记录一致" in page
    assert f"{world['user'].username}（酒泉市维稳办）" in page  # a name and a unit, not "操作人 1"
    assert "抽取范围内符合回避规定、可以抽取的专家共 4 名" in page and "需要回避的专家 1 名" in page
    download = client.get(f"/draws/{draw_id}/record.json")
    assert download.headers["Content-Disposition"] == f'attachment; filename="draw-{draw_id}.json"'
    assert draw_proof.verify_record(download.get_json()) == []
    assert "verify_draw.py" in client.get("/help/verify-draw").get_data(as_text=True)
    again = client.post(f"/draws/{draw_id}/reveal", data={"witness": "马监督", "witness_input": "5555"})
    assert again.status_code == 302
    assert "已经揭晓" in client.get(again.headers["Location"]).get_data(as_text=True)


def test_every_draw_is_on_the_matter_page_and_the_dashboard_flags_a_second(client, world):
    first = _commit(client, world["matter"].id)
    assert (
        client.post(f"/draws/{first}/reveal", data={"witness": "马监督", "witness_input": "1111"}).status_code
        == 302
    )
    quiet = client.get("/").get_data(as_text=True)
    assert "抽取过不止一次的事项" not in quiet
    second = _commit(client, world["matter"].id)
    page = client.get(f"/matters/{world['matter'].id}").get_data(as_text=True)
    assert f"/draws/{first}" in page and f"/draws/{second}" in page
    assert "已承诺，待揭晓" in page and "已揭晓" in page and "马监督" in page
    dashboard = client.get("/").get_data(as_text=True)
    assert (
        "抽取过不止一次的事项" in dashboard
        and "抽取 2 次" in dashboard
        and world["matter"].title in dashboard
    )


def test_the_dashboard_shows_the_last_chain_check_and_runs_one(client, world, runner, make_user, login):
    from wenping_sched.cli import main
    from wenping_sched.extensions import db

    assert "尚未核对过" in client.get("/").get_data(as_text=True)
    assert runner.invoke(main, ["audit", "verify"]).exit_code == 0
    page = client.get("/").get_data(as_text=True)
    assert "命令行 wenping-sched audit verify" in page and "完整" in page
    resp = client.post("/audit/verify")
    assert resp.status_code == 302
    assert "逐条核对无误" in client.get("/").get_data(as_text=True)
    assert "工作台上的核对按钮" in client.get("/").get_data(as_text=True)

    # Behind the application's back an entry changes: the next check says which.
    if db.engine.dialect.name == "postgresql":
        db.session.execute(text("DROP TRIGGER audit_log_append_only ON audit_log"))
    else:
        db.session.execute(text("DROP TRIGGER audit_log_no_update"))
    db.session.execute(text("UPDATE audit_log SET username = 'x' WHERE id = (SELECT MIN(id) FROM audit_log)"))
    db.session.commit()
    client.post("/audit/verify")
    page = client.get("/").get_data(as_text=True)
    assert "不完整" in page and "被改动" in page

    login(make_user(scope="敦煌市"))
    assert client.post("/audit/verify").status_code == 403


def test_a_reveal_on_changed_data_is_kept_as_abandoned(client, world):
    from wenping_sched.extensions import db
    from wenping_sched.models import DrawRecord, Expert

    draw_id = _commit(client, world["matter"].id)
    for expert in db.session.scalars(select(Expert)):
        expert.active = False
    db.session.commit()
    resp = client.post(f"/draws/{draw_id}/reveal", data={"witness": "马监督", "witness_input": "1234"})
    assert resp.status_code == 302
    assert "已作废" in client.get(resp.headers["Location"]).get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(DrawRecord, draw_id).status == "abandoned"
    page = client.get(f"/matters/{world['matter'].id}").get_data(as_text=True)
    assert "已作废" in page and "出库" in page

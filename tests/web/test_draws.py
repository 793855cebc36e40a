"""The witnessed draw through the API: commit to a lottery, reveal with the witness's input, keep every draw.

The lottery in ``solver.lottery`` may still be a placeholder: these tests check the proof (commitment,
seed, ticket, drawn set) and the flow, never the chances it happens to give.
"""

from __future__ import annotations

import email
import email.policy
import threading
from typing import Any

import pytest
from sqlalchemy import select

from solver import draw_proof
from solver.instance import parse_panel_solution, parse_panels
from solver.validate import validate_panels

# Monday 1 to Friday 12 March 2027: in the future, Monday to Friday (2027 is not entered: a warning).
WINDOW = ["2027-03-01T08:30", "2027-03-12T18:00"]
BODY = {
    "size": 4,
    "seats": {"法律": 1, "信访": 1},
    "min_senior": 1,
    "window": WINDOW,
    "duration_minutes": 120,
}


@pytest.fixture
def world(expert_factory: Any, matter_factory: Any) -> dict[str, Any]:
    experts = {
        "law_a": expert_factory(sectors=("法律",), senior=True, name="王律师", employer="正天合律师事务所"),
        "law_b": expert_factory(sectors=("法律",), name="陈律师", employer="瓜州律师事务所"),
        "pet_a": expert_factory(sectors=("信访",), senior=True, name="刘主任", employer="肃州区信访局退休"),
        "pet_b": expert_factory(sectors=("信访",), name="何科长", employer="玉门市信访局退休"),
        "land": expert_factory(sectors=("土地征收",), name="孙工", employer="酒泉市国土勘测院"),
        "stab": expert_factory(sectors=("社会稳定",), name="李教授", employer="兰州大学"),
        "econ": expert_factory(sectors=("经济",), name="张老师", employer="酒泉职业技术学院"),
        "conflicted": expert_factory(sectors=("法律",), name="周处长", employer="市住建局"),
    }
    matter = matter_factory(
        title="酒泉东站片区棚户区改造", category="城市建设", responsible_department="市住建局"
    )
    return {"matter": matter, "experts": experts}


@pytest.fixture
def headers(make_user: Any, auth_headers: Any) -> dict[str, str]:
    return auth_headers(make_user())


def _commit(client: Any, headers: dict[str, str], matter: Any, **changes: Any) -> dict[str, Any]:
    resp = client.post(f"/api/v1/matters/{matter.id}/draws", json={**BODY, **changes}, headers=headers)
    assert resp.status_code == 201, resp.get_json()
    return resp.get_json()


def _reveal(client: Any, headers: dict[str, str], draw_id: int, digits: str = "20271234") -> Any:
    return client.post(
        f"/api/v1/draws/{draw_id}/reveal",
        json={"witness": "马监督", "witness_input": digits},
        headers=headers,
    )


def _record(client: Any, headers: dict[str, str], draw_id: int) -> dict[str, Any]:
    resp = client.get(f"/api/v1/draws/{draw_id}", headers=headers)
    assert resp.status_code == 200, resp.get_json()
    return resp.get_json()


def test_commit_fixes_the_lottery_and_tells_nothing_random(client, headers, world):
    from wenping_sched.extensions import db
    from wenping_sched.models import AuditLog, DrawRecord

    committed = _commit(client, headers, world["matter"])
    assert committed["status"] == "committed"
    lottery = committed["lottery"]
    assert lottery["total"] >= draw_proof.MIN_TOTAL and lottery["panel_id"] == f"draw-{committed['id']}"
    assert sum(t["count"] for t in lottery["tickets"]) == lottery["total"]
    assert draw_proof.check_lottery(lottery, BODY["size"]) == []
    assert len(committed["fingerprint"].replace(" ", "")) == 12
    # The chances add up to the panel's size, and nobody who must be avoided has one.
    assert sum(lottery["chances"].values()) == pytest.approx(BODY["size"], abs=0.01)
    assert str(world["experts"]["conflicted"].id) not in lottery["chances"]

    record = _record(client, headers, committed["id"])
    for secret in ("nonce", "seed", "ticket", "experts", "witness_input"):
        assert secret not in record, secret
    assert record["commitment"] == committed["commitment"] and record["panel_id"] is None
    assert draw_proof.verify_record(record) == []  # only the lottery can be checked yet
    eligible = {e["expert_id"]: e for e in record["eligible"]}
    assert set(eligible) == {str(e.id) for k, e in world["experts"].items() if k != "conflicted"}
    assert all(isinstance(e["chance"], float) for e in eligible.values())
    [avoided] = record["avoided"]
    assert avoided["expert_id"] == str(world["experts"]["conflicted"].id) and "市住建局" in avoided["reason"]

    # The nonce is nowhere before the reveal: not in the audit log either.
    nonce = db.session.get(DrawRecord, committed["id"]).nonce
    assert nonce and len(nonce) == 64
    [entry] = db.session.scalars(select(AuditLog).where(AuditLog.action == "draw.commit"))
    assert entry.detail["commitment"] == committed["commitment"]
    assert nonce not in str(entry.detail)
    matter = client.get(f"/api/v1/matters/{world['matter'].id}", headers=headers).get_json()
    assert nonce not in str(matter)


def test_reveal_draws_by_the_published_rules(client, headers, world):
    from wenping_sched.extensions import db
    from wenping_sched.models import DrawRecord

    committed = _commit(client, headers, world["matter"])
    resp = _reveal(client, headers, committed["id"], "583920")
    assert resp.status_code == 201, resp.get_json()
    panel = resp.get_json()
    assert panel["status"] == "proposed" and panel["draw"] == committed["id"]

    record = _record(client, headers, committed["id"])
    assert record["status"] == "revealed" and record["panel_id"] == panel["id"]
    assert record["witness"] == "马监督" and record["witness_input"] == "583920"
    # Anyone can recompute each step from the record alone.
    digest = draw_proof.lottery_digest(
        record["lottery"]["panel_id"], record["lottery"]["total"], record["lottery"]["tickets"]
    )
    assert draw_proof.commitment(record["nonce"], digest) == committed["commitment"]
    assert record["seed"] == draw_proof.seed_from(record["nonce"], "583920") == panel["seed"]
    lottery = record["lottery"]
    assert record["ticket"] == draw_proof.ticket_for(record["seed"], lottery["panel_id"], lottery["total"])
    drawn = draw_proof.set_for_ticket(record["lottery"]["tickets"], record["ticket"])
    assert sorted(record["experts"]) == sorted(drawn)
    assert sorted(str(m["expert_id"]) for m in panel["members"]) == sorted(drawn)
    assert draw_proof.verify_record(record) == []
    assert {s: ids for s, ids in record["seats"].items()} == {
        s: [str(i) for i in ids] for s, ids in panel["seats"].items()
    }

    # The placement obeys every hard rule on the instance the record keeps.
    row = db.session.get(DrawRecord, committed["id"])
    instance = parse_panels(row.instance)
    assert validate_panels(instance, parse_panel_solution(row.solution, instance.timezone)) == []
    # 2027's holidays are not entered: the panel says how it planned.
    assert [w["code"] for w in panel["warnings"]] == ["calendar_unknown"]


def test_a_draw_is_revealed_once(client, headers, world):
    committed = _commit(client, headers, world["matter"])
    assert _reveal(client, headers, committed["id"]).status_code == 201
    again = _reveal(client, headers, committed["id"], "999999")
    assert again.status_code == 409 and "已经揭晓" in again.get_json()["error"]["message"]
    assert _record(client, headers, committed["id"])["witness_input"] == "20271234"


def test_two_reveals_at_once_make_one_panel(app, client, headers, world):
    from wenping_sched.extensions import db
    from wenping_sched.models import Panel

    committed = _commit(client, headers, world["matter"])
    statuses: list[int] = []

    def reveal(digits: str) -> None:
        statuses.append(_reveal(app.test_client(), headers, committed["id"], digits).status_code)

    threads = [threading.Thread(target=reveal, args=(d,)) for d in ("111111", "222222")]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert sorted(statuses) == [201, 409]
    db.session.expire_all()
    assert db.session.scalar(select(db.func.count()).select_from(Panel)) == 1


def test_changed_data_abandons_the_draw_and_keeps_it(client, headers, world):
    from wenping_sched.extensions import db
    from wenping_sched.models import AuditLog, Expert

    committed = _commit(client, headers, world["matter"])
    # After the commitment every expert of the lottery is retired: whichever set is drawn, it breaks a rule.
    in_lottery = {int(e) for t in committed["lottery"]["tickets"] for e in t["experts"]}
    for expert in db.session.scalars(select(Expert).where(Expert.id.in_(in_lottery))):
        expert.active = False
    db.session.commit()

    resp = _reveal(client, headers, committed["id"])
    assert resp.status_code == 409
    assert resp.get_json()["error"]["code"] == "draw_abandoned"
    record = _record(client, headers, committed["id"])
    assert record["status"] == "abandoned" and "出库" in record["abandoned_reason"]
    assert "nonce" not in record and "experts" not in record
    assert record["witness"] == "马监督"
    assert draw_proof.verify_record(record) == []
    assert _reveal(client, headers, committed["id"]).status_code == 409
    matter = client.get(f"/api/v1/matters/{world['matter'].id}", headers=headers).get_json()
    assert [(d["id"], d["status"], d["panel_id"]) for d in matter["draws"]] == [
        (committed["id"], "abandoned", None)
    ]
    assert matter["panels"] == []
    assert db.session.scalars(select(AuditLog).where(AuditLog.action == "draw.abandon")).one()


@pytest.mark.parametrize("path", ["panels", "draws"])
def test_a_seed_in_the_body_is_refused_by_name(client, headers, world, path):
    resp = client.post(
        f"/api/v1/matters/{world['matter'].id}/{path}", json={**BODY, "seed": 7}, headers=headers
    )
    assert resp.status_code == 422
    assert list(resp.get_json()["error"]["fields"]) == ["seed"]
    assert "种子" in resp.get_json()["error"]["fields"]["seed"]


def test_a_seed_in_a_plan_is_refused_by_name(client, headers, world):
    item = {**BODY, "matter_id": world["matter"].id, "seed": 3}
    resp = client.post("/api/v1/plans", json=[item], headers=headers)
    assert resp.status_code == 422 and "0.seed" in resp.get_json()["error"]["fields"]


def test_the_commitment_is_on_the_audit_chain_before_the_reveal(client, headers, world):
    from wenping_sched import auditchain
    from wenping_sched.extensions import db
    from wenping_sched.models import AuditLog

    committed = _commit(client, headers, world["matter"])
    _reveal(client, headers, committed["id"])
    entries = {
        e.action: e
        for e in db.session.scalars(select(AuditLog).where(AuditLog.target == f"draw:{committed['id']}"))
    }
    assert entries["draw.commit"].seq < entries["draw.reveal"].seq
    assert entries["draw.commit"].detail["commitment"] == committed["commitment"]
    assert entries["draw.reveal"].detail["witness_input"] == "20271234"
    assert auditchain.verify(db.session()).ok


def test_every_draw_is_listed_on_the_matter(client, headers, world):
    first = _commit(client, headers, world["matter"])
    panel = _reveal(client, headers, first["id"]).get_json()
    never = _commit(client, headers, world["matter"])
    one_step = client.post(f"/api/v1/matters/{world['matter'].id}/panels", json=BODY, headers=headers)
    assert one_step.status_code == 201
    matter = client.get(f"/api/v1/matters/{world['matter'].id}", headers=headers).get_json()
    assert [(d["id"], d["status"], d["panel_id"]) for d in matter["draws"]] == [
        (first["id"], "revealed", panel["id"]),
        (never["id"], "committed", None),
        (one_step.get_json()["draw"], "revealed", one_step.get_json()["id"]),
    ]
    assert all(d["created_at"].endswith("+08:00") for d in matter["draws"])


def test_a_set_aside_proposal_stays_with_its_draw(client, headers, world, login, make_user):
    committed = _commit(client, headers, world["matter"])
    panel = _reveal(client, headers, committed["id"]).get_json()
    login(make_user())
    client.post(f"/panels/{panel['id']}/cancel", data={"reason": "监督人未到场，重新抽取"})
    matter = client.get(f"/api/v1/matters/{world['matter'].id}", headers=headers).get_json()
    assert matter["draws"][0]["panel_id"] == panel["id"] and matter["draws"][0]["status"] == "revealed"
    assert matter["panels"][0]["status"] == "cancelled"
    page = client.get(f"/matters/{world['matter'].id}").get_data(as_text=True)
    assert "已搁置" in page and "监督人未到场，重新抽取" in page


def test_exclusions_carry_their_reason_to_the_record(client, headers, world):
    lawyer = world["experts"]["law_b"]
    committed = _commit(
        client,
        headers,
        world["matter"],
        exclusions=[{"expert_id": lawyer.id, "reason": "近亲属在拆迁范围内"}],
    )
    assert str(lawyer.id) not in committed["lottery"]["chances"]
    record = _record(client, headers, committed["id"])
    reasons = {a["expert_id"]: a["reason"] for a in record["avoided"]}
    assert reasons[str(lawyer.id)] == "本次由协调员指定回避：近亲属在拆迁范围内"
    assert record["request"]["exclusions"][0]["name"] == "陈律师"
    unknown = client.post(
        f"/api/v1/matters/{world['matter'].id}/draws",
        json={**BODY, "exclusions": [{"expert_id": 999999, "reason": "?"}]},
        headers=headers,
    )
    assert unknown.status_code == 422 and "exclusions" in unknown.get_json()["error"]["fields"]


def _decline(panel_id: int, expert_id: int) -> Any:
    from wenping_sched.extensions import db
    from wenping_sched.invitations import rsvp
    from wenping_sched.models import PanelMember
    from wenping_sched.models.outbox import Invitation

    member = db.session.scalars(
        select(PanelMember).where(PanelMember.panel_id == panel_id, PanelMember.expert_id == expert_id)
    ).one()
    invitation = db.session.scalars(select(Invitation).where(Invitation.panel_member_id == member.id)).one()
    result = rsvp.answer(invitation, "decline", "出差")
    db.session.commit()
    return result


def _notice_text() -> str:
    from wenping_sched.extensions import db
    from wenping_sched.models.outbox import OutboxMessage

    notice = db.session.scalars(
        select(OutboxMessage).where(OutboxMessage.kind == "notice").order_by(OutboxMessage.id.desc())
    ).first()
    assert notice is not None
    message = email.message_from_bytes(notice.raw, policy=email.policy.default)
    return str(message.get_body(preferencelist=("plain",)).get_content())


def test_a_decline_keeps_the_invited_members_seats(client, headers, expert_factory, matter_factory):
    """Issue 13: after a decline the replacement takes the freed seat; nobody else moves. Four experts of
    each seated sector for a panel of three: whoever declines, someone free can take the seat."""
    from wenping_sched.extensions import db
    from wenping_sched.models import DrawRecord

    for i in range(4):
        expert_factory(sectors=("法律",), senior=True, name=f"律师{i}")
        expert_factory(sectors=("信访",), name=f"信访{i}")
    matter = matter_factory(title="棚户区改造")
    body = {**BODY, "size": 3, "seats": {"法律": 1, "信访": 1}}
    panel = client.post(f"/api/v1/matters/{matter.id}/panels", json=body, headers=headers).get_json()
    assert client.post(f"/api/v1/panels/{panel['id']}/confirm", headers=headers).status_code == 200
    seats_before = {m["expert_id"]: m["seat"] for m in panel["members"]}
    decliner = next(m for m in panel["members"] if m["seat"] == "信访")

    [added] = _decline(panel["id"], decliner["expert_id"]).added
    assert added.seat == "信访" and added.draw is not None and added.draw.kind == "redraw"
    after = client.get(f"/api/v1/panels/{panel['id']}", headers=headers).get_json()
    assert {
        m["expert_id"]: m["seat"] for m in after["members"] if m["expert_id"] in seats_before
    } == seats_before
    assert {m["expert_id"]: m["state"] for m in after["members"]}[decliner["expert_id"]] == "declined"

    redraw = db.session.get(DrawRecord, after["draws"][-1])
    assert redraw.kind == "redraw" and redraw.status == "revealed" and redraw.witness is None
    record = _record(client, headers, redraw.id)
    assert draw_proof.verify_record(record) == []
    assert record["experts"] == [str(added.expert_id)] and record["request"]["seats"] == {"信访": 1}
    kept = [m["expert_id"] for m in panel["members"] if m["expert_id"] != decliner["expert_id"]]
    assert [k["expert_id"] for k in record["request"]["kept"]] == kept
    avoided = {a["expert_id"]: a["reason"] for a in record["avoided"]}
    assert avoided[str(decliner["expert_id"])] == "已谢绝本次邀请"
    assert all(avoided[str(k)] == "已在本评审组（保留席位）" for k in kept)
    matter_json = client.get(f"/api/v1/matters/{matter.id}", headers=headers).get_json()
    assert [d["kind"] for d in matter_json["draws"]] == ["draw", "redraw"]
    assert f"{added.expert.name}（信访席位）接替 {decliner['name']}" in _notice_text()


def test_seats_are_dealt_again_only_when_nobody_can_take_the_freed_one(
    client, headers, expert_factory, matter_factory
):
    """Two 信访 experts make the first panel; after a third expert (法律) joins the pool the seated one
    declines: nobody free works in 信访, so the other member moves into that seat and the record says so."""
    from wenping_sched.extensions import db
    from wenping_sched.models import PanelMember

    for i in range(2):
        expert_factory(sectors=("信访",), senior=True, name=f"信访{i}")
    matter = matter_factory(title="信访事项")
    body = {**BODY, "size": 2, "seats": {"信访": 1}}
    panel = client.post(f"/api/v1/matters/{matter.id}/panels", json=body, headers=headers).get_json()
    assert client.post(f"/api/v1/panels/{panel['id']}/confirm", headers=headers).status_code == 200
    seated = next(m for m in panel["members"] if m["seat"] == "信访")
    other = next(m for m in panel["members"] if m["seat"] != "信访")
    lawyer = expert_factory(sectors=("法律",), name="新律师")

    [added] = _decline(panel["id"], seated["expert_id"]).added
    assert added.expert_id == lawyer.id and added.seat is None
    moved = db.session.scalars(
        select(PanelMember).where(
            PanelMember.panel_id == panel["id"], PanelMember.expert_id == other["expert_id"]
        )
    ).one()
    assert moved.seat == "信访"
    record = _record(client, headers, added.draw_id)
    assert draw_proof.verify_record(record) == []
    assert sorted(record["experts"]) == sorted([str(other["expert_id"]), str(lawyer.id)])
    assert record["request"]["seats_kept"] is False
    page = client.get(f"/api/v1/draws/{added.draw_id}", headers=headers).get_json()
    assert page["members"][0]["kept"] is True or page["members"][1]["kept"] is True
    assert f"新律师 接替 {seated['name']}" in _notice_text()


def test_the_database_refuses_to_delete_a_draw(client, headers, world):
    from sqlalchemy import delete
    from sqlalchemy.exc import DatabaseError

    from wenping_sched.extensions import db
    from wenping_sched.models import DrawRecord

    committed = _commit(client, headers, world["matter"])
    with pytest.raises(DatabaseError):
        db.session.execute(delete(DrawRecord).where(DrawRecord.id == committed["id"]))
        db.session.flush()
    db.session.rollback()
    assert db.session.get(DrawRecord, committed["id"]) is not None

"""The panel flow through the API: propose by draw, confirm, redraw, reschedule, cancel."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from solver.instance import parse_panel_solution, parse_panels
from solver.validate import validate_panels

from .dates import clear_monday, offset, window

TZ = ZoneInfo("Asia/Shanghai")
# Two ordinary working weeks in the future (a draw for a time that has passed is refused).
MONDAY = clear_monday(weeks_ahead=2, weeks=3)
WINDOW = window(MONDAY, 0, 11)


def _validated(record: Any) -> None:
    instance = parse_panels(record.instance)
    assert validate_panels(instance, parse_panel_solution(record.solution, instance.timezone)) == []


@pytest.fixture
def county_city(expert_factory, matter_factory):
    """A 敦煌市 matter with a small county pool and the city pool behind it."""
    experts = {
        "local_law": expert_factory(pool="敦煌市", sectors=("法律",), senior=True, employer="敦煌律师事务所"),
        "local_land": expert_factory(pool="敦煌市", sectors=("土地征收",), employer="敦煌市国土所"),
        "conflicted": expert_factory(pool="敦煌市", sectors=("法律",), employer="敦煌市交通运输局"),
        "interested": expert_factory(pool="敦煌市", sectors=("信访",), interests=("甘肃省民航机场集团",)),
        "city_a": expert_factory(pool="city", sectors=("社会稳定",), employer="兰州大学"),
        "city_b": expert_factory(pool="city", sectors=("交通",), employer="酒泉职业技术学院"),
        "city_c": expert_factory(pool="city", sectors=("经济",), employer="酒泉市会计师协会"),
        "other_county": expert_factory(pool="玉门市", sectors=("法律",)),
    }
    matter = matter_factory(
        county="敦煌市",
        title="敦煌机场扩建项目",
        responsible_department="敦煌市交通运输局",
        related_organisations=("甘肃省民航机场集团",),
    )
    return matter, experts


def test_propose_draws_by_the_rules_and_keeps_a_record(client, make_user, auth_headers, county_city):
    from wenping_sched.extensions import db
    from wenping_sched.models import DrawRecord

    matter, ex = county_city
    headers = auth_headers(make_user())
    body = {
        "size": 4,
        "seats": {"法律": 1, "土地征收": 1},
        "min_senior": 1,
        "window": WINDOW,
        "duration_minutes": 180,
        "location": "敦煌市政府会议室",
    }
    resp = client.post(f"/api/v1/matters/{matter.id}/panels", json=body, headers=headers)
    assert resp.status_code == 201, resp.get_json()
    panel = resp.get_json()
    assert panel["status"] == "proposed" and panel["draw"] == panel["draws"][0]
    members = {m["expert_id"] for m in panel["members"]}
    assert len(members) == 4
    assert panel["seats"] == {"法律": [ex["local_law"].id], "土地征收": [ex["local_land"].id]}
    assert not members & {ex["conflicted"].id, ex["interested"].id, ex["other_county"].id}
    start = datetime.fromisoformat(panel["start"])
    assert start.utcoffset() is not None and datetime(2026, 3, 2, tzinfo=TZ) <= start

    record = db.session.get(DrawRecord, panel["draws"][0])
    _validated(record)
    assert record.status == "revealed" and record.seed == panel["seed"] and record.witness is None
    avoided = {a["expert_id"]: a["reason"] for a in record.avoided}
    assert "敦煌市交通运输局" in avoided[ex["conflicted"].id]
    assert "甘肃省民航机场集团" in avoided[ex["interested"].id]
    assert record.eligible_count == 5  # two local, three city; the other county is not in the pools


def test_a_one_step_draw_is_a_verifiable_draw_with_no_witness(client, make_user, auth_headers, county_city):
    from solver.draw_proof import seed_from, verify_record

    matter, _ = county_city
    headers = auth_headers(make_user())
    body = {"size": 3, "seats": {"法律": 1}, "window": WINDOW, "duration_minutes": 120}
    panel = client.post(f"/api/v1/matters/{matter.id}/panels", json=body, headers=headers).get_json()
    record = client.get(f"/api/v1/draws/{panel['draw']}", headers=headers).get_json()
    assert record["status"] == "revealed" and record["witness"] is None and record["witness_input"] == ""
    assert record["seed"] == seed_from(record["nonce"], "") == panel["seed"]
    assert sorted(record["experts"]) == sorted(str(m["expert_id"]) for m in panel["members"])
    assert verify_record(record) == []


def test_unfillable_panel_is_422_with_the_solvers_reasons(client, make_user, auth_headers, county_city):
    matter, _ = county_city
    headers = auth_headers(make_user())
    body = {"size": 3, "seats": {"民族宗教": 1}, "window": WINDOW, "duration_minutes": 120}
    resp = client.post(f"/api/v1/matters/{matter.id}/panels", json=body, headers=headers)
    assert resp.status_code == 422
    error = resp.get_json()["error"]
    assert error["code"] == "unfillable"
    assert [r["code"] for r in error["reasons"]] == ["sector_shortage"]
    assert "民族宗教" in error["message"]
    assert client.get(f"/api/v1/matters/{matter.id}", headers=headers).get_json()["panels"] == []


def test_bad_panel_requests_name_the_field(client, make_user, auth_headers, county_city):
    matter, _ = county_city
    headers = auth_headers(make_user())
    base = {"size": 3, "window": WINDOW, "duration_minutes": 120}
    cases = [
        ({**base, "seats": {"法律": 4}}, "seats"),
        ({**base, "seats": {"占星": 1}}, "seats"),
        ({**base, "window": [WINDOW[1], WINDOW[0]]}, "window"),
        ({**base, "size": 0}, "size"),
        ({**base, "min_senior": 9}, "min_senior"),
    ]
    for body, field in cases:
        resp = client.post(f"/api/v1/matters/{matter.id}/panels", json=body, headers=headers)
        assert resp.status_code == 422, (body, resp.get_json())
        assert field in resp.get_json()["error"]["fields"], (body, resp.get_json())


def test_confirm_redraw_reschedule_cancel(client, make_user, auth_headers, county_city):
    from wenping_sched.extensions import db
    from wenping_sched.models import DrawRecord, Panel
    from wenping_sched.panels import operations

    matter, _experts = county_city
    user = make_user()
    headers = auth_headers(user)
    body = {"size": 3, "seats": {"法律": 1}, "window": WINDOW, "duration_minutes": 120}
    panel = client.post(f"/api/v1/matters/{matter.id}/panels", json=body, headers=headers).get_json()
    confirmed = client.post(f"/api/v1/panels/{panel['id']}/confirm", headers=headers).get_json()
    assert confirmed["status"] == "inviting" and {m["state"] for m in confirmed["members"]} == {"pending"}
    assert client.post(f"/api/v1/panels/{panel['id']}/confirm", headers=headers).status_code == 409

    # An expert (not the lawyer) declines: the redraw keeps the others and fills the seat at the same time.
    row = db.session.get(Panel, panel["id"])
    decliner = next(m for m in row.members if m.seat is None)
    decliner.state = "declined"
    added = operations.redraw(user, row)
    db.session.commit()
    assert len(added) == 1 and added[0].expert_id != decliner.expert_id and added[0].state == "pending"
    after = client.get(f"/api/v1/panels/{panel['id']}", headers=headers).get_json()
    assert after["start"] == panel["start"]
    assert [m["state"] for m in after["members"]].count("declined") == 1
    assert len([m for m in after["members"] if m["state"] == "pending"]) == 3
    redraw_record = db.session.get(DrawRecord, after["draws"][-1])
    assert redraw_record.kind == "redraw"
    _validated(redraw_record)

    moved = client.post(
        f"/api/v1/panels/{panel['id']}/reschedule",
        json={"window": window(MONDAY, 14, 18)},
        headers=headers,
    )
    assert moved.status_code == 200, moved.get_json()
    assert moved.get_json()["start"].startswith(window(MONDAY, 14, 18)[0][:10])
    assert db.session.get(Panel, panel["id"]).sequence == 1

    # A weekend holds no workday.
    none = client.post(
        f"/api/v1/panels/{panel['id']}/reschedule",
        json={"window": window(MONDAY, 5, 6)},
        headers=headers,
    )
    assert none.status_code == 422 and "no_workday" in [
        r["code"] for r in none.get_json()["error"]["reasons"]
    ]

    cancelled = client.post(f"/api/v1/panels/{panel['id']}/cancel", headers=headers).get_json()
    assert cancelled["status"] == "cancelled"
    assert client.post(f"/api/v1/panels/{panel['id']}/cancel", headers=headers).status_code == 409


def test_an_expert_on_a_panel_is_busy_for_the_next(
    client, make_user, auth_headers, expert_factory, matter_factory
):
    lawyer = expert_factory(pool="city", sectors=("法律",), senior=True)
    for _ in range(2):
        expert_factory(pool="city", sectors=("经济",), senior=True)
    first = matter_factory(title="甲事项")
    second = matter_factory(title="乙事项")
    headers = auth_headers(make_user())
    one_slot = window(MONDAY, 0, 0, end="12:00")
    body = {"size": 1, "seats": {"法律": 1}, "window": one_slot, "duration_minutes": 180}
    assert client.post(f"/api/v1/matters/{first.id}/panels", json=body, headers=headers).status_code == 201
    resp = client.post(f"/api/v1/matters/{second.id}/panels", json=body, headers=headers)
    assert resp.status_code == 422, resp.get_json()
    assert lawyer.id  # the only lawyer is taken that morning


def test_county_coordinator_cannot_draw_for_another_county(client, make_user, auth_headers, county_city):
    matter, _ = county_city
    headers = auth_headers(make_user(scope="玉门市"))
    body = {"size": 1, "window": WINDOW, "duration_minutes": 120}
    assert client.post(f"/api/v1/matters/{matter.id}/panels", json=body, headers=headers).status_code == 404


def test_a_panel_in_a_year_without_a_schedule_says_so(client, make_user, auth_headers, county_city):
    matter, _ = county_city
    headers = auth_headers(make_user())
    body = {"size": 2, "window": ["2099-03-02T08:30", "2099-03-06T18:00"], "duration_minutes": 120}
    panel = client.post(f"/api/v1/matters/{matter.id}/panels", json=body, headers=headers).get_json()
    assert [w["code"] for w in panel["warnings"]] == ["calendar_unknown"]
    assert panel["warnings"][0]["year"] == 2099
    assert panel["start"].startswith("2099-03-02")  # a Monday, planned Monday to Friday


def test_a_panel_in_a_room_avoids_the_rooms_other_bookings(
    client, make_user, auth_headers, expert_factory, matter_factory
):
    from wenping_sched.extensions import db
    from wenping_sched.models import Room

    db.session.add(Room(name="市维稳办会商室", capacity=16, location=""))
    db.session.commit()
    for _ in range(4):
        expert_factory(pool="city", sectors=("法律",), senior=True)
    headers = auth_headers(make_user())
    two_mornings = window(MONDAY, 0, 1, end="12:00")
    body = {
        "size": 2,
        "min_senior": 1,
        "window": two_mornings,
        "duration_minutes": 210,
        "location": "市维稳办会商室",
    }
    first = client.post(
        f"/api/v1/matters/{matter_factory().id}/panels", json=body, headers=headers
    ).get_json()
    second = client.post(
        f"/api/v1/matters/{matter_factory().id}/panels", json=body, headers=headers
    ).get_json()
    assert first["start"] == offset(MONDAY, "08:30")
    # Two of the four experts are still free that morning, but the room is not.
    assert second["start"] == offset(MONDAY, "14:30")
    # Another place: that morning is fine (two experts are free then). The lottery draws among
    # every set of the window and the drawn set meets at its own earliest start, so the window
    # is that morning alone: only the room could stop it.
    elsewhere = client.post(
        f"/api/v1/matters/{matter_factory().id}/panels",
        json={**body, "location": "敦煌市政府", "window": window(MONDAY, 0, 0, end="12:00")},
        headers=headers,
    ).get_json()
    assert elsewhere["start"] == offset(MONDAY, "08:30")

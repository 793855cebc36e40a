"""Credit points: each deduction from the event that causes it, the threshold that suspends at once,
suspension by hand, rules that apply only forward, corrections, and who may do what."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import select

from .credit_helpers import accept_all, city_experts, draw, invitation_of, met, move


@pytest.fixture
def city_panel(make_user: Any, expert_factory: Any, matter_factory: Any) -> dict[str, Any]:
    """A city matter's panel of four that met three hours ago, every member having accepted."""
    user = make_user(username="city")
    city_experts(expert_factory, 6)
    matter = matter_factory(title="城区供热管网改造")
    panel = draw(user, matter, size=4)
    accept_all(panel)
    met(panel)
    return {"user": user, "panel": panel, "members": [m.expert_id for m in panel.members]}


def _rows(model: Any, **where: Any) -> list[Any]:
    from wenping_sched.extensions import db

    return list(db.session.scalars(select(model).filter_by(**where).order_by(model.id)))


def _year(panel: Any) -> int:
    from wenping_sched.timeutil import to_local

    return to_local(panel.start).year


def _entries(expert_id: int) -> list[Any]:
    from wenping_sched.extensions import db
    from wenping_sched.models.credit import CreditEntry

    return list(db.session.scalars(select(CreditEntry).where(CreditEntry.expert_id == expert_id)))


def test_each_evaluation_rule_deducts_its_points(client, auth_headers, city_panel):
    from wenping_sched.standing.points import score

    panel, (a, b, c, d) = city_panel["panel"], city_panel["members"]
    headers = auth_headers(city_panel["user"])
    body = [
        {"expert_id": a, "attendance": "absent"},
        {"expert_id": b, "attendance": "late", "score": 4},
        {"expert_id": c, "attendance": "present", "score": 2, "remarks": "意见空泛"},
        {"expert_id": d, "attendance": "present", "score": 4},
    ]
    resp = client.post(f"/api/v1/panels/{panel.id}/evaluations", json=body, headers=headers)
    assert resp.status_code == 201, resp.get_json()
    assert {(e["expert_id"], e["attendance"], e["score"], e["version"]) for e in resp.get_json()} == {
        (a, "absent", None, 1),
        (b, "late", 4, 1),
        (c, "present", 2, 1),
        (d, "present", 4, 1),
    }
    year = _year(panel)
    assert [score(x, year) for x in (a, b, c, d)] == [80, 95, 95, 100]
    assert [(e.kind, e.delta) for e in _entries(a)] == [("absent", -20)]
    assert [(e.kind, e.delta) for e in _entries(b)] == [("late", -5)]
    assert [(e.kind, e.delta) for e in _entries(c)] == [("low_score", -5)]
    assert "无故缺席" in _entries(a)[0].reason and f"#{panel.id}" in _entries(a)[0].reason
    assert "评分2分" in _entries(c)[0].reason
    # The expert's API record shows the points and each entry, by whom.
    credit = client.get(f"/api/v1/experts/{a}", headers=headers).get_json()["credit"]
    if year == credit["year"]:
        assert credit["score"] == 80
        assert [(e["delta"], e["by"]) for e in credit["entries"]] == [(-20, "city")]


def test_late_and_low_score_together_and_an_absent_score_is_not_rated(client, auth_headers, city_panel):
    from wenping_sched.standing.points import score

    panel, (a, b, _c, _d) = city_panel["panel"], city_panel["members"]
    headers = auth_headers(city_panel["user"])
    body = [
        {"expert_id": a, "attendance": "late", "score": 1},
        {"expert_id": b, "attendance": "absent", "score": 1},
    ]
    assert (
        client.post(f"/api/v1/panels/{panel.id}/evaluations", json=body, headers=headers).status_code == 201
    )
    assert sorted((e.kind, e.delta) for e in _entries(a)) == [("late", -5), ("low_score", -5)]
    # An absent member did no work to rate: absence alone is deducted.
    assert [(e.kind, e.delta) for e in _entries(b)] == [("absent", -20)]
    assert score(a, _year(panel)) == 90


def test_declining_an_accepted_invitation_late_costs_points(client, city_panel):
    from wenping_sched.extensions import db
    from wenping_sched.invitations import rsvp
    from wenping_sched.models.types import utcnow
    from wenping_sched.standing.points import score
    from wenping_sched.timeutil import to_local

    panel, (a, b, _c, _d) = city_panel["panel"], city_panel["members"]
    move(panel, utcnow() + timedelta(hours=10))
    resp = client.post(f"/rsvp/{rsvp.rsvp_token(invitation_of(panel, a))}", json={"response": "decline"})
    assert resp.status_code == 200, resp.get_data(as_text=True)
    entries = _entries(a)
    assert [(e.kind, e.delta, e.panel_id) for e in entries] == [("late_decline", -10, panel.id)]
    assert "不足24小时" in entries[0].reason
    assert score(a, to_local(entries[0].at).year) == 90

    # Two days ahead it is not late: declining costs nothing.
    move(panel, utcnow() + timedelta(hours=48))
    resp = client.post(f"/rsvp/{rsvp.rsvp_token(invitation_of(panel, b))}", json={"response": "decline"})
    assert resp.status_code == 200
    db.session.expire_all()
    assert _entries(b) == []


def test_declining_an_invitation_never_accepted_costs_nothing(
    client, make_user, expert_factory, matter_factory
):
    from wenping_sched.invitations import rsvp
    from wenping_sched.models.types import utcnow

    user = make_user()
    city_experts(expert_factory, 5)
    panel = draw(user, matter_factory(), size=3)
    move(panel, utcnow() + timedelta(hours=5))
    member = panel.members[0].expert_id
    resp = client.post(f"/rsvp/{rsvp.rsvp_token(invitation_of(panel, member))}", json={"response": "decline"})
    assert resp.status_code == 200
    assert _entries(member) == []


def test_falling_below_the_threshold_suspends_at_once_and_tells_the_expert(
    client, make_user, auth_headers, expert_factory
):
    from dateutil.relativedelta import relativedelta

    from wenping_sched.models.outbox import OutboxMessage
    from wenping_sched.standing.points import active_suspension, today

    six_months = today() + relativedelta(months=6)

    headers = auth_headers(make_user())
    expert = expert_factory(pool="city", email="zhang@example.cn")
    resp = client.post(
        f"/api/v1/experts/{expert.id}/credit", json={"delta": -30, "reason": "群众投诉"}, headers=headers
    )
    assert resp.status_code == 201 and resp.get_json()["score"] == 70
    assert resp.get_json()["suspended_until"] is None
    resp = client.post(
        f"/api/v1/experts/{expert.id}/credit", json={"delta": -15, "reason": "再次投诉"}, headers=headers
    )
    body = resp.get_json()
    assert body["score"] == 55
    assert body["suspended_until"] == six_months.isoformat()
    suspension = active_suspension(expert.id)
    assert suspension is not None and suspension.kind == "automatic" and suspension.score == 55
    credit = client.get(f"/api/v1/experts/{expert.id}", headers=headers).get_json()["credit"]
    assert credit["suspended_until"] == body["suspended_until"]
    assert [e["delta"] for e in credit["entries"]] == [-15, -30]
    mails = _rows(OutboxMessage, to="zhang@example.cn")
    assert [m.subject for m in mails] == [f"【暂停抽取】您已暂停参加专家抽取至{_cn(six_months)}"]
    # Already suspended: a further deduction does not stack another suspension.
    client.post(
        f"/api/v1/experts/{expert.id}/credit", json={"delta": -5, "reason": "迟交意见"}, headers=headers
    )
    from wenping_sched.models.credit import Suspension

    assert len(_rows(Suspension, expert_id=expert.id)) == 1


def _cn(day: Any) -> str:
    return f"{day.year}年{day.month}月{day.day}日"


def test_a_commendation_adds_points_and_never_suspends(client, make_user, auth_headers, expert_factory):
    headers = auth_headers(make_user())
    expert = expert_factory(pool="city")
    resp = client.post(
        f"/api/v1/experts/{expert.id}/credit", json={"delta": 5, "reason": "评审报告质量高"}, headers=headers
    )
    assert resp.status_code == 201 and resp.get_json()["score"] == 105


def test_manual_entries_are_checked(client, make_user, auth_headers, expert_factory):
    headers = auth_headers(make_user())
    expert = expert_factory(pool="city")
    for body, field in (
        ({"delta": 0, "reason": "无"}, "delta"),
        ({"delta": -101, "reason": "过多"}, "delta"),
        ({"delta": "-5", "reason": "字符串"}, "delta"),
        ({"delta": 3.5, "reason": "小数"}, "delta"),
        ({"delta": -5}, "reason"),
        ({"delta": -5, "reason": ""}, "reason"),
    ):
        resp = client.post(f"/api/v1/experts/{expert.id}/credit", json=body, headers=headers)
        assert resp.status_code == 422, (body, resp.get_json())
        assert field in resp.get_json()["error"]["fields"], (body, resp.get_json())
    assert _entries(expert.id) == []
    assert (
        client.post(
            "/api/v1/experts/999999/credit", json={"delta": -5, "reason": "x"}, headers=headers
        ).status_code
        == 404
    )


def test_suspend_by_hand_and_lift_with_a_reason(client, make_user, auth_headers, expert_factory):
    from wenping_sched.models.outbox import OutboxMessage
    from wenping_sched.standing.points import today

    headers = auth_headers(make_user())
    expert = expert_factory(pool="city", email="li@example.cn")
    url = f"/api/v1/experts/{expert.id}/suspension"
    until = (today() + timedelta(days=90)).isoformat()
    resp = client.post(url, json={"until": until, "reason": "涉嫌泄露评审意见，待核查"}, headers=headers)
    assert resp.status_code == 200 and resp.get_json()["suspended_until"] == until
    assert resp.get_json()["score"] == 100
    resp = client.post(url, json={"until": None, "reason": "核查属实无误"}, headers=headers)
    assert resp.status_code == 200 and resp.get_json()["suspended_until"] is None
    assert client.post(url, json={"until": None, "reason": "再次解除"}, headers=headers).status_code == 409
    subjects = [m.subject for m in _rows(OutboxMessage, to="li@example.cn")]
    assert subjects[0].startswith("【暂停抽取】") and subjects[1] == "【恢复抽取】您已恢复参加专家抽取"
    for body, field in (
        ({"until": (today() - timedelta(days=1)).isoformat(), "reason": "过去"}, "until"),
        ({"until": "明年", "reason": "格式"}, "until"),
        ({"until": until}, "reason"),
        ({"until": until, "reason": ""}, "reason"),
    ):
        resp = client.post(url, json=body, headers=headers)
        assert resp.status_code == 422 and field in resp.get_json()["error"]["fields"], (
            body,
            resp.get_json(),
        )


def test_rules_changed_apply_from_then_on_and_never_rewrite_the_past(client, login, city_panel):
    from wenping_sched.extensions import db
    from wenping_sched.models import AuditLog
    from wenping_sched.models.credit import CreditRules
    from wenping_sched.standing.points import score

    panel, (a, b, _c, _d) = city_panel["panel"], city_panel["members"]
    user = city_panel["user"]
    login(user)
    first = [{"expert_id": a, "attendance": "absent"}]
    from wenping_sched.credit import evaluations

    evaluations.evaluate(user, panel, first)
    db.session.commit()
    form = {
        "absent": 30,
        "late_decline": 10,
        "late": 8,
        "low_score": 5,
        "threshold": 60,
        "suspension_months": 6,
        "reason": "从严",
    }
    resp = client.post("/credit/settings", data=form)
    assert resp.status_code == 302, resp.get_data(as_text=True)
    assert db.session.scalar(select(CreditRules.absent).order_by(CreditRules.id.desc())) == 30
    assert db.session.scalar(select(AuditLog).where(AuditLog.action == "credit.rules")) is not None
    year = _year(panel)
    # The absence entered before the change keeps its 20 points.
    assert [(e.kind, e.delta) for e in _entries(a)] == [("absent", -20)]
    # Corrected remarks: the absence still stands, at the points it was entered with.
    evaluations.evaluate(user, panel, [{"expert_id": a, "attendance": "absent", "remarks": "未请假"}])
    db.session.commit()
    assert score(a, year) == 80
    # A new absence after the change costs the new points.
    evaluations.evaluate(user, panel, [{"expert_id": b, "attendance": "absent"}])
    db.session.commit()
    assert [(e.kind, e.delta) for e in _entries(b)] == [("absent", -30)]
    # Corrected to present: exactly the 20 points taken are given back.
    evaluations.evaluate(user, panel, [{"expert_id": a, "attendance": "present", "score": 4}])
    db.session.commit()
    assert [(e.kind, e.delta) for e in _entries(a)] == [("absent", -20), ("reversal", 20)]
    assert score(a, year) == 100


def test_only_the_city_changes_the_rules(client, make_user, login):
    from wenping_sched.models.credit import CreditRules

    login(make_user(scope="敦煌市"))
    assert client.get("/credit/settings").status_code == 200
    form = {
        "absent": 1,
        "late_decline": 1,
        "late": 1,
        "low_score": 1,
        "threshold": 10,
        "suspension_months": 1,
    }
    assert client.post("/credit/settings", data=form).status_code == 403
    assert _rows(CreditRules) == []


def test_bad_rules_are_refused_naming_the_field(client, make_user, login):
    login(make_user())
    form = {
        "absent": -1,
        "late_decline": 10,
        "late": 5,
        "low_score": 5,
        "threshold": 60,
        "suspension_months": 40,
    }
    resp = client.post("/credit/settings", data=form)
    assert resp.status_code == 422
    text = resp.get_data(as_text=True)
    assert "应在 0 到 100 之间" in text and "应在 1 到 36 之间" in text


def test_a_correction_is_a_new_version_and_the_same_rating_twice_adds_none(client, auth_headers, city_panel):
    from wenping_sched.credit import evaluations
    from wenping_sched.models import AuditLog

    panel, (a, _b, _c, _d) = city_panel["panel"], city_panel["members"]
    headers = auth_headers(city_panel["user"])
    url = f"/api/v1/panels/{panel.id}/evaluations"
    body = [{"expert_id": a, "attendance": "present", "score": 4}]
    assert client.post(url, json=body, headers=headers).status_code == 201
    assert client.post(url, json=body, headers=headers).status_code == 201
    assert [e.version for e in evaluations.history(panel)] == [1]
    body = [{"expert_id": a, "attendance": "present", "score": 5, "remarks": "补充意见详实"}]
    current = client.post(url, json=body, headers=headers).get_json()
    assert [(e["expert_id"], e["score"], e["version"]) for e in current] == [(a, 5, 2)]
    assert [(e.version, e.score) for e in evaluations.history(panel)] == [(1, 4), (2, 5)]
    listed = client.get(url, headers=headers).get_json()
    assert [(e["version"], e["remarks"]) for e in listed] == [(2, "补充意见详实")]
    assert len(_rows(AuditLog, action="evaluation.record", target=f"panel:{panel.id}")) == 2


def test_bad_evaluations_are_refused_naming_the_field(
    client, make_user, auth_headers, city_panel, expert_factory
):
    from wenping_sched.credit import evaluations

    panel, (a, b, _c, _d) = city_panel["panel"], city_panel["members"]
    headers = auth_headers(city_panel["user"])
    url = f"/api/v1/panels/{panel.id}/evaluations"
    stranger = expert_factory(pool="city").id
    cases = [
        ([{"expert_id": stranger, "attendance": "present", "score": 4}], "0.expert_id"),
        ([{"expert_id": a, "attendance": "present", "score": 7}], "0.score"),
        ([{"expert_id": a, "attendance": "sleeping", "score": 4}], "0.attendance"),
        ([{"expert_id": a, "attendance": "present"}], "0.score"),
        ([{"expert_id": a, "attendance": "present", "score": "4"}], "0.score"),
        (
            [
                {"expert_id": a, "attendance": "present", "score": 4},
                {"expert_id": a, "attendance": "late", "score": 4},
            ],
            "1.expert_id",
        ),
        ([{"expert_id": b, "attendance": "present", "score": 4, "remarks": "长" * 501}], "0.remarks"),
        ([], "_schema"),
    ]
    for body, field in cases:
        resp = client.post(url, json=body, headers=headers)
        assert resp.status_code == 422, (body, resp.get_json())
        assert field in resp.get_json()["error"]["fields"], (field, resp.get_json())
    assert client.post(
        url, data="not json", headers={**headers, "Content-Type": "application/json"}
    ).status_code in (400, 422)
    assert evaluations.history(panel) == []


def test_a_panel_is_rated_only_once_it_met(client, make_user, auth_headers, expert_factory, matter_factory):
    user = make_user()
    headers = auth_headers(user)
    city_experts(expert_factory, 5)
    upcoming = draw(user, matter_factory(), size=3)
    body = [{"expert_id": upcoming.members[0].expert_id, "attendance": "present", "score": 4}]
    resp = client.post(f"/api/v1/panels/{upcoming.id}/evaluations", json=body, headers=headers)
    assert resp.status_code == 409 and "尚未结束" in resp.get_json()["error"]["message"]
    proposed = draw(user, matter_factory(), size=3, weeks_ahead=6, confirm=False)
    met(proposed)
    body = [{"expert_id": proposed.members[0].expert_id, "attendance": "present", "score": 4}]
    assert (
        client.post(f"/api/v1/panels/{proposed.id}/evaluations", json=body, headers=headers).status_code
        == 409
    )


def test_a_new_year_starts_at_100(make_user, expert_factory):
    from datetime import datetime

    from wenping_sched.credit.operations import add_entry
    from wenping_sched.extensions import db
    from wenping_sched.standing.points import score, this_year
    from wenping_sched.timeutil import local_tz

    expert = expert_factory(pool="city")
    last_year = datetime(this_year() - 1, 12, 31, 23, 0, tzinfo=local_tz())
    add_entry(expert, "manual", -50, "去年的投诉", last_year)
    add_entry(expert, "manual", -5, "今年的投诉", last_year + timedelta(hours=2))
    db.session.commit()
    assert score(expert.id, this_year() - 1) == 50
    assert score(expert.id) == 95


# --- scopes -----------------------------------------------------------------------------------------


@pytest.fixture
def dunhuang(make_user: Any, expert_factory: Any, matter_factory: Any) -> dict[str, Any]:
    """A 敦煌市 panel that met, a city panel that met, and the two coordinators."""
    city = make_user(username="city_c")
    county = make_user(scope="敦煌市", username="dunhuang_c")
    city_experts(expert_factory, 4, pool="敦煌市")
    city_experts(expert_factory, 4, pool="city")
    own = draw(city, matter_factory(county="敦煌市"), size=3)
    theirs = draw(city, matter_factory(county=None), size=3, weeks_ahead=5)
    for panel in (own, theirs):
        accept_all(panel)
        met(panel)
    return {"city": city, "county": county, "own": own, "theirs": theirs}


def test_a_county_rates_its_own_panels_and_adjusts_its_own_pool(
    client, login, auth_headers, dunhuang, expert_factory
):
    headers = auth_headers(dunhuang["county"])
    own, theirs = dunhuang["own"], dunhuang["theirs"]
    body = [{"expert_id": m.expert_id, "attendance": "present", "score": 4} for m in own.members]
    assert client.post(f"/api/v1/panels/{own.id}/evaluations", json=body, headers=headers).status_code == 201
    body = [{"expert_id": m.expert_id, "attendance": "absent"} for m in theirs.members]
    resp = client.post(f"/api/v1/panels/{theirs.id}/evaluations", json=body, headers=headers)
    assert resp.status_code == 404
    login(dunhuang["county"])
    assert client.get(f"/panels/{own.id}/evaluation").status_code == 200
    assert client.get(f"/panels/{theirs.id}/evaluation").status_code == 404

    local = expert_factory(pool="敦煌市")
    city_expert = expert_factory(pool="city")
    elsewhere = expert_factory(pool="玉门市")
    entry = {"delta": -5, "reason": "投诉"}
    assert client.post(f"/api/v1/experts/{local.id}/credit", json=entry, headers=headers).status_code == 201
    # The city pool is visible to the county, but the city keeps its experts' credit.
    resp = client.post(f"/api/v1/experts/{city_expert.id}/credit", json=entry, headers=headers)
    assert resp.status_code == 403
    assert (
        client.get(f"/api/v1/experts/{city_expert.id}", headers=headers).get_json()["credit"]["score"] == 100
    )
    assert (
        client.post(f"/api/v1/experts/{elsewhere.id}/credit", json=entry, headers=headers).status_code == 404
    )
    suspend = {"until": "2099-01-01", "reason": "x"}
    assert (
        client.post(f"/api/v1/experts/{city_expert.id}/suspension", json=suspend, headers=headers).status_code
        == 403
    )
    assert (
        client.post(f"/api/v1/experts/{local.id}/suspension", json=suspend, headers=headers).status_code
        == 200
    )
    leave = {"start": "2099-02-01", "end": "2099-02-03"}
    assert (
        client.post(f"/api/v1/experts/{city_expert.id}/leave", json=leave, headers=headers).status_code == 403
    )
    assert client.post(f"/api/v1/experts/{local.id}/leave", json=leave, headers=headers).status_code == 201


def test_experts_see_only_their_own_credit(client, make_user, login, auth_headers, expert_factory):
    from wenping_sched.credit.operations import manual_entry
    from wenping_sched.extensions import db

    city = make_user()
    me = expert_factory(pool="city")
    other = expert_factory(pool="city")
    manual_entry(city, me, -5, "我的迟交记录")
    manual_entry(city, other, -7, "别人的投诉记录")
    db.session.commit()
    expert_user = make_user(role="expert", expert_id=me.id)
    login(expert_user)
    page = client.get("/me/credit").get_data(as_text=True)
    assert "我的迟交记录" in page and "95" in page
    assert "别人的投诉记录" not in page
    assert client.get(f"/experts/{other.id}/credit").status_code == 403
    headers = auth_headers(expert_user)
    assert client.get(f"/api/v1/experts/{other.id}", headers=headers).status_code == 403
    assert client.get(f"/api/v1/experts/{me.id}", headers=headers).status_code == 403
    assert client.get(f"/api/v1/experts/{other.id}/leave", headers=headers).status_code == 404
    assert client.get(f"/api/v1/experts/{me.id}/leave", headers=headers).status_code == 200
    assert (
        client.post(
            f"/api/v1/experts/{me.id}/credit", json={"delta": 50, "reason": "自评"}, headers=headers
        ).status_code
        == 403
    )


def test_departments_see_no_credit(client, make_user, login, expert_factory):
    from wenping_sched.models import Department

    department = _rows(Department)[0]
    expert = expert_factory(pool="city")
    login(make_user(role="department", department_id=department.id))
    assert client.get("/me/credit").status_code == 403
    assert client.get("/me/leave").status_code == 403
    assert client.get(f"/experts/{expert.id}/credit").status_code == 403
    assert client.get("/credit/report").status_code == 403


def test_a_correction_never_charges_the_past_at_todays_rules(city_panel):
    from wenping_sched.credit import evaluations, operations
    from wenping_sched.extensions import db
    from wenping_sched.models.credit import DEFAULT_RULES

    panel, (a, _b, _c, _d) = city_panel["panel"], city_panel["members"]
    user = city_panel["user"]
    operations.change_rules(user, {**DEFAULT_RULES, "late": 0}, "迟到暂不扣分")
    evaluations.evaluate(user, panel, [{"expert_id": a, "attendance": "late", "score": 4}])
    db.session.commit()
    assert _entries(a) == []
    operations.change_rules(user, {**DEFAULT_RULES, "late": 5}, "恢复")
    # The remarks corrected: still late, as when it was worth nothing.
    evaluations.evaluate(
        user, panel, [{"expert_id": a, "attendance": "late", "score": 4, "remarks": "约十分钟"}]
    )
    db.session.commit()
    assert _entries(a) == []
    # Corrected to present, then to late again: a new lateness, at today's rules.
    evaluations.evaluate(user, panel, [{"expert_id": a, "attendance": "present", "score": 4}])
    evaluations.evaluate(user, panel, [{"expert_id": a, "attendance": "late", "score": 4}])
    db.session.commit()
    assert [(e.kind, e.delta) for e in _entries(a)] == [("late", -5)]


def test_two_coordinators_saving_the_same_rating_at_once_get_a_409(
    client, auth_headers, city_panel, monkeypatch
):
    from wenping_sched.credit import evaluations

    panel, (a, _b, _c, _d) = city_panel["panel"], city_panel["members"]
    headers = auth_headers(city_panel["user"])
    url = f"/api/v1/panels/{panel.id}/evaluations"
    assert (
        client.post(
            url, json=[{"expert_id": a, "attendance": "present", "score": 4}], headers=headers
        ).status_code
        == 201
    )
    # The second read the ratings before the first saved: it tries to write the same version.
    monkeypatch.setattr(evaluations, "current_evaluations", lambda ids: {})
    resp = client.post(url, json=[{"expert_id": a, "attendance": "late", "score": 3}], headers=headers)
    assert resp.status_code == 409 and "刷新" in resp.get_json()["error"]["message"]
    monkeypatch.undo()
    assert [(e.version, e.attendance) for e in evaluations.history(panel)] == [(1, "present")]
    assert _entries(a) == []

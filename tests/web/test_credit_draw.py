"""In the draw: a suspended expert, or one on leave at the meeting's time, is never drawn; the draw
record lists them among the avoided with the reason in Chinese. Every solution goes through the
independent validator."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select, update

from wenping_sched.models import Expert

from .credit_helpers import accept_all, city_experts, draw, validated, window


def _suspend(user: Any, expert: Any, until: date, reason: str = "核查中") -> None:
    from wenping_sched.credit import operations
    from wenping_sched.extensions import db

    operations.suspend(user, expert, until, reason)
    db.session.commit()


def _leave(user: Any, expert: Any, start: datetime, end: datetime, all_day: bool = True) -> Any:
    from wenping_sched.credit import leave
    from wenping_sched.extensions import db

    outcome = leave.declare(user, expert, start, end, "外出", all_day=all_day)
    db.session.commit()
    return outcome.leave


def test_the_draw_avoids_the_suspended_and_the_away_and_says_why(
    client, make_user, auth_headers, expert_factory, matter_factory
):
    from wenping_sched.credit.operations import manual_entry
    from wenping_sched.extensions import db
    from wenping_sched.models import DrawRecord
    from wenping_sched.standing.points import active_suspension
    from wenping_sched.timeutil import at_local

    user = make_user()
    experts = city_experts(expert_factory, 8)
    low, held, away, partly = experts[:4]
    manual_entry(user, low, -45, "多次无故缺席")
    db.session.commit()
    until = active_suspension(low.id).until
    _suspend(user, held, date(2099, 6, 3))
    start, end = window(weeks_ahead=4)
    _leave(user, away, at_local(start.date(), time(0)), at_local(end.date() + timedelta(days=1), time(0)))
    # Away only on the first day: still drawable, never on that day.
    _leave(user, partly, at_local(start.date(), time(0)), at_local(start.date() + timedelta(days=1), time(0)))

    body = {
        "size": 4,
        "seats": {},
        "min_senior": 0,
        "window": [start.strftime("%Y-%m-%dT%H:%M"), end.strftime("%Y-%m-%dT%H:%M")],
        "duration_minutes": 120,
    }
    resp = client.post(f"/api/v1/matters/{matter_factory().id}/panels", json=body, headers=auth_headers(user))
    assert resp.status_code == 201, resp.get_json()
    panel = resp.get_json()
    drawn = {m["expert_id"] for m in panel["members"]}
    assert not drawn & {low.id, held.id, away.id}
    record = db.session.get(DrawRecord, panel["draws"][0])
    validated(record)
    reasons = {a["expert_id"]: a["reason"] for a in record.avoided}
    assert reasons[low.id] == f"信用分55，暂停抽取至{until.year}年{until.month}月{until.day}日"
    assert reasons[held.id] == "经协调员决定，暂停抽取至2099年6月3日"
    last = end.date()
    end_text = (f"{last.year}年" if last.year != start.year else "") + f"{last.month}月{last.day}日"
    assert reasons[away.id] == f"请假：{start.year}年{start.month}月{start.day}日至{end_text}"
    assert partly.id not in reasons
    # Partly away: the leave is busy time in the instance, and the meeting is not in it.
    row = next(e for e in record.instance["experts"] if e["id"] == str(partly.id))
    assert [start.strftime("%Y-%m-%dT00:00"), (start + timedelta(days=1)).strftime("%Y-%m-%dT00:00")] in row[
        "busy"
    ]
    if partly.id in drawn:
        assert datetime.fromisoformat(panel["start"]).date() != start.date()
    assert record.eligible_count == 5


def test_a_suspended_member_who_accepted_stays_through_a_redraw(make_user, expert_factory, matter_factory):
    from wenping_sched.extensions import db
    from wenping_sched.invitations import rsvp
    from wenping_sched.models import DrawRecord

    from .credit_helpers import invitation_of

    user = make_user()
    city_experts(expert_factory, 7)
    panel = draw(user, matter_factory(), size=3)
    accept_all(panel)
    kept, decliner = panel.members[0], panel.members[1]
    _suspend(user, kept.expert, date(2099, 1, 1))
    rsvp.answer(invitation_of(panel, decliner.expert_id), "decline")
    db.session.commit()
    states = {m.expert_id: m.state for m in panel.members}
    assert states[kept.expert_id] == "accepted" and states[decliner.expert_id] == "declined"
    assert list(states.values()).count("pending") == 1
    redraw = db.session.scalars(
        select(DrawRecord).where(DrawRecord.panel_id == panel.id, DrawRecord.kind == "redraw")
    ).one()
    validated(redraw)
    # The replacement draw keeps the members who stay in their seats: the suspended one is among them.
    assert {a["expert_id"]: a["reason"] for a in redraw.avoided}[kept.expert_id] == "已在本评审组（保留席位）"


def test_a_plan_avoids_the_suspended_too(make_user, expert_factory, matter_factory):
    from wenping_sched.extensions import db
    from wenping_sched.models import DrawRecord
    from wenping_sched.plans import applying
    from wenping_sched.plans import operations as plans

    user = make_user()
    experts = city_experts(expert_factory, 6)
    _suspend(user, experts[0], date(2099, 1, 1))
    matter = matter_factory()
    start, end = window(weeks_ahead=5)
    plan = plans.create_plan(
        user,
        [
            {
                "matter_id": matter.id,
                "size": 3,
                "seats": {},
                "min_senior": 0,
                "window": (start, end),
                "duration_minutes": 120,
            }
        ],
    )
    db.session.commit()
    plans.run_plan(plan.id)
    db.session.refresh(plan)
    assert plan.status == "done", plan.error
    assert str(experts[0].id) in plan.instance["panels"][0]["exclude"]
    applying.apply_plan(user, plan)
    db.session.commit()
    record = db.session.scalars(select(DrawRecord).order_by(DrawRecord.id.desc())).first()
    validated(record)
    assert {a["expert_id"]: a["reason"] for a in record.avoided}[
        experts[0].id
    ] == "经协调员决定，暂停抽取至2099年1月1日"
    assert experts[0].id not in {d["expert_id"] for d in record.drawn}


def test_a_plan_applied_after_a_suspension_or_a_leave_skips_the_panel_that_would_draw_them(
    make_user, expert_factory, matter_factory
):
    from wenping_sched.extensions import db
    from wenping_sched.models import Panel
    from wenping_sched.plans import applying
    from wenping_sched.plans import operations as plans
    from wenping_sched.timeutil import at_local

    user = make_user()
    city_experts(expert_factory, 4)
    start, end = window(weeks_ahead=5)
    request = {"seats": {}, "min_senior": 0, "window": (start, end), "duration_minutes": 120}
    plan = plans.create_plan(
        user,
        [
            {"matter_id": matter_factory().id, "size": 2, **request},
            {"matter_id": matter_factory().id, "size": 2, **request},
        ],
    )
    db.session.commit()
    plans.run_plan(plan.id)
    db.session.refresh(plan)
    first, second = plan.solution["panels"]
    # Since the solve, one member of the first panel is suspended, one of the second goes away that day.
    _suspend(user, db.session.get(Expert, int(first["experts"][0])), date(2099, 1, 1))
    meeting = datetime.fromisoformat(second["start"])
    away = db.session.get(Expert, int(second["experts"][0]))
    _leave(
        user, away, at_local(meeting.date(), time(0)), at_local(meeting.date() + timedelta(days=1), time(0))
    )
    result = applying.apply_plan(user, plan)
    db.session.commit()
    assert [why for _index, why in result.skipped] == ["有专家已暂停抽取或在该时间请假"] * 2
    assert db.session.scalars(select(Panel)).all() == []


# --- a property over random pools ---------------------------------------------------------------

# For each expert: 0 nothing, 1 suspended, 2 leave over the whole window, 3 leave over the first day,
# 4 leave that covers the window in two back-to-back parts, 5 a suspension that was lifted.
STATUS = st.integers(min_value=0, max_value=5)


@settings(
    max_examples=12,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(statuses=st.lists(STATUS, min_size=3, max_size=10), size=st.integers(min_value=1, max_value=4))
def test_property_the_suspended_and_the_away_are_never_drawn(
    app: Any, make_user: Any, statuses: list[int], size: int
) -> None:
    from wenping_sched.credit import operations
    from wenping_sched.extensions import db
    from wenping_sched.models import Expert, Matter, Pool, Sector
    from wenping_sched.operations import OperationError
    from wenping_sched.panels import operations as panels
    from wenping_sched.timeutil import at_local

    # Each example its own pool: earlier examples' experts leave the draw.
    db.session.execute(update(Expert).values(active=False))
    db.session.commit()
    user = make_user()
    city = db.session.scalar(select(Pool).where(Pool.code == "city"))
    law = db.session.scalar(select(Sector).where(Sector.name == "法律"))
    start, end = window(weeks_ahead=3, days=3)
    first, last = start.date(), end.date()
    experts = []
    for i, status in enumerate(statuses):
        expert = Expert(
            name=f"性质{i}",
            pool=city,
            employer=f"性质单位{i}",
            sectors=[law],
            senior=False,
            active=True,
            interests=[],
        )
        db.session.add(expert)
        db.session.flush()
        experts.append((expert, status))
    db.session.commit()
    midnight = lambda d: at_local(d, time(0))  # noqa: E731
    for expert, status in experts:
        if status == 1:
            operations.suspend(user, expert, last + timedelta(days=30), "性质测试")
        elif status == 2:
            _leave(user, expert, midnight(first), midnight(last + timedelta(days=1)))
        elif status == 3:
            _leave(user, expert, midnight(first), midnight(first + timedelta(days=1)))
        elif status == 4:
            _leave(user, expert, midnight(first), midnight(first + timedelta(days=2)))
            _leave(user, expert, midnight(first + timedelta(days=2)), midnight(last + timedelta(days=1)))
        elif status == 5:
            operations.suspend(user, expert, last + timedelta(days=30), "性质测试")
            operations.lift(user, expert, "复核后解除")
    db.session.commit()
    matter = Matter(
        title="性质测试事项",
        category="其他",
        responsible_department="无关单位",
        related_organisations=[],
        stage=1,
    )
    db.session.add(matter)
    db.session.commit()
    barred = {e.id for e, s in experts if s in (1, 2, 4)}
    try:
        panel = panels.propose_panel(
            user,
            matter,
            {"size": size, "seats": {}, "min_senior": 0, "window": (start, end), "duration_minutes": 120},
        )
    except OperationError:
        db.session.rollback()
        # Unfillable only when too few can be drawn at all.
        assert len(experts) - len(barred) < size
        return
    db.session.commit()
    record = panel.draws[0]
    validated(record)
    drawn = {m.expert_id for m in panel.members}
    assert not drawn & barred
    avoided = {a["expert_id"]: a["reason"] for a in record.avoided}
    for expert, status in experts:
        if status == 1:
            assert avoided[expert.id].startswith("经协调员决定，暂停抽取至")
        elif status in (2, 4):
            assert avoided[expert.id].startswith("请假：")
        else:
            assert expert.id not in avoided
        if status == 3 and expert.id in drawn:
            assert panel.start is not None and panel.start >= midnight(first + timedelta(days=1))

"""Correct and undo: edit a matter (audited field by field), reinstate a retired expert with a reason,
and enter an expert's busy times for them (marked on the expert's own page as entered by whom)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from sqlalchemy import select

from wenping_sched.extensions import db
from wenping_sched.timeutil import local_now


def _audit(action: str) -> list[Any]:
    from wenping_sched.models import AuditLog

    return list(db.session.scalars(select(AuditLog).where(AuditLog.action == action).order_by(AuditLog.id)))


def _edit_form(matter: Any, **changes: str) -> dict[str, str]:
    form = {
        "title": matter.title,
        "category": matter.category,
        "responsible_department": matter.responsible_department,
        "related_organisations": "\n".join(matter.related_organisations),
        "description": matter.description or "",
        "stage": str(matter.stage),
    }
    form.update(changes)
    return form


# --- editing a matter ----------------------------------------------------------------------------


def test_edit_a_matter_records_each_changed_field(
    client: Any, make_user: Any, login: Any, matter_factory: Any
) -> None:
    from wenping_sched.models import Matter

    matter = matter_factory(title="酒泉东站片区改造", related_organisations=("酒泉城投公司",))
    user = make_user(display_name="李文华")
    login(user)
    page = client.get(f"/matters/{matter.id}/edit").get_data(as_text=True)
    assert 'value="酒泉东站片区改造"' in page and "酒泉城投公司" in page
    resp = client.post(
        f"/matters/{matter.id}/edit",
        data=_edit_form(
            matter,
            title="酒泉东站片区棚户区改造",
            category="社会保障",
            responsible_department="市住房和城乡建设局",
            related_organisations="酒泉城投公司、酒泉东站街道办",
            stage="3",
        ),
        follow_redirects=True,
    )
    assert resp.status_code == 200
    html = resp.get_data(as_text=True)
    assert "已保存修改：事项名称、类别、评估主体、相关单位、评估步骤" in html
    db.session.expire_all()
    stored = db.session.get(Matter, matter.id)
    assert stored is not None
    assert (stored.title, stored.category, stored.responsible_department, stored.stage) == (
        "酒泉东站片区棚户区改造",
        "社会保障",
        "市住房和城乡建设局",
        3,
    )
    assert stored.related_organisations == ["酒泉城投公司", "酒泉东站街道办"]
    [entry] = _audit("matter.update")
    assert entry.user_id == user.id and entry.target == f"matter:{matter.id}"
    assert entry.detail["changes"] == {
        "title": ["酒泉东站片区改造", "酒泉东站片区棚户区改造"],
        "category": ["城市建设", "社会保障"],
        "responsible_department": ["市住建局", "市住房和城乡建设局"],
        "related_organisations": [["酒泉城投公司"], ["酒泉城投公司", "酒泉东站街道办"]],
        "stage": [1, 3],
    }


def test_saving_an_unchanged_matter_records_nothing(
    client: Any, make_user: Any, login: Any, matter_factory: Any
) -> None:
    matter = matter_factory()
    login(make_user())
    resp = client.post(f"/matters/{matter.id}/edit", data=_edit_form(matter), follow_redirects=True)
    assert "没有改动" in resp.get_data(as_text=True)
    assert _audit("matter.update") == []


def test_a_bad_edit_is_refused_with_the_input_kept(
    client: Any, make_user: Any, login: Any, matter_factory: Any
) -> None:
    from wenping_sched.models import Matter

    matter = matter_factory(title="原名称")
    login(make_user())
    resp = client.post(
        f"/matters/{matter.id}/edit",
        data=_edit_form(matter, title="新的名称", responsible_department="", category="不存在"),
    )
    assert resp.status_code == 422
    html = resp.get_data(as_text=True)
    assert "请填写评估主体" in html and "请从列表中选择" in html
    assert 'value="新的名称"' in html  # what was typed stays on the form
    db.session.expire_all()
    assert db.session.get(Matter, matter.id).title == "原名称"
    assert _audit("matter.update") == []


def test_a_county_edits_only_its_own_matters(
    client: Any, make_user: Any, login: Any, matter_factory: Any
) -> None:
    mine, theirs = matter_factory(county="肃州区"), matter_factory(county="玉门市")
    login(make_user(scope="肃州区"))
    assert client.get(f"/matters/{theirs.id}/edit").status_code == 404
    assert client.post(f"/matters/{theirs.id}/edit", data=_edit_form(theirs, title="改")).status_code == 404
    resp = client.post(f"/matters/{mine.id}/edit", data=_edit_form(mine, title="肃州区的事项"))
    assert resp.status_code == 302


def test_an_edit_that_makes_a_member_a_party_says_so(
    client: Any, make_user: Any, login: Any, auth_headers: Any, matter_factory: Any, expert_factory: Any
) -> None:
    from wenping_sched.models import Expert

    from .test_invitations import future_window

    for n in range(3):
        expert_factory(employer=f"独立单位{n}", sectors=("法律",), senior=True)
    matter = matter_factory()
    user = make_user()
    body = {"size": 3, "seats": {}, "min_senior": 0, "window": future_window(), "duration_minutes": 60}
    panel = client.post(f"/api/v1/matters/{matter.id}/panels", json=body, headers=auth_headers(user))
    assert panel.status_code == 201, panel.get_json()
    member = panel.get_json()["members"][0]
    employer = db.session.get(Expert, member["expert_id"])
    login(user)
    resp = client.post(
        f"/matters/{matter.id}/edit",
        data=_edit_form(matter, related_organisations=employer.employer),
        follow_redirects=True,
    )
    html = resp.get_data(as_text=True)
    assert f"成员{member['name']}（{employer.employer}）与修改后的评估主体或相关单位有利害关系" in html


# --- reinstating a retired expert ------------------------------------------------------------------


def test_reinstate_a_retired_expert_with_a_reason(
    client: Any, make_user: Any, login: Any, expert_factory: Any
) -> None:
    from wenping_sched.models import Expert

    expert = expert_factory(name="王丽")
    user = make_user()
    login(user)
    assert client.post(f"/experts/{expert.id}/retire").status_code == 302
    page = client.get(f"/experts/{expert.id}").get_data(as_text=True)
    assert "恢复入库" in page and "恢复入库的原因" in page

    refused = client.post(f"/experts/{expert.id}/reinstate", data={"reinstate-reason": "  "})
    assert refused.status_code == 422 and "请填写恢复入库的原因" in refused.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(Expert, expert.id).active is False

    resp = client.post(
        f"/experts/{expert.id}/reinstate",
        data={"reinstate-reason": "出库系误操作，经核实恢复"},
        follow_redirects=True,
    )
    assert "已恢复入库" in resp.get_data(as_text=True)
    db.session.expire_all()
    stored = db.session.get(Expert, expert.id)
    assert stored.active is True and stored.retired_at is None
    [entry] = _audit("expert.reinstate")
    assert entry.user_id == user.id and entry.detail["reason"] == "出库系误操作，经核实恢复"
    assert entry.detail["retired_at"] is not None
    # Reinstating an expert who is in the pool is a conflict, not a second entry.
    again = client.post(f"/experts/{expert.id}/reinstate", data={"reinstate-reason": "再次"})
    assert again.status_code == 409 and len(_audit("expert.reinstate")) == 1


def test_a_county_cannot_reinstate_a_city_expert(
    client: Any, make_user: Any, login: Any, expert_factory: Any
) -> None:
    from wenping_sched.experts.operations import retire_expert

    expert = expert_factory(pool="city")
    retire_expert(make_user(), expert)
    db.session.commit()
    login(make_user(scope="肃州区"))
    assert (
        client.post(f"/experts/{expert.id}/reinstate", data={"reinstate-reason": "恢复"}).status_code == 403
    )
    assert "恢复入库的原因" not in client.get(f"/experts/{expert.id}").get_data(as_text=True)


# --- busy times entered on the expert's behalf ----------------------------------------------------------


def _slot(days: int = 10) -> tuple[str, str]:
    day = (local_now() + timedelta(days=days)).date()
    return f"{day.isoformat()}T08:30", f"{day.isoformat()}T12:00"


def test_a_coordinator_enters_busy_times_for_an_expert(
    client: Any, make_user: Any, login: Any, expert_factory: Any
) -> None:
    from wenping_sched.models import ExpertBusy

    expert = expert_factory(name="唐红军")
    coordinator = make_user(display_name="李文华", unit="酒泉市维稳办")
    login(coordinator)
    start, end = _slot()
    resp = client.post(
        f"/experts/{expert.id}/busy", data={"start": start, "end": end, "reason": "电话告知：外出"}
    )
    assert resp.status_code == 302
    [busy] = db.session.scalars(select(ExpertBusy).where(ExpertBusy.expert_id == expert.id)).all()
    assert busy.entered_by_id == coordinator.id and busy.reason == "电话告知：外出"
    [entry] = _audit("expert.busy_add")
    assert entry.user_id == coordinator.id and entry.detail["on_behalf"] is True
    assert "协调员李文华代为登记" in client.get(f"/experts/{expert.id}").get_data(as_text=True)

    # The expert's own page says who entered it.
    client.post("/logout")
    login(make_user(role="expert", expert_id=expert.id))
    mine = client.get("/me/busy").get_data(as_text=True)
    assert "由协调员李文华（酒泉市维稳办）代为登记" in mine
    # What the expert enters is their own.
    later_start, later_end = _slot(12)
    assert client.post("/me/busy", data={"start": later_start, "end": later_end}).status_code == 302
    assert "本人登记" in client.get("/me/busy").get_data(as_text=True)


def test_busy_times_on_behalf_are_checked_and_kept_on_error(
    client: Any, make_user: Any, login: Any, expert_factory: Any
) -> None:
    from wenping_sched.models import ExpertBusy

    expert = expert_factory()
    login(make_user())
    start, end = _slot()
    resp = client.post(f"/experts/{expert.id}/busy", data={"start": end, "end": start, "reason": "出差"})
    assert resp.status_code == 422
    html = resp.get_data(as_text=True)
    assert "结束时间必须晚于开始时间" in html and 'value="出差"' in html
    resp = client.post(f"/experts/{expert.id}/busy", data={"start": "", "end": end})
    assert resp.status_code == 422 and "请填写开始时间" in resp.get_data(as_text=True)
    assert db.session.scalars(select(ExpertBusy)).all() == []


def test_a_coordinator_removes_a_busy_time_of_an_expert_in_scope_only(
    client: Any, make_user: Any, login: Any, expert_factory: Any
) -> None:
    from wenping_sched.models import ExpertBusy

    mine, city_expert = expert_factory(pool="肃州区"), expert_factory(pool="city")
    county = make_user(scope="肃州区")
    login(county)
    start, end = _slot()
    assert client.post(f"/experts/{mine.id}/busy", data={"start": start, "end": end}).status_code == 302
    # The city pool is the city office's: a county coordinator reads it but does not write it.
    assert (
        client.post(f"/experts/{city_expert.id}/busy", data={"start": start, "end": end}).status_code == 403
    )
    [busy] = db.session.scalars(select(ExpertBusy)).all()
    other = expert_factory(pool="肃州区")
    assert client.post(f"/experts/{other.id}/busy/{busy.id}/delete").status_code == 404
    assert client.post(f"/experts/{mine.id}/busy/{busy.id}/delete").status_code == 302
    assert db.session.scalars(select(ExpertBusy)).all() == []
    assert len(_audit("expert.busy_remove")) == 1

"""The credit pages: the dashboard's waiting list and the evaluation form, an expert's credit page and
its forms, the pools list's filter and sort, the yearly report and its XLSX, the filing form and the
one-file archive with the evaluations."""

from __future__ import annotations

import io
import json
import re
import zipfile
from datetime import date
from typing import Any

import openpyxl
import pytest
from sqlalchemy import select

from .credit_helpers import accept_all, city_experts, draw, met, validated


@pytest.fixture
def met_panel(make_user: Any, login: Any, expert_factory: Any, matter_factory: Any) -> dict[str, Any]:
    user = make_user(username="city")
    city_experts(expert_factory, 5)
    matter = matter_factory(title="市区垃圾焚烧发电项目")
    panel = draw(user, matter, size=3)
    accept_all(panel)
    met(panel)
    login(user)
    return {"user": user, "panel": panel, "matter": matter}


def test_the_dashboard_lists_a_met_panel_until_it_is_rated_in_one_form(client, met_panel):
    from wenping_sched.credit import evaluations

    panel = met_panel["panel"]
    home = client.get("/").get_data(as_text=True)
    assert "待评价的评审组" in home and f"/panels/{panel.id}/evaluation" in home
    form = client.get(f"/panels/{panel.id}/evaluation").get_data(as_text=True)
    # The default: all present, all 4.
    assert len(re.findall(r'value="present"[^>]*checked|checked[^>]*value="present"', form)) == 3
    assert len(re.findall(r'<option selected value="4">|<option value="4" selected>', form)) == 3
    data: dict[str, str] = {}
    for i, m in enumerate(panel.members):
        data.update(
            {
                f"members-{i}-expert_id": str(m.expert_id),
                f"members-{i}-attendance": "present",
                f"members-{i}-score": "4",
                f"members-{i}-remarks": "",
            }
        )
    data["members-1-attendance"] = "absent"
    data["members-1-score"] = ""
    resp = client.post(f"/panels/{panel.id}/evaluation", data=data)
    assert resp.status_code == 302, resp.get_data(as_text=True)
    current = evaluations.current_evaluations([panel.id])
    assert sorted(e.attendance for e in current.values()) == ["absent", "present", "present"]
    assert f"/panels/{panel.id}/evaluation" not in client.get("/").get_data(as_text=True)
    page = client.get(f"/panels/{panel.id}/evaluation").get_data(as_text=True)
    assert "评价记录" in page and "第1版" in page and "保存更正" in page
    # Present without a score is refused on the form, in Chinese.
    data["members-0-score"] = ""
    resp = client.post(f"/panels/{panel.id}/evaluation", data=data)
    assert resp.status_code == 422 and "出席的成员须评分" in resp.get_data(as_text=True)


def test_an_experts_credit_page_and_its_forms(client, met_panel, expert_factory):
    from wenping_sched.extensions import db
    from wenping_sched.models.credit import Leave
    from wenping_sched.standing.points import active_suspension, score

    expert = expert_factory(pool="city", name="赵专家")
    url = f"/experts/{expert.id}/credit"
    assert "100" in client.get(url).get_data(as_text=True)
    assert client.post(f"{url}/entries", data={"delta": "-12", "reason": "评审意见泄露"}).status_code == 302
    assert score(expert.id) == 88
    assert "评审意见泄露" in client.get(url).get_data(as_text=True)
    assert client.post(f"{url}/entries", data={"delta": "abc", "reason": "x"}).status_code == 422
    resp = client.post(f"{url}/suspension", data={"until": "2099-01-31", "reason": "待核查"})
    assert resp.status_code == 302
    assert active_suspension(expert.id) is not None
    page = client.get(url).get_data(as_text=True)
    assert "暂停抽取至2099年1月31日" in page and "解除暂停" in page
    assert client.post(f"{url}/lift", data={"reason": ""}).status_code == 422
    assert client.post(f"{url}/lift", data={"reason": "核查无误"}).status_code == 302
    assert active_suspension(expert.id) is None
    resp = client.post(
        f"/experts/{expert.id}/leave", data={"start": "2099-03-01", "end": "2099-03-02", "reason": "电话请假"}
    )
    assert resp.status_code == 302
    leave = db.session.scalar(select(Leave).where(Leave.expert_id == expert.id))
    assert leave is not None and leave.on_behalf
    page = client.get(url).get_data(as_text=True)
    assert "请假：2099年3月1日至3月2日" in page and "维稳办代为登记" in page
    assert client.post(f"/experts/{expert.id}/leave/{leave.id}/withdraw").status_code == 302
    db.session.refresh(leave)
    assert leave.withdrawn_at is not None
    # The expert's page shows the points and links to the credit page.
    detail = client.get(f"/experts/{expert.id}").get_data(as_text=True)
    assert "信用分" in detail and url in detail


def test_a_county_sees_a_city_experts_credit_but_cannot_change_it(client, make_user, login, expert_factory):
    expert = expert_factory(pool="city")
    login(make_user(scope="敦煌市"))
    page = client.get(f"/experts/{expert.id}/credit").get_data(as_text=True)
    assert "由市维稳办办理" in page and "手动加减分" not in page
    resp = client.post(f"/experts/{expert.id}/credit/entries", data={"delta": "-5", "reason": "投诉"})
    assert resp.status_code == 403


def test_the_pools_list_filters_the_suspended_and_sorts_by_points(client, met_panel, expert_factory):
    from wenping_sched.credit.operations import manual_entry, suspend
    from wenping_sched.extensions import db

    user = met_panel["user"]
    a, b, c = (expert_factory(pool="玉门市", name=n) for n in ("甲专家", "乙专家", "丙专家"))
    manual_entry(user, a, -30, "投诉")
    manual_entry(user, c, 8, "表扬")
    suspend(user, b, date(2099, 1, 1), "核查")
    db.session.commit()
    page = client.get("/pools?pool=玉门市&sort=points").get_data(as_text=True)
    assert page.index("甲专家") < page.index("乙专家") < page.index("丙专家")
    page = client.get("/pools?pool=玉门市&sort=-points").get_data(as_text=True)
    assert page.index("丙专家") < page.index("乙专家") < page.index("甲专家")
    page = client.get("/pools?pool=玉门市&suspended=yes").get_data(as_text=True)
    assert "乙专家" in page and "甲专家" not in page and "丙专家" not in page and "暂停至" in page
    page = client.get("/pools?pool=玉门市&suspended=no").get_data(as_text=True)
    assert "乙专家" not in page and "甲专家" in page


def test_the_yearly_report_page_and_xlsx(client, met_panel, expert_factory):
    from wenping_sched.credit import evaluations
    from wenping_sched.credit.operations import manual_entry
    from wenping_sched.extensions import db
    from wenping_sched.models import AuditLog
    from wenping_sched.standing.points import this_year
    from wenping_sched.timeutil import to_local

    panel, user = met_panel["panel"], met_panel["user"]
    a, b, c = (m.expert_id for m in panel.members)
    evaluations.evaluate(
        user,
        panel,
        [
            {"expert_id": a, "attendance": "present", "score": 5},
            {"expert_id": b, "attendance": "late", "score": 3},
            {"expert_id": c, "attendance": "absent"},
        ],
    )
    formula = expert_factory(pool="city", name="=HYPERLINK(1)")
    manual_entry(user, formula, -45, "投诉")
    db.session.commit()
    year = to_local(panel.start).year
    page = client.get(f"/credit/report?year={year}")
    assert page.status_code == 200
    text = page.get_data(as_text=True)
    assert "<svg" in text and "信用分分布" in text and "市级专家库" in text
    assert "1/0/0" in text and "0/1/0" in text and "0/0/1" in text
    resp = client.get(f"/credit/report.xlsx?year={year}")
    assert resp.status_code == 200
    sheet = openpyxl.load_workbook(io.BytesIO(resp.data)).active
    rows = {r[1]: r for r in sheet.iter_rows(min_row=3, values_only=True) if r[1]}
    name_a = next(m.expert.name for m in panel.members if m.expert_id == a)
    assert rows[name_a][3:9] == (1, 1, 0, 0, 5, 100)
    # A name that looks like a formula stays text.
    cell = next(c for row in sheet.iter_rows(min_row=3) for c in row if c.value == "=HYPERLINK(1)")
    assert cell.data_type == "s"
    if year == this_year():
        # The suspension the deduction caused, from its first to its last day.
        assert re.fullmatch(r"\d{4}年\d+月\d+日至\d{4}年\d+月\d+日", str(rows["=HYPERLINK(1)"][9]))
        assert rows["=HYPERLINK(1)"][8] == 55
    assert db.session.scalar(
        select(AuditLog).where(AuditLog.action == "report.export", AuditLog.target == f"credit:{year}")
    )


def test_the_filing_form_and_the_archive_hold_the_evaluations(client, met_panel):
    from wenping_sched.credit import evaluations
    from wenping_sched.extensions import db

    panel, user, matter = met_panel["panel"], met_panel["user"], met_panel["matter"]
    a = panel.members[0]
    evaluations.evaluate(user, panel, [{"expert_id": a.expert_id, "attendance": "late", "score": 3}])
    db.session.commit()
    evaluations.evaluate(
        user, panel, [{"expert_id": a.expert_id, "attendance": "present", "score": 4, "remarks": "更正"}]
    )
    db.session.commit()
    page = client.get(f"/matters/{matter.id}/filing").get_data(as_text=True)
    assert "专家评价" in page and "第2版" in page and "更正" in page
    sheet = openpyxl.load_workbook(io.BytesIO(client.get(f"/matters/{matter.id}/filing.xlsx").data)).active
    values = [c for row in sheet.iter_rows(values_only=True) for c in row if c]
    assert "专家评价" in values and a.expert.name in values and "按时出席" in values
    archive = zipfile.ZipFile(io.BytesIO(client.get(f"/matters/{matter.id}/archive.zip").data))
    kept = json.loads(archive.read("evaluations.json"))
    assert [(e["version"], e["attendance"], e["score"]) for e in kept] == [(1, "late", 3), (2, "present", 4)]
    assert "evaluations.json" in archive.read("README.txt").decode("utf-8")


def test_an_experts_own_pages_on_a_phone(client, make_user, login, expert_factory):
    expert = expert_factory(pool="city")
    login(make_user(role="expert", expert_id=expert.id))
    page = client.get("/me/leave").get_data(as_text=True)
    assert 'name="viewport"' in page and 'type="date"' in page and "提交请假" in page
    resp = client.post("/me/leave", data={"start": "2099-05-04", "end": "2099-05-06", "reason": "出国"})
    assert resp.status_code == 302
    page = client.get("/me/leave").get_data(as_text=True)
    assert "请假：2099年5月4日至5月6日" in page and "撤销" in page
    home = client.get("/me/credit").get_data(as_text=True)
    assert "100" in home and "本年度没有加减分记录" in home


def test_the_demo_city_has_credit_to_show(app):
    from wenping_sched.credit.demo import load_demo_credit
    from wenping_sched.demo import load_demo_activity, load_demo_data
    from wenping_sched.extensions import db
    from wenping_sched.models import DrawRecord
    from wenping_sched.models.credit import Leave, Suspension

    load_demo_data()
    load_demo_activity()
    first = load_demo_credit()
    assert first == {"evaluations_created": 5, "suspensions_created": 1, "leaves_created": 1}
    [suspension] = db.session.scalars(select(Suspension)).all()
    assert suspension.kind == "automatic" and suspension.score == 55
    assert db.session.scalar(select(Leave)).reason == "赴省城参加学术会议"
    for record in db.session.scalars(select(DrawRecord)):
        validated(record)
    assert load_demo_credit() == {"evaluations_created": 0, "suspensions_created": 0, "leaves_created": 0}


def test_bad_form_input_is_answered_in_chinese_never_a_server_error(client, met_panel):
    panel = met_panel["panel"]
    member = str(panel.members[0].expert_id)
    url = f"/panels/{panel.id}/evaluation"
    for data, message in (
        (
            {"members-0-expert_id": "abc", "members-0-attendance": "present", "members-0-score": "4"},
            "无效的专家编号",
        ),
        (
            {"members-0-expert_id": "9" * 20, "members-0-attendance": "present", "members-0-score": "4"},
            "无效的专家编号",
        ),
        (
            {"members-0-expert_id": member, "members-0-attendance": "present", "members-0-score": "9"},
            "评分应为 1 到 5 分",
        ),
        (
            {"members-0-expert_id": member, "members-0-attendance": "asleep", "members-0-score": "4"},
            "请选择出席情况",
        ),
        ({}, "至少评价一名成员"),
    ):
        resp = client.post(url, data=data)
        assert resp.status_code == 422, data
        assert message in resp.get_data(as_text=True), (data, message)
    expert = panel.members[0].expert_id
    resp = client.post(f"/experts/{expert}/leave", data={"start": "9999-12-31", "end": "9999-12-31"})
    assert resp.status_code == 422 and "日期应在 2000 年到 2100 年之间" in resp.get_data(as_text=True)
    resp = client.post(f"/experts/{expert}/credit/entries", data={"delta": "9" * 20, "reason": "x"})
    assert resp.status_code == 422 and "应在 -100 到 100 之间" in resp.get_data(as_text=True)
    resp = client.post(f"/experts/{expert}/credit/suspension", data={"until": "2001-01-01", "reason": "x"})
    assert resp.status_code == 422 and "暂停截止日期不能早于今天" in resp.get_data(as_text=True)
    assert client.get("/credit/report?year=abc").status_code == 200
    assert client.get("/credit/report?year=" + "9" * 20).status_code == 200

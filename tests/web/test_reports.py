"""Reports: the filing form (page and XLSX), the one-file-per-matter archive (web and CLI), the statistics."""

from __future__ import annotations

import io
import json
import zipfile
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

import openpyxl
import pytest

from solver.instance import parse_panel_solution, parse_panels
from solver.validate import validate_panels

from .dates import clear_monday, window

TZ = ZoneInfo("Asia/Shanghai")
WINDOW = window(clear_monday(weeks_ahead=2, weeks=2), 0, 11)  # ordinary workdays, in the future
BODY = {
    "size": 3,
    "seats": {"法律": 1},
    "min_senior": 1,
    "window": WINDOW,
    "duration_minutes": 120,
}


def _validated(record: dict[str, Any]) -> None:
    instance = parse_panels(record["instance"])
    assert validate_panels(instance, parse_panel_solution(record["solution"], instance.timezone)) == []


@pytest.fixture
def drawn(client, make_user, auth_headers, expert_factory, matter_factory):
    """A 敦煌市 matter with a panel drawn through the API, registered in March 2026."""
    from wenping_sched.extensions import db
    from wenping_sched.models import Matter, Panel

    expert_factory(pool="敦煌市", sectors=("法律",), senior=True, employer="敦煌律师事务所", name="张律师")
    expert_factory(pool="敦煌市", sectors=("土地征收",), employer="敦煌市国土所", name="李工")
    expert_factory(pool="敦煌市", sectors=("法律",), employer="敦煌市交通运输局", name="回避者")
    expert_factory(pool="city", sectors=("社会稳定",), employer="兰州大学", name="王教授")
    expert_factory(pool="city", sectors=("经济",), employer="酒泉市会计师协会", name="赵会计")
    matter = matter_factory(
        county="敦煌市",
        title="敦煌机场扩建项目",
        responsible_department="敦煌市交通运输局",
        related_organisations=("甘肃省民航机场集团",),
    )
    city = make_user(scope="city")
    resp = client.post(f"/api/v1/matters/{matter.id}/panels", json=BODY, headers=auth_headers(city))
    assert resp.status_code == 201, resp.get_json()
    panel = resp.get_json()
    # Registered and drawn in March 2026, so the statistics of that month, quarter and year hold them.
    march = datetime(2026, 3, 1, 10, tzinfo=TZ)
    db.session.get(Matter, matter.id).created_at = march
    db.session.get(Panel, panel["id"]).created_at = march
    db.session.commit()
    return matter, panel, city


def _met_in_march(panel: dict[str, Any]) -> None:
    """Date the panel's meeting back to March 2026 (a draw itself must be for the future): the
    experts' loads in the statistics of that period count it."""
    from wenping_sched.extensions import db
    from wenping_sched.models import Panel

    stored = db.session.get(Panel, panel["id"])
    assert stored is not None and stored.start is not None and stored.end is not None
    length = stored.end - stored.start
    stored.start = datetime(2026, 3, 2, 8, 30, tzinfo=TZ)
    stored.end = stored.start + length
    db.session.commit()


def test_filing_page_shows_the_matter_and_the_drawn_experts(client, login, drawn):
    matter, panel, city = drawn
    login(city)
    html = client.get(f"/matters/{matter.id}/filing").get_data(as_text=True)
    assert "重大事项社会稳定风险评估报备表" in html
    assert "敦煌机场扩建项目" in html and "敦煌市交通运输局" in html and "甘肃省民航机场集团" in html
    for member in panel["members"]:
        assert member["name"] in html
    assert "回避者" not in html
    assert str(panel["seed"]) in html and "填报人" in html and "审核人" in html
    detail = client.get(f"/matters/{matter.id}").get_data(as_text=True)
    assert f"/matters/{matter.id}/archive.zip" in detail and f"/matters/{matter.id}/filing" in detail


def test_filing_xlsx_opens_and_is_audited(client, login, drawn):
    from sqlalchemy import select

    from wenping_sched.extensions import db
    from wenping_sched.models import AuditLog

    matter, panel, city = drawn
    login(city)
    resp = client.get(f"/matters/{matter.id}/filing.xlsx")
    assert resp.status_code == 200
    assert resp.mimetype == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    sheet = openpyxl.load_workbook(io.BytesIO(resp.data)).active
    assert sheet["A1"].value == "重大事项社会稳定风险评估报备表"
    assert "A1:F1" in {str(r) for r in sheet.merged_cells.ranges}
    assert int(sheet.page_setup.paperSize) == 9 and sheet.page_setup.orientation == "portrait"
    assert sheet.page_setup.fitToWidth == 1 and sheet.column_dimensions["C"].width > 10
    values = {str(c.value) for row in sheet.iter_rows() for c in row if c.value is not None}
    assert "敦煌机场扩建项目" in values
    assert {m["name"] for m in panel["members"]} <= values
    entries = list(db.session.scalars(select(AuditLog).where(AuditLog.action == "report.export")))
    assert [(e.target, e.detail["kind"], e.username) for e in entries] == [
        (f"matter:{matter.id}", "filing.xlsx", city.username)
    ]


def test_archive_holds_the_file_and_its_draw_record_verifies(
    client, login, auth_headers, drawn, app, tmp_path
):
    from sqlalchemy import func, select

    from solver.draw_proof import verify_record
    from wenping_sched import cli
    from wenping_sched.extensions import db
    from wenping_sched.models import AuditLog

    matter, panel, city = drawn
    confirmed = client.post(f"/api/v1/panels/{panel['id']}/confirm", headers=auth_headers(city))
    assert confirmed.status_code == 200, confirmed.get_json()
    login(city)
    resp = client.get(f"/matters/{matter.id}/archive.zip")
    assert resp.status_code == 200 and resp.mimetype == "application/zip"
    archive = zipfile.ZipFile(io.BytesIO(resp.data))
    names = archive.namelist()
    [draw_id] = panel["draws"]
    assert names[0] == "README.txt"
    expected = {
        "matter.json",
        "filing-form.xlsx",
        "panels.json",
        "invitations.json",
        "audit.json",
        f"draw-records/{draw_id}.json",
        f"draw-records/{draw_id}.html",
    }
    assert expected <= set(names)
    readme = archive.read("README.txt").decode("utf-8")
    assert "一事一档" in readme and all(name in readme for name in expected)

    assert json.loads(archive.read("matter.json"))["title"] == "敦煌机场扩建项目"
    panels = json.loads(archive.read("panels.json"))
    assert [p["id"] for p in panels] == [panel["id"]]
    assert {m["name"] for m in panels[0]["members"]} == {m["name"] for m in panel["members"]}
    assert {"panel.draw", "panel.confirm"} <= {e["action"] for e in json.loads(archive.read("audit.json"))}
    mail = json.loads(archive.read("invitations.json"))
    assert {i["name"] for i in mail["invitations"]} == {m["name"] for m in panel["members"]}
    assert len(mail["messages"]) == len(panel["members"])
    assert "nonce" not in archive.read("invitations.json").decode("utf-8")  # no live RSVP links in the file
    assert "张律师" in archive.read(f"draw-records/{draw_id}.html").decode("utf-8")
    filing = openpyxl.load_workbook(io.BytesIO(archive.read("filing-form.xlsx"))).active
    assert filing["A1"].value == "重大事项社会稳定风险评估报备表"

    # The record in the file is the API's: verify-draw checks it as it is.
    record = json.loads(archive.read(f"draw-records/{draw_id}.json"))
    assert record["seed"] == panel["seed"] and record["members"] and record["avoided"]
    assert verify_record(record) == []
    (tmp_path / "record.json").write_bytes(archive.read(f"draw-records/{draw_id}.json"))
    checked = app.test_cli_runner().invoke(cli.main, ["verify-draw", str(tmp_path / "record.json")])
    assert checked.exit_code == 0, checked.output
    assert "抽签表、承诺值" in readme and "verify-draw" in readme

    # The command line writes the same archive; an unknown matter is an error.
    out = tmp_path / "档案.zip"
    result = app.test_cli_runner().invoke(cli.main, ["export-archive", str(matter.id), "-o", str(out)])
    assert result.exit_code == 0, result.output
    assert out.read_bytes() == resp.data
    missing = app.test_cli_runner().invoke(cli.main, ["export-archive", "99999"])
    assert missing.exit_code == 2 and "找不到" in missing.output

    exports = db.session.scalars(
        select(AuditLog).where(AuditLog.action == "report.export").order_by(AuditLog.id)
    )
    assert [(e.detail["kind"], e.detail["via"]) for e in exports] == [
        ("archive.zip", "web"),
        ("archive.zip", "cli"),
    ]
    assert (
        db.session.scalar(
            select(func.count()).select_from(AuditLog).where(AuditLog.action == "report.export")
        )
        == 2
    )


def test_another_countys_matter_is_not_found(client, login, make_user, drawn):
    matter, _, _ = drawn
    login(make_user(scope="玉门市"))
    for path in ("filing", "filing.xlsx", "archive.zip"):
        assert client.get(f"/matters/{matter.id}/{path}").status_code == 404, path


def test_reports_need_a_coordinator(client, login, make_user, drawn):
    matter, _, _ = drawn
    assert client.get("/reports").status_code == 302  # to the login page
    from sqlalchemy import select

    from wenping_sched.extensions import db
    from wenping_sched.models import Department

    department = db.session.scalars(select(Department).order_by(Department.id)).first()
    login(make_user(role="department", scope=None, department_id=department.id))
    assert client.get("/reports").status_code == 403
    assert client.get(f"/matters/{matter.id}/filing").status_code == 403


@pytest.mark.parametrize(
    ("query", "title"),
    [
        ("period=month&year=2026&month=3", "2026年3月稳评工作月分析"),
        ("period=quarter&year=2026&q=1", "2026年第一季度稳评工作季通报"),
        ("period=year&year=2026", "2026年稳评工作年总结"),
    ],
)
def test_statistics_count_what_the_period_holds(client, login, drawn, matter_factory, query, title):
    from wenping_sched.extensions import db
    from wenping_sched.models import Matter
    from wenping_sched.reports.statistics import Period, compute

    _, panel, city = drawn
    _met_in_march(panel)
    other = matter_factory(county=None, category="社会保障", title="市级养老改革")
    db.session.get(Matter, other.id).created_at = datetime(2026, 3, 20, 9, tzinfo=TZ)
    later = matter_factory(county="玉门市", category="三农")
    db.session.get(Matter, later.id).created_at = datetime(2026, 5, 5, 9, tzinfo=TZ)  # Q2: in the year only
    db.session.commit()

    login(city)
    html = client.get(f"/reports?{query}").get_data(as_text=True)
    assert title in html and "<svg" in html and 'role="img"' in html

    args = dict(part.split("=") for part in query.split("&"))
    s = compute(city, Period.parse(args, datetime(2026, 1, 1).date()))
    assert s.matters_created == (3 if args["period"] == "year" else 2)
    assert dict(s.by_category)["城市建设"] == 1 and dict(s.by_category)["社会保障"] == 1
    assert dict(s.by_county)["敦煌市"] == 1 and dict(s.by_county)["市级"] == 1
    assert dict(s.by_county)["玉门市"] == (1 if args["period"] == "year" else 0)
    assert s.by_stage[0].created == s.matters_created and s.by_stage[0].current == 3
    assert s.panels_drawn == 1 and dict(s.panels_by_status)["已抽取"] == 1
    assert s.declines == 0 and s.redraws == 0
    loads = {e.name: e.panels for e in s.load.experts}
    assert all(loads[m["name"]] == 1 for m in panel["members"])
    assert s.load.minimum == 0 and s.load.maximum == 1
    assert sum(n for _label, n in s.load.histogram) == len(s.load.experts) == 5
    assert s.meetings is not None


def test_statistics_outside_the_period_are_zero(client, login, drawn):
    _, _, city = drawn
    login(city)
    html = client.get("/reports?period=month&year=2026&month=4").get_data(as_text=True)
    assert "2026年4月稳评工作月分析" in html
    from wenping_sched.reports.statistics import Period, compute

    s = compute(city, Period("month", 2026, 4))
    assert s.matters_created == 0 and s.panels_drawn == 0 and s.load.maximum == 0


def test_declines_and_redraws_are_counted(drawn):
    from wenping_sched.extensions import db
    from wenping_sched.models import DrawRecord, Panel
    from wenping_sched.panels import operations
    from wenping_sched.reports.statistics import Period, compute

    _, panel, city = drawn
    row = db.session.get(Panel, panel["id"])
    decliner = next(m for m in row.members if m.seat is None)
    decliner.state = "declined"
    decliner.answered_at = datetime(2026, 3, 3, 9, tzinfo=TZ)
    operations.redraw(city, row)
    db.session.commit()
    record = row.draws[-1]
    assert record.kind == "redraw"
    _validated({"instance": record.instance, "solution": record.solution})
    record.created_at = datetime(2026, 3, 3, 10, tzinfo=TZ)
    db.session.commit()
    s = compute(city, Period("quarter", 2026, 1))
    assert s.declines == 1 and s.redraws == 1
    assert db.session.get(DrawRecord, record.id) is not None


def test_a_county_coordinator_sees_the_countys_numbers_only(
    client, login, make_user, drawn, matter_factory, expert_factory
):
    from wenping_sched.extensions import db
    from wenping_sched.models import Matter
    from wenping_sched.reports.statistics import Period, compute

    _, panel, _ = drawn
    _met_in_march(panel)
    other = matter_factory(county="玉门市", category="三农", title="玉门灌区改造")
    db.session.get(Matter, other.id).created_at = datetime(2026, 3, 10, 9, tzinfo=TZ)
    db.session.commit()
    expert_factory(pool="玉门市", name="玉门专家")

    dunhuang = make_user(scope="敦煌市")
    s = compute(dunhuang, Period("month", 2026, 3))
    assert s.matters_created == 1 and dict(s.by_county) == {"敦煌市": 1}
    assert dict(s.by_category)["三农"] == 0 and s.panels_drawn == 1
    names = {e.name for e in s.load.experts}
    assert "玉门专家" not in names and {m["name"] for m in panel["members"]} <= names
    assert s.meetings is None

    yumen = make_user(scope="玉门市")
    login(yumen)
    html = client.get("/reports?period=month&year=2026&month=3").get_data(as_text=True)
    assert "玉门市2026年3月稳评工作月分析" in html and "联席会议（次）" not in html
    s = compute(yumen, Period("month", 2026, 3))
    assert s.matters_created == 1 and s.panels_drawn == 0 and dict(s.by_county) == {"玉门市": 1}
    assert "敦煌机场扩建项目" not in html


def test_statistics_xlsx_opens_and_is_audited(client, login, drawn):
    from sqlalchemy import select

    from wenping_sched.extensions import db
    from wenping_sched.models import AuditLog

    _, panel, city = drawn
    _met_in_march(panel)
    login(city)
    resp = client.get("/reports.xlsx?period=quarter&year=2026&q=1")
    assert resp.status_code == 200
    workbook = openpyxl.load_workbook(io.BytesIO(resp.data))
    assert workbook.sheetnames[:4] == ["概况", "按类别", "按县区", "按评估步骤"]
    assert "专家负荷" in workbook.sheetnames and "联席会议" in workbook.sheetnames
    summary = workbook["概况"]
    assert summary["A1"].value.startswith("2026年第一季度稳评工作季通报")
    assert dict(summary.iter_rows(min_row=3, values_only=True))["抽取评审组"] == 1
    loads = {r[0]: r[3] for r in workbook["专家负荷"].iter_rows(min_row=3, values_only=True)}
    assert all(loads[m["name"]] == 1 for m in panel["members"])
    [entry] = db.session.scalars(select(AuditLog).where(AuditLog.action == "report.export"))
    assert entry.target == "reports:2026-Q1" and entry.detail["kind"] == "statistics.xlsx"


def test_a_bad_period_is_refused(client, login, drawn):
    _, _, city = drawn
    login(city)
    assert client.get("/reports?period=week").status_code == 400
    assert client.get("/reports.xlsx?period=month&year=2026&month=13").status_code == 400


@pytest.fixture
def analysed(client, auth_headers, drawn):
    """An analysis meeting about the drawn matter, called through the API and checked by the validator."""
    from sqlalchemy import select

    from solver.validate import validate_meetings
    from wenping_sched.extensions import db
    from wenping_sched.models import Contact, Department, JointMeeting, Room
    from wenping_sched.solving import meetings as scheduling

    matter, _panel, city = drawn
    for department in db.session.scalars(select(Department)):
        db.session.add(Contact(department=department, name=f"{department.code}联络人"))
    db.session.add(Room(name="市委第三会议室", capacity=30, location="市委大楼"))
    db.session.commit()
    resp = client.post(
        "/api/v1/joint-meetings",
        json={
            "title": "机场扩建征地矛盾分析研判",
            "kind": "analysis",
            "required": ["信访局", "交通运输局", "自然资源局"],
            "window": WINDOW,
            "duration_minutes": 120,
            "matter_id": matter.id,
        },
        headers=auth_headers(city),
    )
    assert resp.status_code == 201, resp.get_json()
    meeting = resp.get_json()
    assert meeting["matter_id"] == matter.id
    stored = db.session.get(JointMeeting, meeting["id"])
    instance, solution = scheduling.current_view(stored)
    assert validate_meetings(instance, solution) == []
    return meeting


def test_the_matters_meetings_are_in_its_file(client, login, drawn, analysed):
    matter, _panel, city = drawn
    login(city)
    archive = zipfile.ZipFile(io.BytesIO(client.get(f"/matters/{matter.id}/archive.zip").data))
    assert "meetings.json" in archive.namelist()
    assert "meetings.json" in archive.read("README.txt").decode("utf-8")
    [meeting] = json.loads(archive.read("meetings.json"))
    assert (meeting["id"], meeting["title"], meeting["kind"]) == (
        analysed["id"],
        "机场扩建征地矛盾分析研判",
        "analysis",
    )
    assert meeting["start"] == analysed["start"] and meeting["room"] == "市委第三会议室"
    assert {d["department"] for d in meeting["departments"]} == {d["name"] for d in analysed["departments"]}
    audit = json.loads(archive.read("audit.json"))
    assert {"joint_meeting.schedule", "joint_meeting.invite"} <= {e["action"] for e in audit}

    html = client.get(f"/matters/{matter.id}/filing").get_data(as_text=True)
    section = html.split("联席会议", 1)[1]
    assert "分析研判会议" in section and "机场扩建征地矛盾分析研判" in section and "邀请中" in section

    sheet = openpyxl.load_workbook(io.BytesIO(client.get(f"/matters/{matter.id}/filing.xlsx").data)).active
    values = [str(c.value) for row in sheet.iter_rows() for c in row if c.value is not None]
    assert "联席会议" in values and "分析研判会议" in values
    assert any("机场扩建征地矛盾分析研判" in v and "邀请中" in v for v in values)


def test_a_matter_without_meetings_says_so(client, login, drawn):
    matter, _panel, city = drawn
    login(city)
    archive = zipfile.ZipFile(io.BytesIO(client.get(f"/matters/{matter.id}/archive.zip").data))
    assert json.loads(archive.read("meetings.json")) == []
    html = client.get(f"/matters/{matter.id}/filing").get_data(as_text=True)
    assert "联席会议" in html


def test_an_xlsx_as_of_a_time_does_not_depend_on_the_clock(app, monkeypatch):
    import openpyxl.writer.excel as excel

    from wenping_sched import xlsx

    def workbook():
        book = openpyxl.Workbook()
        book.active["A1"] = "报备表"
        return book

    as_of = datetime(2026, 3, 2, 9, 0, tzinfo=TZ)
    first = xlsx.to_bytes(workbook(), as_of)

    class Later(datetime):
        @classmethod
        def now(cls, tz=None):
            return datetime(2030, 1, 1, tzinfo=tz)

    monkeypatch.setattr(excel.datetime, "datetime", Later)
    assert xlsx.to_bytes(workbook(), as_of) == first
    core = zipfile.ZipFile(io.BytesIO(first)).read("docProps/core.xml").decode()
    assert "2026-03-02T01:00:00Z" in core and "2030" not in core

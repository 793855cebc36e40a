"""Pages that get it right: the county's holiday page, the built-in year's dates, plan warnings and
dates, the outbox, the wording departments see, statistics in charts and words, a meeting's agenda."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

import pytest
from sqlalchemy import select

from wenping_sched.calendar_admin import operations as calendar_ops
from wenping_sched.extensions import db


@pytest.fixture
def november_2026(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(calendar_ops, "today", lambda: dt.date(2026, 11, 25))


# --- the holiday table ------------------------------------------------------------------------------


def _forms(html: str) -> list[str]:
    return re.findall(r'<form[^>]*action="(/calendar[^"]*)"', html)


def test_a_county_sees_the_holiday_table_without_what_it_cannot_do(
    client: Any, make_user: Any, login: Any, november_2026: None
) -> None:
    calendar_ops.add_day(make_user(), dt.date(2027, 1, 1), "holiday", "元旦")
    db.session.commit()
    login(make_user(scope="肃州区"))
    html = client.get("/calendar").get_data(as_text=True)
    assert _forms(html) == []  # no add, import, delete, mark or reopen for a county
    assert "添加一个日期" not in html and "导入放假安排" not in html and "操作" not in html
    assert "由市维稳办统一录入" in html
    assert "2027年1月1日（周五） 元旦" in html  # it still reads every date


def test_the_city_sees_the_forms(client: Any, make_user: Any, login: Any, november_2026: None) -> None:
    user = make_user()
    calendar_ops.add_day(user, dt.date(2027, 1, 1), "holiday", "元旦")
    db.session.commit()
    login(user)
    forms = _forms(client.get("/calendar").get_data(as_text=True))
    assert "/calendar/days" in forms and "/calendar/import" in forms and "/calendar/years" in forms
    assert any(re.fullmatch(r"/calendar/days/\d+/delete", f) for f in forms)


def test_the_banner_links_a_county_to_the_year_it_can_read(
    client: Any, make_user: Any, login: Any, november_2026: None
) -> None:
    login(make_user(scope="肃州区"))
    html = client.get("/matters").get_data(as_text=True)
    assert '<a href="/calendar#year-2027">2027年放假安排尚未录入</a>' in html
    assert "市维稳办将在国务院公布后统一录入" in html and "请在国务院公布后录入" not in html
    page = client.get("/calendar")
    assert page.status_code == 200 and 'id="year-2027"' in page.get_data(as_text=True)


def test_the_built_in_year_shows_the_dates_the_calendar_uses(
    client: Any, make_user: Any, login: Any, november_2026: None
) -> None:
    from wenping_sched import solving

    user = make_user()
    # An entered date in a built-in year overrides the library's and is marked as entered.
    calendar_ops.add_day(user, dt.date(2026, 12, 31), "holiday", "单位调整")
    db.session.commit()
    login(user)
    html = client.get("/calendar").get_data(as_text=True)
    row = html[
        html.index('id="year-2026"') : html.index('id="year-2025"') if 'id="year-2025"' in html else None
    ]
    assert "—" not in row
    assert "2026年10月1日（周四）至2026年10月7日（周三） 国庆节（7天）" in row
    assert "2026年2月15日（周日）至2026年2月23日（周一） 春节（9天）" in row
    assert "2026年9月20日（周日） 国庆节" in row  # a weekend worked
    assert row.count("source-lib") >= 8 and row.count("source-entered") == 1
    assert "2026年12月31日（周四） 单位调整" in row
    # The dates shown are the ones the solver's calendar uses.
    calendar = solving.work_calendar()
    assert not calendar.is_workday(dt.date(2026, 10, 1)) and calendar.is_workday(dt.date(2026, 9, 20))
    assert not calendar.is_workday(dt.date(2026, 12, 31))


def test_statute_days_group_runs_and_leave_out_entered_dates() -> None:
    holidays, workdays = calendar_ops.statute_days(2026, [dt.date(2026, 10, 7)])
    national = [r for r in holidays if r.name == "国庆节"]
    assert [(r.first, r.last) for r in national] == [(dt.date(2026, 10, 1), dt.date(2026, 10, 6))]
    assert all(r.first.weekday() >= 5 for r in workdays)
    assert calendar_ops.statute_days(2099) == ([], [])


# --- plans: the solver's warnings, dates as every page writes them --------------------------------


def test_a_plan_page_shows_warnings_and_writes_dates_as_other_pages(
    app: Any, client: Any, make_user: Any, login: Any, expert_factory: Any, matter_factory: Any
) -> None:
    from wenping_sched.models import Plan
    from wenping_sched.plans.operations import run_plan

    app.config["PLAN_AUTOSTART"] = False
    for n in range(3):
        expert_factory(sectors=("法律",), senior=True, employer=f"单位{n}")
    matter = matter_factory(title="计划事项")
    login(make_user())
    rows = f"事项编号,人数,窗口开始,窗口结束,时长\n{matter.id},2,2027-03-01 08:30,2027-03-05 18:00,120\n"
    assert client.post("/plans", data={"rows": rows}).status_code == 302
    plan = db.session.scalars(select(Plan)).one()
    run_plan(plan.id)
    db.session.expire_all()
    html = client.get(f"/plans/{plan.id}").get_data(as_text=True)
    assert "2027年法定节假日安排尚未录入，按周一至周五安排工作日" in html
    assert re.search(r"2027年3月[1-5]日（周[一二三四五]）\d\d:\d\d – \d\d:\d\d", html), html
    assert not re.search(r"2027-03-0\d", html)
    assert f"<td>{matter.id}</td>" in html  # the matter's number beside its title


def test_one_formatter_for_times_and_text() -> None:
    from wenping_sched.timeutil import fmt_date, fmt_local, parse_local

    assert fmt_local("2026-12-14T08:30:00+08:00") == "2026年12月14日（周一）08:30"
    assert fmt_local(parse_local("2026-12-14T08:30")) == "2026年12月14日（周一）08:30"
    assert fmt_date(dt.date(2026, 12, 14)) == "2026年12月14日（周一）"


# --- the outbox --------------------------------------------------------------------------------------


def _queue(n: int) -> None:
    from wenping_sched.invitations.mail import build_message
    from wenping_sched.invitations.outbox import enqueue

    for i in range(n):
        msg = build_message(
            to_email=f"e{i}@example.cn",
            to_name=f"专家{i:02d}",
            subject=f"邮件{i:02d}",
            text="正文",
            html="<p>正文</p>",
        )
        enqueue(msg, kind="notice")
    db.session.commit()


def test_the_outbox_names_recipients_pages_and_keeps_configuration_out(
    client: Any, make_user: Any, login: Any
) -> None:
    from wenping_sched.invitations.routes import OUTBOX_PAGE_SIZE

    _queue(OUTBOX_PAGE_SIZE + 5)
    login(make_user())
    first = client.get("/outbox").get_data(as_text=True)
    assert "WENPING_" not in first and "MAIL_SERVER" not in first
    assert f"共 {OUTBOX_PAGE_SIZE + 5} 封" in first and "第 1 / 2 页" in first
    assert '<span class="recipient">专家34</span>' in first  # newest first, by name
    assert "e34@example.cn" in first and "专家04" not in first
    second = client.get("/outbox", query_string={"page": 2}).get_data(as_text=True)
    assert '<span class="recipient">专家04</span>' in second and "专家34" not in second
    queued = client.get("/outbox", query_string={"status": "queued", "page": 2}).get_data(as_text=True)
    assert 'href="/outbox?page=1&amp;status=queued"' in queued
    # An unknown state or page is not an error.
    assert client.get("/outbox", query_string={"status": "x", "page": "99"}).status_code == 200


# --- wording, charts, agenda, the header ---------------------------------------------------------------


def test_the_header_names_the_person_and_unit(client: Any, make_user: Any, login: Any) -> None:
    login(make_user(username="lwh2026", display_name="李文华", unit="酒泉市维稳办"))
    html = client.get("/matters").get_data(as_text=True)
    who = html[html.index('class="who"') :]
    who = who[: who.index("</div>")]
    assert "李文华" in who and "酒泉市维稳办" in who and "lwh2026" not in who


def test_an_expert_login_is_named_by_the_expert(
    client: Any, make_user: Any, login: Any, expert_factory: Any
) -> None:
    expert = expert_factory(name="唐红军", employer="酒泉职业技术学院")
    login(make_user(role="expert", expert_id=expert.id))
    html = client.get("/me").get_data(as_text=True)
    assert '<span class="person-name">唐红军</span><span class="person-unit">酒泉职业技术学院</span>' in html


def test_statistics_have_charts_and_say_how_uneven_the_load_is(
    client: Any, make_user: Any, login: Any, matter_factory: Any, expert_factory: Any
) -> None:
    from wenping_sched.reports.statistics import ExpertLoad, LoadSpread

    matter_factory(category="三农", county="金塔县")
    matter_factory(category="三农")
    expert_factory()
    login(make_user())
    html = client.get("/reports", query_string={"period": "year"}).get_data(as_text=True)
    for chart, bars in (
        ("chart-category", ["三农 2", "城市建设 0"]),
        ("chart-county", ["市级 1", "金塔县 1"]),
    ):
        svg = html[html.index(f'aria-labelledby="{chart}-t {chart}-d"') :]
        svg = svg[: svg.index("</svg>")]
        assert all(bar in svg for bar in bars), svg  # the description names each bar with its count
    assert "本期没有专家参加评审组。" in html

    def spread(values: list[int]) -> LoadSpread:
        import statistics

        rows = [ExpertLoad(f"e{i}", "p", "u", v) for i, v in enumerate(values)]
        return LoadSpread(
            rows, min(values), statistics.median(values), max(values), statistics.pstdev(values), []
        )

    assert spread([1, 1, 2, 2]).evenness == "很均衡"
    assert spread([3, 4, 5, 4]).evenness == "较均衡"
    assert spread([0, 0, 0, 9]).evenness == "很不均衡"
    words = spread([0, 0, 0, 9]).in_words
    assert words == (
        "负荷很不均衡：4 名专家平均每人参加 2.2 个评审组，最多的 9 个，最少的 0 个；"
        "3 名专家本期未参加，可优先轮到。"
    )


def test_quarterly_titles_write_the_quarter_in_chinese() -> None:
    from wenping_sched.meetings.operations import quarterly_title

    assert [quarterly_title(2027, q) for q in (1, 4)] == [
        "2027年第一季度稳评联席会议",
        "2027年第四季度稳评联席会议",
    ]


def test_a_joint_meeting_agenda_reaches_the_mail_and_the_department(
    client: Any, make_user: Any, login: Any
) -> None:
    from email import message_from_bytes, policy

    from wenping_sched.models import JOINT_MEETING_DEPARTMENTS, Contact, Department, JointMeeting, Room
    from wenping_sched.models.outbox import Invitation, OutboxMessage

    for d in db.session.scalars(select(Department)):
        db.session.add(Contact(department=d, name=f"{d.code}联络人", email=f"{d.id}@example.cn"))
    db.session.add(Room(name="市委第三会议室", capacity=30, location="市委大楼"))
    db.session.commit()
    login(make_user())
    agenda = "一、通报2026年稳评工作情况\n二、研究2027年重大事项评估计划"
    monday = dt.date.today() + dt.timedelta(days=21 - dt.date.today().weekday())
    resp = client.post(
        "/joint-meetings/new",
        data={
            "title": "稳评联席会议",
            "agenda": agenda,
            "kind": "adhoc",
            "required": [code for code, _name in JOINT_MEETING_DEPARTMENTS],
            "window_start": f"{monday.isoformat()}T08:30",
            "window_end": f"{(monday + dt.timedelta(days=4)).isoformat()}T18:00",
            "duration_minutes": "120",
            "matter_id": "",
        },
    )
    assert resp.status_code == 302, resp.get_data(as_text=True)[:500]
    meeting = db.session.scalars(select(JointMeeting)).one()
    assert meeting.agenda == agenda
    assert "二、研究2027年重大事项评估计划" in client.get(f"/joint-meetings/{meeting.id}").get_data(
        as_text=True
    )
    assert client.post(f"/joint-meetings/{meeting.id}/invite").status_code == 302
    for row in db.session.scalars(select(OutboxMessage)):
        mail = message_from_bytes(row.raw, policy=policy.default)
        text = mail.get_body(preferencelist=("plain",)).get_content().replace("\r\n", "\n")
        assert "议题：\n一、通报2026年稳评工作情况\n二、研究2027年重大事项评估计划" in text
        assert "酒泉市维稳办" in text

    # The department reads the agenda, and the coordinator's words for its answer.
    fagaiwei = db.session.scalar(select(Department).where(Department.code == "发改委"))
    client.post("/logout")
    login(make_user(role="department", department_id=fagaiwei.id))
    page = client.get("/me").get_data(as_text=True)
    assert "二、研究2027年重大事项评估计划" in page and "待确认" in page
    invitation = db.session.scalars(
        select(Invitation).where(Invitation.person_id == fagaiwei.contacts[0].id)
    ).one()
    client.post(f"/me/meetings/{invitation.id}/answer", data={"response": "accept", "attendee": "王主任"})
    page = client.get("/me").get_data(as_text=True)
    assert "已确认参加" in page and "已接受" not in page
    from wenping_sched.invitations.rsvp import rsvp_token

    rsvp = client.get(f"/rsvp/{rsvp_token(invitation)}").get_data(as_text=True)
    assert "已确认参加" in rsvp and "已接受" not in rsvp and "一、通报2026年稳评工作情况" in rsvp

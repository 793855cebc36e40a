# ruff: noqa: F811  (the fixtures imported from test_invitations are used as arguments)
"""The coordinators' dashboard and month calendar; experts' and departments' own pages; the 承诺书."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

from sqlalchemy import select

from wenping_sched.extensions import db
from wenping_sched.models import AuditLog, CalendarDay, ContactBusy, ExpertBusy, PanelMember
from wenping_sched.models.outbox import Invitation
from wenping_sched.timeutil import to_local

from .test_invitations import (  # noqa: F401  (fixtures)
    city,
    deliver,
    mail_app,
    no_unexpected_smtp,
    propose_and_confirm,
    rsvp_link,
    smtp,
)
from .test_invitations_meetings import add_contacts_with_mail, schedule


def get(model: Any, key: Any) -> Any:
    return db.session.get(model, key)


def one(stmt: Any) -> Any:
    return db.session.scalar(stmt)


def test_coordinators_home_is_the_dashboard(
    client: Any,
    mail_app: Any,
    smtp: Any,
    make_user: Callable[..., Any],
    login: Any,
    auth_headers: Any,
    city: Any,
) -> None:
    user = make_user()
    panel = propose_and_confirm(client, auth_headers(user), city["matter"])
    login(user)
    html = client.get("/").get_data(as_text=True)
    assert "工作台" in html and 'href="/pools"' in html
    assert "等待专家答复的评审组" in html and f"#{panel['id']}" in html
    assert "0/3 已答复" in html
    # The waiting panel names its matter by number, linked to the matter's page.
    assert f'href="/matters/{city["matter"].id}"' in html.split('id="waiting"')[1].split("</section>")[0]
    assert "排队中 3 封" in html  # not yet delivered
    assert "酒泉东站片区棚户区改造" in html  # upcoming within 30 days
    deliver()
    assert "所有邮件均已发出" in client.get("/").get_data(as_text=True)


def test_dashboard_is_scoped_to_the_county(
    client: Any, make_user: Callable[..., Any], login: Any, matter_factory: Any
) -> None:
    matter_factory(county="敦煌市", title="敦煌事项")
    matter_factory(county="肃州区", title="肃州事项")
    login(make_user(scope="肃州区"))
    html = client.get("/").get_data(as_text=True)
    assert "事项按评估步骤（共 1 项）" in html


def test_month_calendar_lists_panels_and_marks_holidays(
    client: Any,
    mail_app: Any,
    smtp: Any,
    make_user: Callable[..., Any],
    login: Any,
    auth_headers: Any,
    city: Any,
) -> None:
    user = make_user()
    body = propose_and_confirm(client, auth_headers(user), city["matter"])
    start = dt.datetime.fromisoformat(body["start"])
    login(user)
    html = client.get(f"/calendar/month?year={start.year}&month={start.month}").get_data(as_text=True)
    assert "评审：酒泉东站片区棚户区改造" in html and f"/panels/{body['id']}" in html
    assert html.count('<th scope="col">周') == 7 and html.index("周一") < html.index("周日")
    oct_2026 = client.get("/calendar/month?year=2026&month=10").get_data(as_text=True)
    assert "国庆节" in oct_2026 and "调休上班" in oct_2026  # Sat 10 Oct 2026 is worked
    db.session.add(CalendarDay(date=dt.date(2030, 5, 1), kind="holiday", note="劳动节（录入）"))
    db.session.commit()
    assert "劳动节（录入）" in client.get("/calendar/month?year=2030&month=5").get_data(as_text=True)
    assert client.get("/calendar/month?year=x&month=13").status_code == 200


def test_pools_page_charts_each_pools_load(
    client: Any, make_user: Callable[..., Any], login: Any, expert_factory: Any
) -> None:
    expert = expert_factory(prior_load=3)
    expert_factory(prior_load=1)
    login(make_user())
    html = client.get("/pools").get_data(as_text=True)
    assert '<svg class="chart" role="img"' in html and "市级专家库本年评审负荷分布" in html
    assert "<desc" in html and "3：人 1" in html
    page = client.get(f"/experts/{expert.id}").get_data(as_text=True)
    assert "本年评审负荷与本库比较" in page and "本库人均 2.0" in page


def _expert_user(make_user: Callable[..., Any], expert: Any) -> Any:
    return make_user(role="expert", expert_id=expert.id)


def test_expert_sees_invitations_and_accepts_with_the_declaration(
    client: Any,
    mail_app: Any,
    smtp: Any,
    make_user: Callable[..., Any],
    login: Any,
    auth_headers: Any,
    city: Any,
) -> None:
    propose_and_confirm(client, auth_headers(make_user()), city["matter"])
    deliver()
    invitation = db.session.scalars(select(Invitation).order_by(Invitation.id)).first()
    assert invitation is not None
    expert_id = invitation.person_id
    login(_expert_user(make_user, get(PanelMember, invitation.panel_member_id).expert))
    page = client.get("/me").get_data(as_text=True)
    assert "酒泉东站片区棚户区改造" in page and "待答复" in page and "/rsvp/" in page
    link = next(r for r in smtp.received if invitation.email in r.rcpt_tos)
    url = rsvp_link(link)
    form = client.get(url).get_data(as_text=True)
    assert "本人承诺与该事项无利害关系，如有应主动申请回避" in form and 'name="declaration"' in form
    refused = client.post(url, data={"response": "accept", "page": "rsvp"})
    assert refused.status_code == 422 and "请勾选承诺书" in refused.get_data(as_text=True)
    db.session.expire_all()
    assert get(Invitation, invitation.id).response == "pending"
    ok = client.post(url, data={"response": "accept", "page": "rsvp", "declaration": "1"})
    assert ok.status_code == 200 and "承诺：本人承诺与该事项无利害关系" in ok.get_data(as_text=True)
    assert 'name="declaration"' not in ok.get_data(as_text=True)  # accepted: only the decline form stays
    db.session.expire_all()
    answered = get(Invitation, invitation.id)
    assert answered.response == "accepted" and answered.declaration_at is not None
    assert answered.declaration == "本人承诺与该事项无利害关系，如有应主动申请回避"
    assert "已签承诺书" in client.get("/me").get_data(as_text=True)
    assert answered.person_id == expert_id


def test_json_accept_keeps_working_without_the_declaration(
    client: Any, mail_app: Any, smtp: Any, make_user: Callable[..., Any], auth_headers: Any, city: Any
) -> None:
    propose_and_confirm(client, auth_headers(make_user()), city["matter"])
    deliver()
    url = rsvp_link(smtp.received[0])
    resp = client.post(url, json={"response": "accept"})
    assert resp.status_code == 200 and resp.get_json()["declaration"] is None
    # A plain form post (not from the page) keeps the contract too; a decline never needs it.
    url2 = rsvp_link(smtp.received[1])
    assert client.post(url2, data={"response": "accept"}).status_code == 200
    url3 = rsvp_link(smtp.received[2])
    assert client.post(url3, data={"response": "decline", "page": "rsvp"}).status_code == 200


def test_expert_busy_periods_and_interests(
    client: Any, make_user: Callable[..., Any], login: Any, expert_factory: Any
) -> None:
    expert = expert_factory()
    other = expert_factory()
    other.busy.append(
        ExpertBusy(start=dt.datetime(2030, 1, 1, tzinfo=dt.UTC), end=dt.datetime(2030, 1, 2, tzinfo=dt.UTC))
    )
    db.session.commit()
    login(_expert_user(make_user, expert))
    assert "不能参会的时间" in client.get("/me/busy").get_data(as_text=True)
    resp = client.post(
        "/me/busy", data={"start": "2030-03-04T08:30", "end": "2030-03-04T12:00", "reason": "出差"}
    )
    assert resp.status_code == 302
    busy = db.session.scalars(select(ExpertBusy).where(ExpertBusy.expert_id == expert.id)).one()
    assert to_local(busy.start).hour == 8 and busy.reason == "出差"
    bad = client.post("/me/busy", data={"start": "2030-03-04T12:00", "end": "2030-03-04T08:00"})
    assert bad.status_code == 422 and "结束时间必须晚于开始时间" in bad.get_data(as_text=True)
    assert client.post(f"/me/busy/{other.busy[0].id}/delete").status_code == 404
    assert client.post(f"/me/busy/{busy.id}/delete").status_code == 302
    assert db.session.scalars(select(ExpertBusy).where(ExpertBusy.expert_id == expert.id)).first() is None

    assert (
        client.post(
            "/me/interests", data={"interests": "某某置业有限公司\n\n某某建设集团\n某某置业有限公司"}
        ).status_code
        == 302
    )
    db.session.expire_all()
    assert expert.interests == ["某某置业有限公司", "某某建设集团"]
    assert db.session.scalars(select(AuditLog).where(AuditLog.action == "expert.interests")).one()
    feed = client.get("/me/calendar").get_data(as_text=True)
    assert "/calendar/" in feed and ".ics" in feed and "复制链接" in feed


def test_personal_pages_by_role(
    client: Any, make_user: Callable[..., Any], login: Any, expert_factory: Any
) -> None:
    login(make_user())
    assert client.get("/me/busy").status_code == 403
    assert client.get("/me").status_code == 302
    client.post("/logout")
    login(make_user(role="expert", expert_id=expert_factory().id))
    assert client.get("/").headers["Location"].endswith("/me")
    assert client.get("/pools").status_code == 403
    assert client.get("/calendar/month").status_code == 403


def test_department_confirms_a_joint_meeting_and_keeps_its_busy_times(
    client: Any, mail_app: Any, smtp: Any, make_user: Callable[..., Any], login: Any, auth_headers: Any
) -> None:
    from wenping_sched.models import Department, JointMeeting

    add_contacts_with_mail()
    meeting = schedule(client, auth_headers(make_user()))
    department = one(select(Department).where(Department.code == "发改委"))
    login(make_user(role="department", department_id=department.id))
    page = client.get("/me").get_data(as_text=True)
    assert "稳评工作联席会议" in page and "确认参会" in page
    invitation = one(
        select(Invitation).where(
            Invitation.person_type == "contact", Invitation.person_id == department.contacts[0].id
        )
    )
    missing = client.post(f"/me/meetings/{invitation.id}/answer", data={"response": "accept", "attendee": ""})
    assert missing.status_code == 302
    resp = client.post(
        f"/me/meetings/{invitation.id}/answer",
        data={"response": "accept", "attendee": "王科长"},
        follow_redirects=True,
    )
    assert "已确认参会，出席人：王科长" in resp.get_data(as_text=True)
    db.session.expire_all()
    part = next(p for p in get(JointMeeting, meeting["id"]).departments if p.department_id == department.id)
    assert part.confirmation == "accepted" and part.attendee_name == "王科长"
    other = one(select(Invitation).where(Invitation.person_id != invitation.person_id))
    assert client.post(f"/me/meetings/{other.id}/answer", data={"response": "accept"}).status_code == 404

    contact = department.contacts[0]
    resp = client.post(
        "/me/busy",
        data={"contact_id": str(contact.id), "start": "2030-03-04T08:30", "end": "2030-03-04T12:00"},
    )
    assert resp.status_code == 302
    busy = db.session.scalars(select(ContactBusy).where(ContactBusy.contact_id == contact.id)).one()
    assert client.post(f"/me/busy/{busy.id}/delete").status_code == 302
    assert "日历链接" in client.get("/me/calendar").get_data(as_text=True)

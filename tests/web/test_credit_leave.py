"""Leave (请假) through a real SMTP server: a leave over an accepted meeting declines it, draws a
replacement who is invited, tells the coordinator and confirms to the expert; late leave costs
points; a coordinator may enter leave on an expert's behalf; leave can be withdrawn."""

from __future__ import annotations

import smtplib
from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest
from icalendar import Calendar
from sqlalchemy import select

from .credit_helpers import accept_all, city_experts, draw, move, validated
from .smtp_helpers import Received, SMTPServer

SENDER = "wenping@jiuquan.gov.cn"
COORDINATORS = "weiwenban@jiuquan.gov.cn"
BASE_URL = "https://wenping.example.gov.cn"


@pytest.fixture
def smtp() -> Iterator[SMTPServer]:
    server = SMTPServer()
    server.start()
    yield server
    server.stop()


@pytest.fixture(autouse=True)
def no_unexpected_smtp(monkeypatch: pytest.MonkeyPatch, request: pytest.FixtureRequest) -> None:
    """Any SMTP connection other than to the test's own server fails the test."""
    allowed: set[tuple[str, int]] = set()
    if "smtp" in request.fixturenames:
        server = request.getfixturevalue("smtp")
        allowed.add((server.host, server.port))
    real_connect = smtplib.SMTP.connect

    def guarded(
        self: smtplib.SMTP, host: str = "localhost", port: int = 0, source_address: Any = None
    ) -> Any:
        if (host, int(port)) not in allowed:
            pytest.fail(f"unexpected SMTP connection to {host}:{port}")
        return real_connect(self, host, port, source_address)

    monkeypatch.setattr(smtplib.SMTP, "connect", guarded)


@pytest.fixture
def mail_app(app: Any, smtp: SMTPServer) -> Any:
    app.config.update(
        MAIL_SERVER=smtp.host,
        MAIL_PORT=smtp.port,
        MAIL_DEFAULT_SENDER=SENDER,
        COORDINATOR_EMAIL=COORDINATORS,
        BASE_URL=BASE_URL,
        OUTBOX_AUTODELIVER=False,
    )
    return app


def deliver(smtp: SMTPServer) -> list[Received]:
    """Send what the outbox holds; what the server received by this delivery."""
    from wenping_sched.invitations.outbox import deliver_due

    before = len(smtp.received)
    report = deliver_due()
    assert not report.held and not report.failed and not report.deferred
    assert len(report.sent) == len(smtp.received) - before
    return smtp.received[before:]


def text(received: Received) -> str:
    part = received.message.get_body(preferencelist=("plain",))
    assert part is not None
    return str(part.get_content())


def subject(received: Received) -> str:
    return str(received.message["Subject"])


@pytest.fixture
def accepted(
    mail_app: Any, make_user: Any, expert_factory: Any, matter_factory: Any, smtp: SMTPServer
) -> dict[str, Any]:
    """A city panel three weeks ahead whose members all accepted; the invitations already delivered."""
    user = make_user(username="city")
    city_experts(expert_factory, 7)
    panel = draw(user, matter_factory(title="城区老旧小区改造"), size=3)
    accept_all(panel)
    deliver(smtp)
    return {"user": user, "panel": panel}


def _day(value: Any) -> str:
    from wenping_sched.timeutil import to_local

    return to_local(value).date().isoformat()


def test_leave_over_an_accepted_meeting_declines_it_draws_a_replacement_and_tells_everyone(
    client, make_user, login, accepted, smtp
):
    from wenping_sched.extensions import db
    from wenping_sched.models import DrawRecord, PanelMember
    from wenping_sched.models.credit import CreditEntry, Leave

    panel = accepted["panel"]
    member = panel.members[0]
    expert = member.expert
    login(make_user(role="expert", expert_id=expert.id))
    day = _day(panel.start)
    resp = client.post("/me/leave", data={"start": day, "end": day, "reason": "赴省参加培训"})
    assert resp.status_code == 302, resp.get_data(as_text=True)
    page = client.get("/me/leave").get_data(as_text=True)
    assert "已登记请假" in page and "已谢绝并补抽 1 人" in page

    db.session.expire_all()
    leave = db.session.scalar(select(Leave).where(Leave.expert_id == expert.id))
    assert leave is not None and not leave.on_behalf and leave.all_day
    states = {
        m.expert_id: m.state
        for m in db.session.scalars(select(PanelMember).where(PanelMember.panel_id == panel.id))
    }
    assert states[expert.id] == "declined"
    added = [eid for eid, state in states.items() if state == "pending"]
    assert len(added) == 1 and sorted(s for s in states.values()) == [
        "accepted",
        "accepted",
        "declined",
        "pending",
    ]
    redraw = db.session.scalars(
        select(DrawRecord).where(DrawRecord.panel_id == panel.id, DrawRecord.kind == "redraw")
    ).one()
    validated(redraw)
    # Three weeks ahead: no deduction.
    assert db.session.scalars(select(CreditEntry).where(CreditEntry.expert_id == expert.id)).all() == []

    mail = deliver(smtp)
    by_subject = {subject(m): m for m in mail}
    confirm = next(m for s, m in by_subject.items() if s.startswith("【请假确认】"))
    assert confirm.rcpt_tos == [expert.email]
    assert "您的请假已登记" in text(confirm) and "城区老旧小区改造" in text(confirm)
    assert f"{BASE_URL}/me/leave" in text(confirm)
    notice = next(m for s, m in by_subject.items() if s.startswith("【请假补抽】"))
    assert notice.rcpt_tos == [COORDINATORS]
    replacement = db.session.get(PanelMember, next(m.id for m in panel.members if m.expert_id == added[0]))
    assert expert.name in text(notice) and replacement.expert.name in text(notice)
    invite = next(m for m in mail if m.rcpt_tos == [replacement.expert.email])
    assert subject(invite).startswith("【邀请】") and "/rsvp/" in text(invite)
    # The meeting leaves the expert's own calendar: a METHOD:CANCEL for their invitation.
    cancel = next(m for m in mail if m.rcpt_tos == [expert.email] and subject(m).startswith("【取消】"))
    part = next(p for p in cancel.message.walk() if p.get_content_type() == "text/calendar")
    assert Calendar.from_ical(part.get_content())["METHOD"] == "CANCEL"


def test_late_leave_costs_the_late_decline_points(client, make_user, auth_headers, accepted, smtp):
    from wenping_sched.extensions import db
    from wenping_sched.models.credit import CreditEntry
    from wenping_sched.models.types import utcnow

    panel = accepted["panel"]
    move(panel, utcnow() + timedelta(hours=20))
    expert = panel.members[1].expert
    headers = auth_headers(make_user(role="expert", expert_id=expert.id))
    body = {"start": _day(panel.start), "end": _day(panel.start), "reason": "突发疾病"}
    resp = client.post(f"/api/v1/experts/{expert.id}/leave", json=body, headers=headers)
    assert resp.status_code == 201, resp.get_json()
    [declined] = resp.get_json()["declined"]
    assert declined["panel_id"] == panel.id and declined["was_accepted"] and declined["delta"] == -10
    entries = db.session.scalars(select(CreditEntry).where(CreditEntry.expert_id == expert.id)).all()
    assert [(e.kind, e.delta) for e in entries] == [("late_decline", -10)]
    assert "请假" in entries[0].reason
    mail = deliver(smtp)
    notice = next(m for m in mail if m.rcpt_tos == [COORDINATORS])
    # Tonight's slot may have no work time for a replacement: either way the coordinator hears of it.
    if declined["redraw_failed"]:
        assert subject(notice).startswith("【需处理】") and "无法补抽" in text(notice)
    else:
        assert subject(notice).startswith("【请假补抽】")
    assert "信用分 -10" in text(notice)


def test_a_coordinator_enters_leave_on_an_experts_behalf(
    client, make_user, auth_headers, expert_factory, mail_app, smtp
):
    headers = auth_headers(make_user())
    expert = expert_factory(pool="city")
    resp = client.post(
        f"/api/v1/experts/{expert.id}/leave",
        json={"start": "2027-03-01", "end": "2027-03-05", "reason": "电话请假"},
        headers=headers,
    )
    assert resp.status_code == 201
    body = resp.get_json()
    assert body["on_behalf"] is True and body["declined"] == []
    assert body["label"] == "请假：2027年3月1日至3月5日"
    assert body["start"] == "2027-03-01T00:00:00+08:00" and body["end"] == "2027-03-06T00:00:00+08:00"
    [confirm] = deliver(smtp)
    assert confirm.rcpt_tos == [expert.email] and "维稳办已为您登记请假" in text(confirm)
    listed = client.get(f"/api/v1/experts/{expert.id}/leave", headers=headers).get_json()
    assert [(x["id"], x["on_behalf"]) for x in listed] == [(body["id"], True)]


def test_leave_with_clock_times(client, make_user, auth_headers, expert_factory):
    headers = auth_headers(make_user())
    expert = expert_factory(pool="city")
    resp = client.post(
        f"/api/v1/experts/{expert.id}/leave",
        json={"start": "2027-03-01T08:30", "end": "2027-03-01T12:00"},
        headers=headers,
    )
    assert resp.status_code == 201
    assert resp.get_json()["all_day"] is False
    assert resp.get_json()["label"] == "请假：2027年3月1日 08:30至12:00"


def test_withdrawing_a_leave(client, make_user, auth_headers, expert_factory):
    from wenping_sched.standing.draw import draw_constraints
    from wenping_sched.timeutil import parse_local

    expert = expert_factory(pool="city")
    other = expert_factory(pool="city")
    headers = auth_headers(make_user(role="expert", expert_id=expert.id))
    created = client.post(
        f"/api/v1/experts/{expert.id}/leave",
        json={"start": "2027-04-01", "end": "2027-04-02"},
        headers=headers,
    ).get_json()
    span = (parse_local("2027-04-01T08:30"), parse_local("2027-04-02T18:00"))
    assert draw_constraints([expert.id], span).exclusions(span) != {}
    url = f"/api/v1/experts/{expert.id}/leave/{created['id']}"
    resp = client.delete(url, headers=headers)
    assert resp.status_code == 200 and resp.get_json()["withdrawn_at"] is not None
    assert draw_constraints([expert.id], span).exclusions(span) == {}
    assert client.delete(url, headers=headers).status_code == 409
    # Nobody withdraws another expert's leave, nor sees that it exists.
    theirs = client.post(
        f"/api/v1/experts/{other.id}/leave",
        json={"start": "2027-04-01", "end": "2027-04-02"},
        headers=auth_headers(make_user()),
    ).get_json()
    assert (
        client.delete(f"/api/v1/experts/{expert.id}/leave/{theirs['id']}", headers=headers).status_code == 404
    )
    assert (
        client.delete(f"/api/v1/experts/{other.id}/leave/{theirs['id']}", headers=headers).status_code == 404
    )
    assert (
        client.post(
            f"/api/v1/experts/{other.id}/leave",
            json={"start": "2027-05-01", "end": "2027-05-01"},
            headers=headers,
        ).status_code
        == 404
    )


def test_bad_leave_is_refused_naming_the_field(client, make_user, auth_headers, login, expert_factory):
    expert = expert_factory(pool="city")
    user = make_user(role="expert", expert_id=expert.id)
    headers = auth_headers(user)
    url = f"/api/v1/experts/{expert.id}/leave"
    for body, field in (
        ({"start": "2027-04-05", "end": "2027-04-01"}, "end"),
        ({"start": "2027-13-01", "end": "2027-04-01"}, "start"),
        ({"start": "明天", "end": "2027-04-01"}, "start"),
        ({"start": "2027-04-01"}, "end"),
        ({"start": "2020-04-01", "end": "2020-04-02"}, "end"),
        ({"start": "2027-04-01", "end": "2029-04-02"}, "end"),
        ({"start": "2027-04-01", "end": "2027-04-02", "reason": "长" * 201}, "reason"),
    ):
        resp = client.post(url, json=body, headers=headers)
        assert resp.status_code == 422, (body, resp.get_json())
        assert field in resp.get_json()["error"]["fields"], (body, resp.get_json())
    # The phone form says what is wrong, in Chinese, and keeps the page.
    login(user)
    resp = client.post("/me/leave", data={"start": "2027-04-05", "end": "2027-04-01"})
    assert resp.status_code == 422 and "结束日期不能早于开始日期" in resp.get_data(as_text=True)
    resp = client.post("/me/leave", data={"start": "", "end": ""})
    assert resp.status_code == 422 and "请选择开始日期" in resp.get_data(as_text=True)

"""Invitations through a real SMTP server: what arrives, RSVP, redraw on decline, change, cancel, outages.

The server is aiosmtpd on 127.0.0.1; what it receives is read back with the standard email
package and icalendar, as a mail client would read it.
"""

from __future__ import annotations

import email
import email.policy
import re
import smtplib
from collections import Counter
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from icalendar import Calendar

from tests.web.dates import clear_monday, window

from .smtp_helpers import Received, SMTPServer

SENDER = "wenping@jiuquan.gov.cn"
BASE_URL = "https://wenping.example.gov.cn"


def future_window(weeks_ahead: int = 3, days: int = 5) -> list[str]:
    """A Monday-to-Friday window a few weeks from now, in a week without a public holday:
    tokens expire after the meeting."""
    return window(clear_monday(weeks_ahead=weeks_ahead, weeks=1 + (days - 1) // 7), 0, days - 1)


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
    """The app pointed at the test server; delivery only when the test calls deliver_due."""
    app.config.update(
        MAIL_SERVER=smtp.host,
        MAIL_PORT=smtp.port,
        MAIL_DEFAULT_SENDER=SENDER,
        BASE_URL=BASE_URL,
        OUTBOX_AUTODELIVER=False,
        OUTBOX_RETRY_SECONDS=30,
    )
    return app


@pytest.fixture
def city(expert_factory: Any, matter_factory: Any) -> dict[str, Any]:
    experts = [
        expert_factory(
            pool="city", sectors=("法律",), senior=True, employer="甘肃正天合律师事务所", name="王律师"
        ),
        expert_factory(pool="city", sectors=("社会稳定",), employer="兰州大学", name="李教授"),
        expert_factory(pool="city", sectors=("经济",), employer="酒泉职业技术学院", name="张老师"),
        expert_factory(pool="city", sectors=("交通",), employer="酒泉市规划设计院", name="赵工"),
        expert_factory(pool="city", sectors=("信访",), employer="肃州区信访局退休", name="刘主任"),
    ]
    matter = matter_factory(
        title="酒泉东站片区棚户区改造", category="城市建设", responsible_department="市住建局"
    )
    return {"experts": experts, "matter": matter}


def propose_and_confirm(
    client: Any, headers: dict[str, str], matter: Any, size: int = 3, location: str = "市政府第三会议室"
) -> dict[str, Any]:
    body = {
        "size": size,
        "seats": {"法律": 1},
        "min_senior": 1,
        "window": future_window(),
        "duration_minutes": 120,
        "location": location,
    }
    resp = client.post(f"/api/v1/matters/{matter.id}/panels", json=body, headers=headers)
    assert resp.status_code == 201, resp.get_json()
    panel = resp.get_json()
    resp = client.post(f"/api/v1/panels/{panel['id']}/confirm", headers=headers)
    assert resp.status_code == 200, resp.get_json()
    return resp.get_json()


def deliver(**kwargs: Any) -> Any:
    from wenping_sched.invitations.outbox import deliver_due

    return deliver_due(**kwargs)


def calendar_of(received: Received) -> tuple[Any, Calendar]:
    part = list(received.message.iter_parts())[-1]
    return part, Calendar.from_ical(part.get_content())


def vevent(received: Received) -> Any:
    _part, cal = calendar_of(received)
    [event] = cal.walk("VEVENT")
    return event


def rsvp_link(received: Received) -> str:
    text = received.message.get_body(preferencelist=("plain",)).get_content()
    match = re.search(re.escape(BASE_URL) + r"/rsvp/([A-Za-z0-9_.\-]+)", text)
    assert match, text
    return f"/rsvp/{match.group(1)}"


def test_each_member_gets_one_itip_request_that_calendars_understand(
    client, mail_app, smtp, make_user, auth_headers, city
):
    from wenping_sched.extensions import db
    from wenping_sched.models import Panel
    from wenping_sched.models.outbox import CalendarEvent, Invitation, OutboxMessage

    panel = propose_and_confirm(client, auth_headers(make_user()), city["matter"])
    report = deliver()
    assert len(report.sent) == 3 and not report.deferred
    row = db.session.get(Panel, panel["id"])
    emails = {m.expert.email: m.expert for m in row.members}
    assert sorted(r.rcpt_tos[0] for r in smtp.received) == sorted(emails)
    [stored_uid] = (
        db.session.query(CalendarEvent.uid).filter_by(subject_type="panel", subject_id=row.id).one()
    )

    for received in smtp.received:
        msg = received.message
        expert = emails[received.rcpt_tos[0]]
        assert received.envelope_from == SENDER
        assert msg["To"].addresses[0].addr_spec == expert.email
        assert msg["To"].addresses[0].display_name == expert.name
        assert msg["Message-ID"].endswith("@jiuquan.gov.cn>")
        assert "酒泉东站片区棚户区改造" in msg["Subject"]
        # multipart/alternative: Chinese text, HTML, and the calendar last with method and charset.
        assert msg.get_content_type() == "multipart/alternative"
        parts = list(msg.iter_parts())
        assert [p.get_content_type() for p in parts] == ["text/plain", "text/html", "text/calendar"]
        assert all(p.get_content_charset() == "utf-8" for p in parts)
        assert parts[2].get_param("method") == "REQUEST"
        text, html = parts[0].get_content(), parts[1].get_content()
        for body in (text, html):
            assert expert.name in body and "酒泉东站片区棚户区改造" in body and "市政府第三会议室" in body
            assert "请携带" in body and "联系" in body
        link = rsvp_link(received)
        assert link in html

        part, cal = calendar_of(received)
        assert cal["METHOD"] == "REQUEST" == part.get_param("method")
        [event] = cal.walk("VEVENT")
        assert str(event["UID"]) == stored_uid
        assert int(event["SEQUENCE"]) == 0
        stamp = event.decoded("DTSTAMP")
        assert stamp.tzinfo is not None and stamp.utcoffset() == timedelta(0)
        assert event.decoded("DTSTART") == row.start and event.decoded("DTEND") == row.end
        assert event.decoded("DTSTART").utcoffset() == timedelta(0)
        assert "TZID" not in event["DTSTART"].params
        assert str(event["ORGANIZER"]) == f"mailto:{SENDER}"
        attendees = event.get("ATTENDEE")
        assert not isinstance(attendees, list), "exactly one ATTENDEE"
        assert str(attendees) == f"mailto:{expert.email}"
        assert attendees.params["RSVP"] == "TRUE" and attendees.params["PARTSTAT"] == "NEEDS-ACTION"
        assert attendees.params["CN"] == expert.name
        assert "酒泉东站片区棚户区改造" in str(event["SUMMARY"])
        assert str(event["LOCATION"]) == "市政府第三会议室"
        assert "社会稳定风险评估" in str(event["DESCRIPTION"])
        [alarm] = event.walk("VALARM")
        assert alarm.decoded("TRIGGER") == timedelta(days=-1)

    invitations = db.session.query(Invitation).filter_by(subject_type="panel", subject_id=row.id).all()
    assert len(invitations) == 3 and {i.uid for i in invitations} == {stored_uid}
    assert {m.status for m in db.session.query(OutboxMessage)} == {"sent"}
    assert deliver().claimed == 0  # nothing goes out twice


def test_rsvp_get_shows_two_buttons_and_never_records(client, mail_app, smtp, make_user, auth_headers, city):
    from wenping_sched.extensions import db
    from wenping_sched.models.outbox import Invitation

    propose_and_confirm(client, auth_headers(make_user()), city["matter"])
    deliver()
    link = rsvp_link(smtp.received[0])
    for _ in range(3):
        page = client.get(link)
        assert page.status_code == 200
        html = page.get_data(as_text=True)
        assert "接受邀请" in html and "谢绝邀请" in html and "酒泉东站片区棚户区改造" in html
    db.session.expire_all()
    assert {i.response for i in db.session.query(Invitation)} == {"pending"}


def test_accept_twice_answers_the_same_and_offers_the_calendar(
    client, mail_app, smtp, make_user, auth_headers, city
):
    from wenping_sched.extensions import db
    from wenping_sched.models import PanelMember

    headers = auth_headers(make_user())
    panel = propose_and_confirm(client, headers, city["matter"])
    deliver()
    received = smtp.received[0]
    link = rsvp_link(received)
    first = client.post(link, data={"response": "accept"})  # a form post, as the page sends it
    assert first.status_code == 200
    assert "加入日历" in first.get_data(as_text=True)
    second = client.post(link, json={"response": "accept"})
    assert second.status_code == 200 and second.get_json()["response"] == "accepted"
    assert second.get_json()["changed"] is False
    member = db.session.query(PanelMember).filter(PanelMember.expert.has(email=received.rcpt_tos[0])).one()
    assert member.state == "accepted" and member.answered_at is not None
    states = {
        m["state"] for m in client.get(f"/api/v1/panels/{panel['id']}", headers=headers).get_json()["members"]
    }
    assert states == {"accepted", "pending"}

    ics = client.get(second.get_json()["ics"].removeprefix(BASE_URL))
    assert ics.status_code == 200 and ics.mimetype == "text/calendar"
    [event] = Calendar.from_ical(ics.data).walk("VEVENT")
    assert str(event["UID"]) == str(vevent(received)["UID"])
    assert event["ATTENDEE"].params["PARTSTAT"] == "ACCEPTED"

    feed = client.get(second.get_json()["calendar"].removeprefix(BASE_URL))
    assert feed.status_code == 200
    assert [str(e["UID"]) for e in Calendar.from_ical(feed.data).walk("VEVENT")] == [str(event["UID"])]
    assert no_more_mail_than(smtp, 3)


def no_more_mail_than(smtp: SMTPServer, n: int) -> bool:
    deliver()
    return len(smtp.received) == n


def test_tampered_forged_and_expired_tokens_are_refused(
    client, mail_app, smtp, make_user, auth_headers, city
):
    from wenping_sched.extensions import db
    from wenping_sched.models import Panel
    from wenping_sched.models.outbox import Invitation

    panel = propose_and_confirm(client, auth_headers(make_user()), city["matter"])
    deliver()
    link = rsvp_link(smtp.received[0])
    tampered = link[:-3] + ("abc" if not link.endswith("abc") else "xyz")
    assert client.get(tampered).status_code == 404
    assert client.post(tampered, json={"response": "accept"}).status_code == 404
    assert client.get("/rsvp/not-a-token").status_code == 404
    assert client.get("/calendar/forged.ics").status_code == 404
    assert client.post(link, json={"response": "maybe"}).status_code == 400

    # The meeting is over: the link has expired.
    row = db.session.get(Panel, panel["id"])
    row.start = datetime.now(UTC) - timedelta(days=2, hours=3)
    row.end = datetime.now(UTC) - timedelta(days=2)
    db.session.commit()
    assert client.get(link).status_code == 410
    assert client.post(link, json={"response": "accept"}).status_code == 410
    db.session.expire_all()
    assert {i.response for i in db.session.query(Invitation)} == {"pending"}


def test_decline_redraws_with_accepted_fixed_and_invites_the_replacement(
    client, mail_app, smtp, make_user, auth_headers, login, city
):
    from wenping_sched.extensions import db
    from wenping_sched.models import DrawRecord, Panel

    headers = auth_headers(make_user())
    panel = propose_and_confirm(client, headers, city["matter"])
    deliver()
    first_round = {r.rcpt_tos[0]: r for r in smtp.received}
    row = db.session.get(Panel, panel["id"])
    lawyer = next(m for m in row.members if m.seat == "法律")
    others = [m for m in row.members if m.seat != "法律"]
    acceptor, decliner = lawyer, others[0]
    assert (
        client.post(rsvp_link(first_round[acceptor.expert.email]), json={"response": "accept"}).status_code
        == 200
    )

    resp = client.post(
        rsvp_link(first_round[decliner.expert.email]), json={"response": "decline", "reason": "当天有庭审"}
    )
    assert resp.status_code == 200 and resp.get_json()["response"] == "declined"
    # Posting the decline again changes nothing and draws nobody new.
    again = client.post(rsvp_link(first_round[decliner.expert.email]), json={"response": "decline"})
    assert again.status_code == 200 and again.get_json()["changed"] is False
    assert (
        client.post(rsvp_link(first_round[decliner.expert.email]), json={"response": "accept"}).status_code
        == 409
    )

    after = client.get(f"/api/v1/panels/{panel['id']}", headers=headers).get_json()
    states = {m["expert_id"]: m["state"] for m in after["members"]}
    assert states[acceptor.expert_id] == "accepted" and states[decliner.expert_id] == "declined"
    newcomers = [eid for eid in states if eid not in {m.expert_id for m in row.members[:3]}]
    assert len(newcomers) == 1 and states[newcomers[0]] == "pending"
    assert len([s for s in states.values() if s in ("pending", "accepted")]) == 3
    assert db.session.get(DrawRecord, after["draws"][-1]).kind == "redraw"

    report = deliver()
    assert len(report.sent) == 2  # the replacement's invitation and the coordinator's notice
    db.session.expire_all()
    replacement = next(m for m in db.session.get(Panel, panel["id"]).members if m.expert_id == newcomers[0])
    [invite] = smtp.to(replacement.expert.email)
    assert vevent(invite)["UID"] == vevent(first_round[decliner.expert.email])["UID"]
    assert calendar_of(invite)[1]["METHOD"] == "REQUEST"
    [notice] = smtp.to(SENDER)
    text = notice.message.get_body(preferencelist=("plain",)).get_content()
    assert decliner.expert.name in text and replacement.expert.name in text and "当天有庭审" in text
    assert notice.message.get_content_type() == "multipart/alternative"

    # The coordinator sees it on the panel page.
    login(make_user())
    page = client.get(f"/panels/{panel['id']}").get_data(as_text=True)
    assert "补抽" in page and decliner.expert.name in page and "当天有庭审" in page


def test_no_replacement_tells_the_coordinator_why(
    client, mail_app, smtp, make_user, auth_headers, expert_factory, matter_factory
):
    from wenping_sched.extensions import db
    from wenping_sched.models import Panel

    expert_factory(pool="city", sectors=("法律",), senior=True, name="唯一律师")
    expert_factory(pool="city", sectors=("经济",), name="钱会计")
    matter = matter_factory(title="某国企改制方案", category="国有企业改制")
    headers = auth_headers(make_user())
    panel = propose_and_confirm(client, headers, matter, size=2)
    deliver()
    row = db.session.get(Panel, panel["id"])
    lawyer = next(m for m in row.members if m.seat == "法律")
    [invite] = smtp.to(lawyer.expert.email)
    resp = client.post(rsvp_link(invite), json={"response": "decline", "reason": "回避"})
    assert resp.status_code == 200
    states = {
        m["expert_id"]: m["state"]
        for m in client.get(f"/api/v1/panels/{panel['id']}", headers=headers).get_json()["members"]
    }
    assert states[lawyer.expert_id] == "declined" and len(states) == 2
    deliver()
    [notice] = smtp.to(SENDER)
    text = notice.message.get_body(preferencelist=("plain",)).get_content()
    assert "无法补抽" in text and "法律" in text


def test_reschedule_sends_the_same_uid_with_a_higher_sequence(
    client, mail_app, smtp, make_user, auth_headers, city
):
    headers = auth_headers(make_user())
    panel = propose_and_confirm(client, headers, city["matter"])
    deliver()
    before = {r.rcpt_tos[0]: vevent(r) for r in smtp.received}
    smtp.received.clear()
    moved = client.post(
        f"/api/v1/panels/{panel['id']}/reschedule",
        json={"window": future_window(weeks_ahead=5)},
        headers=headers,
    )
    assert moved.status_code == 200, moved.get_json()
    deliver()
    assert sorted(r.rcpt_tos[0] for r in smtp.received) == sorted(before)
    for received in smtp.received:
        part, cal = calendar_of(received)
        assert cal["METHOD"] == "REQUEST" == part.get_param("method")
        event = vevent(received)
        old = before[received.rcpt_tos[0]]
        assert event["UID"] == old["UID"]
        assert int(event["SEQUENCE"]) > int(old["SEQUENCE"])
        assert event.decoded("DTSTART") != old.decoded("DTSTART")
        assert (
            event.decoded("DTSTART").isoformat()
            == datetime.fromisoformat(moved.get_json()["start"]).astimezone(UTC).isoformat()
        )
        assert "变更" in received.message["Subject"]


def test_cancel_sends_method_cancel_and_status_cancelled(
    client, mail_app, smtp, make_user, auth_headers, city
):
    headers = auth_headers(make_user())
    panel = propose_and_confirm(client, headers, city["matter"])
    deliver()
    before = {r.rcpt_tos[0]: vevent(r) for r in smtp.received}
    link = rsvp_link(smtp.received[0])
    smtp.received.clear()
    assert client.post(f"/api/v1/panels/{panel['id']}/cancel", headers=headers).status_code == 200
    deliver()
    assert sorted(r.rcpt_tos[0] for r in smtp.received) == sorted(before)
    for received in smtp.received:
        part, cal = calendar_of(received)
        assert part.get_content_type() == "text/calendar" and part.get_param("method") == "CANCEL"
        assert cal["METHOD"] == "CANCEL"
        event = vevent(received)
        assert event["STATUS"] == "CANCELLED"
        assert event["UID"] == before[received.rcpt_tos[0]]["UID"]
        assert int(event["SEQUENCE"]) > int(before[received.rcpt_tos[0]]["SEQUENCE"])
    assert client.post(link, json={"response": "accept"}).status_code == 409


def test_an_smtp_outage_mid_batch_then_recovery_delivers_each_mail_exactly_once(
    client, mail_app, smtp, make_user, auth_headers, expert_factory, matter_factory
):
    from wenping_sched.extensions import db
    from wenping_sched.models.outbox import OutboxMessage

    for i in range(12):
        expert_factory(
            pool="city", sectors=("法律",) if i < 4 else ("经济",), senior=i < 4, name=f"专家甲{i}"
        )
    headers = auth_headers(make_user())
    matters = [matter_factory(title=f"事项{i}") for i in range(3)]
    for m in matters:
        propose_and_confirm(client, headers, m, size=3)
    total = db.session.query(OutboxMessage).count()
    assert total == 9

    # The server takes four, then answers 451 for everything.
    smtp.handler.accept_before_failing = 4
    now = datetime.now(UTC)
    report = deliver(now=now)
    assert len(report.sent) == 4 and len(report.deferred) == 5
    # Still down, then gone entirely: the retries wait their back-off, and nothing is lost.
    assert deliver(now=now).claimed == 0  # not due yet
    smtp.stop()
    report = deliver(now=now + timedelta(minutes=2))
    assert len(report.deferred) == 5 and not report.sent
    db.session.expire_all()
    waiting = db.session.query(OutboxMessage).filter_by(status="queued").all()
    assert len(waiting) == 5 and all(m.attempts == 2 and m.last_error for m in waiting)
    assert all(m.next_attempt_at > now + timedelta(minutes=2) for m in waiting)

    # Back up.
    smtp.handler.accept_before_failing = None
    smtp.start()
    report = deliver(now=now + timedelta(hours=2))
    assert len(report.sent) == 5
    assert deliver(now=now + timedelta(days=2)).claimed == 0
    counts = Counter(r.message["Message-ID"] for r in smtp.received)
    assert len(counts) == total and set(counts.values()) == {1}
    db.session.expire_all()
    assert {m.status for m in db.session.query(OutboxMessage)} == {"sent"}
    assert {m.message_id for m in db.session.query(OutboxMessage)} == set(counts)


def test_a_server_that_drops_the_connection_mid_batch(client, mail_app, smtp, make_user, auth_headers, city):
    from wenping_sched.extensions import db
    from wenping_sched.models.outbox import OutboxMessage

    propose_and_confirm(client, auth_headers(make_user()), city["matter"])
    smtp.handler.accept_before_failing = 1
    smtp.handler.fail_with = "421 4.3.2 Service shutting down"  # the server closes after saying this
    now = datetime.now(UTC)
    report = deliver(now=now)
    assert len(report.sent) == 1 and len(report.deferred) == 2
    smtp.handler.accept_before_failing = None
    smtp.handler.fail_with = None
    assert len(deliver(now=now + timedelta(hours=1)).sent) == 2
    assert Counter(r.message["Message-ID"] for r in smtp.received).most_common(1)[0][1] == 1
    assert {m.status for m in db.session.query(OutboxMessage)} == {"sent"}


def test_a_permanent_refusal_fails_the_row_without_retrying(
    client, mail_app, smtp, make_user, auth_headers, city
):
    from wenping_sched.extensions import db
    from wenping_sched.models.outbox import OutboxMessage

    propose_and_confirm(client, auth_headers(make_user()), city["matter"])
    smtp.handler.fail_with = "550 5.1.1 Mailbox unknown"
    report = deliver()
    assert len(report.failed) == 3
    smtp.handler.fail_with = None
    assert deliver(now=datetime.now(UTC) + timedelta(days=1)).claimed == 0
    assert {(m.status, m.attempts) for m in db.session.query(OutboxMessage)} == {("failed", 1)}


def test_an_address_the_server_cannot_take_fails_its_row_only(
    client, mail_app, smtp, make_user, auth_headers, expert_factory, matter_factory
):
    from wenping_sched.extensions import db
    from wenping_sched.models.outbox import OutboxMessage

    expert_factory(pool="city", sectors=("法律",), senior=True, email="王律师@律所.cn")
    expert_factory(pool="city", sectors=("经济",), email="qian@example.cn")
    propose_and_confirm(client, auth_headers(make_user()), matter_factory(), size=2)
    report = deliver()
    assert len(report.sent) == 1 and len(report.failed) == 1
    assert [r.rcpt_tos for r in smtp.received] == [["qian@example.cn"]]
    failed = db.session.query(OutboxMessage).filter_by(status="failed").one()
    assert failed.last_error


def test_claimed_rows_are_not_taken_by_a_second_sender(client, mail_app, smtp, make_user, auth_headers, city):
    from wenping_sched.invitations.outbox import _claim

    propose_and_confirm(client, auth_headers(make_user()), city["matter"])
    now = datetime.now(UTC)
    held = _claim(10, now)
    assert len(held) == 3
    assert deliver(now=now).claimed == 0
    # A sender that died holding them: after the stale period the rows go out, once.
    report = deliver(now=now + timedelta(hours=1))
    assert len(report.sent) == 3 and len(smtp.received) == 3


def test_a_rolled_back_change_sends_nothing(client, mail_app, smtp, make_user, city):
    from wenping_sched.extensions import db
    from wenping_sched.models.outbox import OutboxMessage
    from wenping_sched.panels import operations
    from wenping_sched.timeutil import parse_local

    user = make_user()
    window = tuple(parse_local(t) for t in future_window())
    panel = operations.propose_panel(
        user, city["matter"], {"size": 2, "window": window, "duration_minutes": 60}
    )
    operations.confirm_panel(user, panel)
    db.session.rollback()
    assert db.session.query(OutboxMessage).count() == 0
    assert deliver().claimed == 0


def test_delivery_starts_by_itself_after_the_commit(client, mail_app, smtp, make_user, auth_headers, city):
    from wenping_sched.invitations.outbox import wait_for_delivery

    mail_app.config["OUTBOX_AUTODELIVER"] = True
    propose_and_confirm(client, auth_headers(make_user()), city["matter"])
    wait_for_delivery(mail_app, timeout=30)
    assert len(smtp.received) == 3


def test_without_a_mail_server_the_outbox_page_shows_what_would_have_been_sent(
    client, app, make_user, login, auth_headers, city
):
    from wenping_sched.extensions import db
    from wenping_sched.models.outbox import OutboxMessage

    assert app.config["MAIL_SERVER"] is None
    user = make_user()
    propose_and_confirm(client, auth_headers(user), city["matter"])
    report = deliver()
    assert report.held and report.claimed == 0
    assert {m.status for m in db.session.query(OutboxMessage)} == {"queued"}
    login(user)
    page = client.get("/outbox")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "尚未设置发信服务器" in html
    assert "WENPING_" not in html  # no configuration variable names shown to coordinators
    for row in db.session.query(OutboxMessage):
        assert row.to in html and row.subject.replace("（", "（") in html
    assert "您好" in html  # the text body as the expert reads it,
    # but not the expert's personal links: an answer through one would be recorded as the expert's.
    i = html.find("/rsvp/")
    assert i < 0, html[i - 300 : i + 100]
    assert not re.search(r"/calendar/[\w.-]+\.ics", html) and "仅本人可用" in html
    assert "/rsvp/" in text_part_of(db.session.query(OutboxMessage).first().raw)  # the mail itself has it

    county = make_user(scope="玉门市")
    client.post("/logout")
    login(county)
    assert "酒泉东站" not in client.get("/outbox").get_data(as_text=True)


def text_part_of(raw: bytes) -> str:
    message = email.message_from_bytes(raw, policy=email.policy.default)
    part = message.get_body(preferencelist=("plain",))
    return str(part.get_content()) if part is not None else ""


def test_outbox_page_is_for_coordinators(client, make_user, login, expert_factory):
    login(make_user(role="expert", expert_id=expert_factory().id))
    assert client.get("/outbox").status_code == 403


def test_the_rsvp_page_follows_every_change(client, mail_app, smtp, make_user, auth_headers, city):
    """The page is served from a cache after the first view: answers, a new time and a
    cancellation must all show at once."""
    from wenping_sched.timeutil import fmt_local

    headers = auth_headers(make_user())
    panel = propose_and_confirm(client, headers, city["matter"])
    deliver()
    link = rsvp_link(smtp.received[0])
    first = client.get(link).get_data(as_text=True)
    assert first == client.get(link).get_data(as_text=True)
    assert "尚未答复" in first

    client.post(link, data={"response": "accept"})
    assert "已接受" in client.get(link).get_data(as_text=True)

    moved = client.post(
        f"/api/v1/panels/{panel['id']}/reschedule",
        json={"window": future_window(weeks_ahead=6)},
        headers=headers,
    ).get_json()
    new_time = fmt_local(datetime.fromisoformat(moved["start"]))
    assert new_time not in first and new_time in client.get(link).get_data(as_text=True)

    client.post(f"/api/v1/panels/{panel['id']}/cancel", headers=headers)
    assert "已取消" in client.get(link).get_data(as_text=True)

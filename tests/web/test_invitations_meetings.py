# ruff: noqa: F811  (the fixtures imported from test_invitations are used as arguments)
"""Joint-meeting invitations: to each department's contacts, confirmations naming the attendee, reminders;
and delivery through RQ when a Redis is named."""

from __future__ import annotations

import shutil
import subprocess
import time
from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import select

from .smtp_helpers import free_port
from .test_invitations import (  # noqa: F401  (fixtures)
    BASE_URL,
    SENDER,
    calendar_of,
    deliver,
    future_window,
    mail_app,
    no_unexpected_smtp,
    rsvp_link,
    smtp,
    vevent,
)


def add_contacts_with_mail() -> None:
    from wenping_sched.extensions import db
    from wenping_sched.models import Contact, Department, Room

    for d in db.session.scalars(select(Department)):
        db.session.add(Contact(department=d, name=f"{d.code}联络人", email=f"dept{d.id}@dept.example.cn"))
    db.session.add(Room(name="市委第三会议室", capacity=30, location="市委大楼三楼"))
    db.session.commit()


def schedule(client: Any, headers: dict[str, str]) -> dict[str, Any]:
    from wenping_sched.models import JOINT_MEETING_DEPARTMENTS

    body = {
        "title": "稳评工作联席会议",
        "required": [c for c, _ in JOINT_MEETING_DEPARTMENTS],
        "optional": [],
        "window": future_window(),
        "duration_minutes": 120,
    }
    resp = client.post("/api/v1/joint-meetings", json=body, headers=headers)
    assert resp.status_code == 201, resp.get_json()
    return resp.get_json()


def test_departments_are_invited_and_confirm_with_the_attendees_name(
    client,
    mail_app,
    smtp,
    make_user,
    auth_headers,
):
    add_contacts_with_mail()
    headers = auth_headers(make_user())
    meeting = schedule(client, headers)
    report = deliver()
    assert len(report.sent) == 13 == len(smtp.received)
    received = smtp.received[0]
    part, _cal = calendar_of(received)
    assert part.get_param("method") == "REQUEST"
    event = vevent(received)
    assert str(event["UID"]) == meeting["uid"]
    assert "市委第三会议室" in str(event["LOCATION"])
    assert "参会人员" in received.message.get_body(preferencelist=("plain",)).get_content()

    link = rsvp_link(received)
    page = client.get(link).get_data(as_text=True)
    assert 'name="attendee"' in page
    resp = client.post(link, json={"response": "accept", "attendee": "张科长"})
    assert resp.status_code == 200 and resp.get_json()["attendee"] == "张科长"
    assert client.post(link, json={"response": "accept", "attendee": "张科长"}).get_json()["changed"] is False
    after = client.get(f"/api/v1/joint-meetings/{meeting['id']}", headers=headers).get_json()
    answered = [d for d in after["departments"] if d["confirmation"] == "accepted"]
    assert len(answered) == 1 and answered[0]["attendee_name"] == "张科长"


def test_departments_that_have_not_answered_are_reminded_two_workdays_before(
    client,
    mail_app,
    smtp,
    make_user,
    auth_headers,
):
    from wenping_sched.extensions import db
    from wenping_sched.invitations import notifications
    from wenping_sched.models import JointMeeting

    add_contacts_with_mail()
    meeting = schedule(client, auth_headers(make_user()))
    deliver()
    assert notifications.send_meeting_reminders() == []  # weeks away: too early
    row = db.session.get(JointMeeting, meeting["id"])
    # One department answers; on the day before the meeting the other twelve are reminded, once.
    client.post(rsvp_link(smtp.received[0]), json={"response": "accept", "attendee": "李处长"})
    day_before = row.start - timedelta(days=1)
    assert notifications.send_meeting_reminders(now=row.start - timedelta(days=6)) == []
    reminded = notifications.send_meeting_reminders(now=day_before)
    db.session.commit()
    assert len(reminded) == 12
    assert notifications.send_meeting_reminders(now=day_before) == []
    smtp.received.clear()
    deliver()
    assert len(smtp.received) == 12 and all("提醒" in r.message["Subject"] for r in smtp.received)


@pytest.fixture
def redis_url() -> Iterator[str]:
    if shutil.which("redis-server") is None:
        pytest.skip("redis-server not installed")
    port = free_port()
    proc = subprocess.Popen(
        ["redis-server", "--port", str(port), "--save", "", "--appendonly", "no"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    from redis import Redis

    client = Redis(port=port)
    for _ in range(100):
        try:
            client.ping()
            break
        except Exception:
            time.sleep(0.05)
    yield f"redis://127.0.0.1:{port}/0"
    client.close()
    proc.terminate()
    proc.wait(10)


def test_with_a_queue_url_delivery_is_an_rq_job(
    client,
    mail_app,
    smtp,
    make_user,
    auth_headers,
    expert_factory,
    matter_factory,
    redis_url,
):
    from redis import Redis
    from rq import Queue, SimpleWorker

    from wenping_sched.invitations.outbox import QUEUE_NAME

    for i in range(4):
        expert_factory(pool="city", sectors=("法律",), senior=True, name=f"律师{i}")
    matter = matter_factory(title="队列事项")
    mail_app.config.update(QUEUE_URL=redis_url, OUTBOX_AUTODELIVER=True)
    from .test_invitations import propose_and_confirm

    propose_and_confirm(client, auth_headers(make_user()), matter, size=2)
    connection = Redis.from_url(redis_url)
    queue = Queue(QUEUE_NAME, connection=connection)
    assert queue.count == 1 and not smtp.received
    SimpleWorker([queue], connection=connection).work(burst=True)
    assert len(smtp.received) == 2
    connection.close()


def test_a_reminder_another_process_claimed_is_not_sent_again(
    client, mail_app, smtp, make_user, auth_headers
):
    """Web processes and workers all look for reminders: one claims each with a conditional
    UPDATE, and whoever loses the claim sends nothing."""
    from sqlalchemy import update

    from wenping_sched.extensions import db
    from wenping_sched.invitations import notifications
    from wenping_sched.models import JointMeeting
    from wenping_sched.models.outbox import Invitation, OutboxMessage

    add_contacts_with_mail()
    meeting = schedule(client, auth_headers(make_user()))
    row = db.session.get(JointMeeting, meeting["id"])
    day_before = row.start - timedelta(days=1)
    real_load_event = notifications.load_event

    def another_process_claims_first(kind: str, subject_id: int) -> Any:
        # Between our SELECT and our claim, another process reminds everybody.
        db.session.execute(update(Invitation).values(reminded_at=day_before))
        return real_load_event(kind, subject_id)

    before = db.session.query(OutboxMessage).count()
    notifications.load_event = another_process_claims_first
    try:
        assert notifications.send_meeting_reminders(now=day_before) == []
    finally:
        notifications.load_event = real_load_event
    db.session.commit()
    assert db.session.query(OutboxMessage).count() == before


def test_web_processes_remind_without_a_worker(app, client, mail_app, smtp, make_user, auth_headers):
    from wenping_sched.extensions import db
    from wenping_sched.invitations import reminders
    from wenping_sched.models import JointMeeting
    from wenping_sched.models.outbox import Invitation

    add_contacts_with_mail()
    meeting = schedule(client, auth_headers(make_user()))
    row = db.session.get(JointMeeting, meeting["id"])
    assert row.start is not None
    # The meeting is tomorrow from the point of view of the reminder run.
    reminders._last["at"] = float("-inf")
    app.config["REMINDERS_IN_PROCESS"] = True
    from wenping_sched.invitations import notifications

    real = notifications.send_meeting_reminders
    notifications.send_meeting_reminders = lambda: real(now=row.start - timedelta(days=1))
    try:
        client.get("/login")
        from wenping_sched.background import runner

        runner(app, "wenping-reminders", lambda: None).join(10)
    finally:
        notifications.send_meeting_reminders = real
    db.session.expire_all()
    assert db.session.query(Invitation).filter(Invitation.reminded_at.is_not(None)).count() == 13

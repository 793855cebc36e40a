"""Calendar-feed links can be revoked and reissued by their owner and by a coordinator."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select


def test_an_expert_reissues_the_feed_and_the_old_link_dies(client, login, make_user, expert_factory):
    from wenping_sched.extensions import db
    from wenping_sched.invitations import rsvp
    from wenping_sched.models import AuditLog

    expert = expert_factory()
    old = rsvp.feed_token("expert", expert.id)
    assert client.get(f"/calendar/{old}.ics").status_code == 200
    login(make_user(role="expert", expert_id=expert.id))
    page = client.post("/me/calendar/reissue", follow_redirects=True).get_data(as_text=True)
    new = rsvp.feed_token("expert", expert.id)
    assert new != old and new in page
    gone = client.get(f"/calendar/{old}.ics")
    assert gone.status_code == 404
    assert client.get(f"/calendar/{new}.ics").status_code == 200
    entry = db.session.scalar(select(AuditLog).where(AuditLog.action == "calendar_feed.reissue"))
    assert entry is not None and entry.target == f"expert:{expert.id}"


def test_a_coordinator_reissues_an_experts_feed(client, login, make_user, expert_factory):
    from wenping_sched.invitations import rsvp

    expert = expert_factory(pool="敦煌市")
    old = rsvp.feed_token("expert", expert.id)
    login(make_user(scope="玉门市"))  # another county: may not
    assert client.post(f"/experts/{expert.id}/calendar-feed").status_code == 404
    assert client.get(f"/calendar/{old}.ics").status_code == 200
    client.post("/logout")
    login(make_user(scope="敦煌市"))
    assert client.post(f"/experts/{expert.id}/calendar-feed").status_code == 302
    assert client.get(f"/calendar/{old}.ics").status_code == 404


def test_a_department_reissues_only_its_own_contacts_feeds(client, login, make_user):
    from wenping_sched.extensions import db
    from wenping_sched.invitations import rsvp
    from wenping_sched.models import Contact, Department

    mine, theirs = (
        db.session.scalar(select(Department).where(Department.code == c)) for c in ("发改委", "公安局")
    )
    assert mine is not None and theirs is not None
    a, b = Contact(department=mine, name="甲"), Contact(department=theirs, name="乙")
    db.session.add_all([a, b])
    db.session.commit()
    old_a, old_b = rsvp.feed_token("contact", a.id), rsvp.feed_token("contact", b.id)
    login(make_user(role="department", department_id=mine.id))
    assert client.post("/me/calendar/reissue", data={"contact_id": str(b.id)}).status_code == 404
    assert client.post("/me/calendar/reissue", data={"contact_id": str(a.id)}).status_code == 302
    assert client.get(f"/calendar/{old_a}.ics").status_code == 404
    assert client.get(f"/calendar/{old_b}.ics").status_code == 200


def test_links_issued_before_keys_existed_still_work_until_reissued(client, expert_factory):
    from itsdangerous import URLSafeSerializer

    from wenping_sched.invitations import rsvp

    expert = expert_factory()
    legacy: Any = URLSafeSerializer("test-secret", salt=rsvp.FEED_SALT).dumps(["expert", expert.id])
    assert client.get(f"/calendar/{legacy}.ics").status_code == 200

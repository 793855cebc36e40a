"""The demo city shows the daily work: a busy season on the joint meetings' heat map, the demo expert
with an invitation to answer, office phone numbers, and people named in the header."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from sqlalchemy import select

from wenping_sched.demo import load_demo_activity, load_demo_data
from wenping_sched.extensions import db
from wenping_sched.timeutil import local_now


def test_the_heat_map_of_the_coming_fortnight_is_not_all_green(app: Any) -> None:
    from wenping_sched.meetings import operations as meeting_ops
    from wenping_sched.models import JOINT_MEETING_DEPARTMENTS, User
    from wenping_sched.solving import meetings as scheduling

    load_demo_data()
    user = db.session.scalar(select(User).where(User.username == "demo"))
    today = local_now().replace(hour=0, minute=0, second=0, microsecond=0)
    monday = today + timedelta(days=7 - today.weekday())
    scheduled = meeting_ops.schedule_meeting(
        user,
        {
            "title": "热力图演示",
            "required": [code for code, _name in JOINT_MEETING_DEPARTMENTS],
            "optional": [],
            "window": (monday.replace(hour=8, minute=30), (monday + timedelta(days=11)).replace(hour=18)),
            "duration_minutes": 120,
        },
    )
    review = scheduling.review(scheduled.meeting)
    assert review.problems == []  # the solver's choice re-checked
    levels = [c.level for row in review.heat.rows for c in row.cells if c is not None]
    assert 4 in levels, "some half-days still gather everyone"
    assert min(levels) <= 2, f"the busy season keeps departments away: {sorted(set(levels))}"
    assert len(set(levels)) >= 3


def test_the_demo_expert_has_an_invitation_to_answer(app: Any) -> None:
    from wenping_sched.models import User
    from wenping_sched.models.outbox import Invitation
    from wenping_sched.portal.queries import expert_invitations

    load_demo_data()
    assert load_demo_activity()["panels_created"] == 2
    user = db.session.scalar(select(User).where(User.username == "expert1"))
    assert user is not None and user.expert is not None and user.expert.pool.code == "city"
    rows = expert_invitations(user.expert.id)
    assert any(r.can_answer and r.invitation.response == "pending" for r in rows)
    assert db.session.scalar(
        select(Invitation).where(Invitation.person_type == "expert", Invitation.person_id == user.expert.id)
    )


def test_the_demo_has_office_phones_and_named_people(app: Any, client: Any) -> None:
    from wenping_sched.demo import DEMO_PASSWORD
    from wenping_sched.models import Pool

    load_demo_data()
    assert all(p.office_phone.startswith("0937-") for p in db.session.scalars(select(Pool)))
    client.post("/login", data={"username": "suzhou", "password": DEMO_PASSWORD})
    html = client.get("/matters").get_data(as_text=True)
    assert '<span class="person-name">马建军</span><span class="person-unit">肃州区维稳办</span>' in html

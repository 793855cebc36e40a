"""Who may do what: every API endpoint and every page × every kind of caller → the status.

The table below names every rule of ``app.url_map``; a rule missing from it fails the test,
so a new route must say who may use it. The callers:

- ``anon``: nobody logged in (pages answer 302 to the login page, the API 401);
- ``city``: the city coordinator, who sees everything;
- ``own``: the coordinator of 敦煌市, the county of the matter, panel and plan used here;
- ``other``: the coordinator of 玉门市, another county (the matter is not found: 404);
- ``expert``: an expert on the panel, who sees only their own invitations;
- ``dept``: a joint-meeting department's contact.

Each case runs on a fresh copy of one database built once (the demo city plus a confirmed
panel, a proposed one, a joint meeting, a solved plan), so a change made by one case never
leaks into another. Besides the status, no page or API answer for an expert, a department or
a visitor carries another person's phone number or e-mail address.
"""

from __future__ import annotations

import re
import shutil
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from .dates import clear_monday, window

ROLES = ("anon", "city", "own", "other", "expert", "dept")
OWN, OTHER = "敦煌市", "玉门市"
PASSWORD = "perm-pass-2026"


@dataclass
class World:
    """Ids and tokens of the objects the cases address (filled in once, when the database is built)."""

    ids: dict[str, Any] = field(default_factory=dict)
    users: dict[str, int] = field(default_factory=dict)
    api_tokens: dict[str, str] = field(default_factory=dict)
    # The token of each caller's server-side login session (what the session cookie carries).
    sessions: dict[str, str] = field(default_factory=dict)
    # Phone numbers and e-mail addresses of experts and contacts other than the expert's own.
    secrets: list[str] = field(default_factory=list)


def _window(days: int) -> list[str]:
    # Two working weeks without a public holiday, about ``days`` from now.
    return window(clear_monday(weeks_ahead=days // 7, weeks=2), 0, 11)


def _build(world: World) -> None:
    """The shared database: the demo city, users of every kind, a panel, a meeting, a plan."""
    from sqlalchemy import select

    from wenping_sched.auth.operations import create_user, issue_token, open_session
    from wenping_sched.calendar_admin import operations as calendar_ops
    from wenping_sched.demo import load_demo_data
    from wenping_sched.extensions import db
    from wenping_sched.invitations import rsvp
    from wenping_sched.meetings import operations as meeting_ops
    from wenping_sched.models import Contact, ContactBusy, Department, Expert, Matter, Room, User
    from wenping_sched.models.outbox import Invitation
    from wenping_sched.panels import operations as panel_ops
    from wenping_sched.panels.operations import parse_window
    from wenping_sched.plans import operations as plan_ops
    from wenping_sched.portal import operations as portal_ops
    from wenping_sched.seeding import ensure_reference_data

    db.create_all()
    ensure_reference_data()
    db.session.commit()
    load_demo_data()
    city = create_user("p_city", PASSWORD, "coordinator", scope="city")
    own = create_user("p_own", PASSWORD, "coordinator", scope=OWN)
    other = create_user("p_other", PASSWORD, "coordinator", scope=OTHER)
    db.session.commit()

    matter = db.session.scalars(select(Matter).where(Matter.county == OWN).order_by(Matter.id)).first()
    assert matter is not None
    room = db.session.scalars(select(Room).order_by(Room.id)).first()
    assert room is not None
    body = {"size": 3, "seats": {}, "min_senior": 0, "duration_minutes": 120}
    panel = panel_ops.propose_panel(
        city, matter, {**body, "window": parse_window(_window(21)), "location": room.name}
    )
    db.session.commit()
    panel_ops.confirm_panel(city, panel)
    proposed = panel_ops.propose_panel(city, matter, {**body, "window": parse_window(_window(35))})
    db.session.commit()
    committed = panel_ops.commit_draw(city, matter, {**body, "window": parse_window(_window(70))})
    db.session.commit()

    member = panel.members[0].expert
    expert = create_user("p_expert", PASSWORD, "expert", expert_id=member.id)
    department = db.session.scalar(select(Department).where(Department.code == "发改委"))
    assert department is not None
    dept = create_user("p_dept", PASSWORD, "department", department_id=department.id)
    db.session.commit()

    scheduled = meeting_ops.schedule_meeting(
        city,
        {
            "title": "权限测试联席会议",
            "required": ["发改委", "公安局"],
            "optional": [],
            "window": parse_window(_window(28)),
            "duration_minutes": 90,
        },
    )
    meeting_ops.invite(city, scheduled.meeting)
    db.session.commit()

    expert_invitation = db.session.scalars(
        select(Invitation).where(Invitation.person_type == "expert", Invitation.person_id == member.id)
    ).first()
    contact_ids = [c.id for c in department.contacts]
    dept_invitation = db.session.scalars(
        select(Invitation).where(
            Invitation.person_type == "contact",
            Invitation.person_id.in_(contact_ids),
            Invitation.subject_type == "meeting",
        )
    ).first()
    assert expert_invitation is not None and dept_invitation is not None

    start, _end = parse_window(_window(50))
    busy = portal_ops.add_expert_busy(expert, member, start, start + timedelta(hours=2), "出差")
    contact_busy = ContactBusy(
        contact_id=contact_ids[0], start=start, end=start + timedelta(hours=2), reason="会"
    )
    db.session.add(contact_busy)
    day = calendar_ops.add_day(city, (start + timedelta(days=60)).date(), "holiday", "测试")
    db.session.commit()

    plan = plan_ops.create_plan(
        own,
        [
            {
                "matter_id": matter.id,
                "size": 2,
                "seats": {},
                "min_senior": 0,
                "window": parse_window(_window(63)),
                "duration_minutes": 120,
            }
        ],
    )
    db.session.commit()
    plan_ops.run_plan(plan.id)

    # Credit: a leave of the panel's expert and one of the county's first expert, far ahead.
    from wenping_sched.credit import leave as leave_ops

    away = start + timedelta(days=120)
    leave = leave_ops.declare(city, member, away, away + timedelta(days=1), "出差").leave
    county_expert = db.session.get(Expert, _first_expert(OWN))
    assert county_expert is not None
    county_leave = leave_ops.declare(city, county_expert, away, away + timedelta(days=1), "出差").leave
    county_busy = portal_ops.add_expert_busy(own, county_expert, start, start + timedelta(hours=2), "来电")
    own_pool = county_expert.pool
    db.session.commit()

    outsider = db.session.scalars(
        select(Expert).where(Expert.id.not_in([m.expert_id for m in panel.members])).order_by(Expert.id)
    ).first()
    police = db.session.scalar(select(Department).where(Department.code == "公安局"))
    assert outsider is not None and police is not None
    world.users["outsider"] = create_user("p_outsider", PASSWORD, "expert", expert_id=outsider.id).id
    world.users["police"] = create_user("p_police", PASSWORD, "department", department_id=police.id).id
    world.ids.update(
        matter_title=matter.title,
        matter=matter.id,
        panel=panel.id,
        proposed=proposed.id,
        draw=panel.draws[0].id,
        committed=committed.id,
        meeting=scheduled.meeting.id,
        department=department.id,
        contact_busy=contact_busy.id,
        expert_busy=busy.id,
        day=day.id,
        year=day.date.year,
        room=room.id,
        plan=plan.id,
        expert=member.id,
        county_expert=_first_expert(OWN),
        county_busy=county_busy.id,
        own_pool=own_pool.id,
        city_expert=_first_expert("city"),
        rsvp=rsvp.rsvp_token(expert_invitation),
        feed=rsvp.feed_token("expert", member.id),
        dept_invitation=dept_invitation.id,
        contact=contact_ids[0],
        other_county_expert=_first_expert(OTHER),
        window=_window(42),
        leave=leave.id,
        county_leave=county_leave.id,
        leave_days=[
            (away + timedelta(days=7)).date().isoformat(),
            (away + timedelta(days=8)).date().isoformat(),
        ],
    )
    for name, user in {"city": city, "own": own, "other": other, "expert": expert, "dept": dept}.items():
        world.users[name] = user.id
        world.api_tokens[name] = issue_token(user)
    for name in world.users:
        world.sessions[name] = open_session(db.session.get(User, world.users[name]))
    for e in db.session.scalars(select(Expert).where(Expert.id != member.id)):
        world.secrets += [s for s in (e.phone, e.email) if s]
    for c in db.session.scalars(select(Contact)):
        world.secrets += [s for s in (c.phone, c.email) if s]
    db.session.commit()


def _first_expert(pool: str) -> int:
    from sqlalchemy import select

    from wenping_sched.extensions import db
    from wenping_sched.models import Expert, Pool

    expert_id = db.session.scalar(select(Expert.id).join(Pool).where(Pool.code == pool).order_by(Expert.id))
    assert expert_id is not None
    return int(expert_id)


@pytest.fixture(scope="module")
def setting(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Any, World, Path, Path]]:
    from wenping_sched import create_app
    from wenping_sched.extensions import db

    tmp = tmp_path_factory.mktemp("permissions")
    template, work = tmp / "template.sqlite3", tmp / "work.sqlite3"
    world = World()
    config = {
        "TESTING": True,
        "INSTANCE_PATH": str(tmp),
        "SECRET_KEY": "permissions",
        "WTF_CSRF_ENABLED": False,
        "MAIL_SERVER": None,
        "PLAN_AUTOSTART": False,
    }
    builder = create_app({**config, "SQLALCHEMY_DATABASE_URI": f"sqlite:///{template}"})
    with builder.app_context():
        _build(world)
        db.session.remove()
        db.engine.dispose()
    app = create_app({**config, "SQLALCHEMY_DATABASE_URI": f"sqlite:///{work}"})
    yield app, world, template, work
    with app.app_context():
        db.engine.dispose()


# --- the table --------------------------------------------------------------------------------


# Shorthands: P = a coordinator's page (anon 302, expert/dept 403); A = a coordinator's API (anon 401).
def P(city: int, own: int, other: int) -> dict[str, int]:
    return {"anon": 302, "city": city, "own": own, "other": other, "expert": 403, "dept": 403}


def A(city: int, own: int, other: int) -> dict[str, int]:
    return {"anon": 401, "city": city, "own": own, "other": other, "expert": 403, "dept": 403}


def EVERYONE(status: int) -> dict[str, int]:
    return dict.fromkeys(ROLES, status)


def LOGGED_IN(status: int) -> dict[str, int]:
    return {**dict.fromkeys(ROLES, status), "anon": 302}


def PORTAL(expert: int, dept: int, coordinator: int = 403) -> dict[str, int]:
    return {
        "anon": 302,
        "city": coordinator,
        "own": coordinator,
        "other": coordinator,
        "expert": expert,
        "dept": dept,
    }


def _matter_api() -> dict[str, Any]:
    return {
        "title": "新事项",
        "category": "城市建设",
        "county": OWN,
        "responsible_department": "敦煌市住建局",
        "related_organisations": [],
    }


def _expert_api() -> dict[str, Any]:
    return {"name": "新专家", "pool": OWN, "employer": "新单位", "sectors": ["法律"], "phone": "13912345678"}


# endpoint → (method, path with {placeholders}, JSON or form body, {role: status})
TABLE: dict[str, tuple[str, str, Any, dict[str, int]]] = {
    # Public: the sign-in page, the API's description, the static files.
    "static": ("GET", "/static/style.css", None, EVERYONE(200)),
    "auth.login": ("GET", "/login", None, EVERYONE(200)),
    "auth.logout": ("POST", "/logout", None, LOGGED_IN(302)),
    "auth_api.create_token": (
        "POST",
        "/api/v1/auth/token",
        {"username": "p_city", "password": "wrong-pass-1"},
        EVERYONE(401),
    ),
    "openapi.spec": ("GET", "/api/v1/openapi.json", None, EVERYONE(200)),
    "openapi_docs.page": ("GET", "/api/v1/docs", None, EVERYONE(200)),
    "openapi_docs.asset": ("GET", "/api/v1/docs/assets/swagger-ui-bundle.js", None, EVERYONE(200)),
    "views.favicon": ("GET", "/favicon.ico", None, EVERYONE(200)),
    # The signed token is the credential: no login, and only that one invitation or person.
    "invitations.rsvp_page": ("GET", "/rsvp/{rsvp}", None, EVERYONE(200)),
    "invitations.rsvp_answer": ("POST", "/rsvp/{rsvp}", {"response": "accept"}, EVERYONE(200)),
    "invitations.event_ics": ("GET", "/rsvp/{rsvp}/event.ics", None, EVERYONE(200)),
    "invitations.calendar_feed": ("GET", "/calendar/{feed}.ics", None, EVERYONE(200)),
    # Home: coordinators see their overview; experts and departments go to their own page.
    "views.home": ("GET", "/", None, {**LOGGED_IN(200), "expert": 302, "dept": 302}),
    # Experts and department contacts: their own invitations, busy times and interests.
    "portal.home": ("GET", "/me", None, PORTAL(200, 200, 302)),
    "portal.calendar": ("GET", "/me/calendar", None, PORTAL(200, 200)),
    "portal.busy": ("GET", "/me/busy", None, PORTAL(200, 200)),
    "portal.add_busy": ("POST", "/me/busy", {}, PORTAL(422, 422)),
    "portal.remove_busy": ("POST", "/me/busy/{expert_busy}/delete", None, PORTAL(302, 404)),
    "portal.interests": ("GET", "/me/interests", None, PORTAL(200, 403)),
    # A calendar-feed link is reissued by its owner (a department for its own contacts) ...
    "portal.reissue_feed": (
        "POST",
        "/me/calendar/reissue",
        lambda w: {"contact_id": str(w["contact"])},
        PORTAL(302, 302),
    ),
    "portal.answer_meeting": (
        "POST",
        "/me/meetings/{dept_invitation}/answer",
        {"response": "accept", "attendee": "张三"},
        PORTAL(403, 302),
    ),
    # Expert pools: the city pool and the coordinator's own county.
    "experts.pools": ("GET", "/pools", None, P(200, 200, 200)),
    "experts.detail": ("GET", "/experts/{county_expert}", None, P(200, 200, 404)),
    "experts.edit": ("GET", "/experts/{county_expert}/edit", None, P(200, 200, 404)),
    "experts.retire": ("POST", "/experts/{county_expert}/retire", None, P(302, 302, 404)),
    # ... or by a coordinator who maintains the expert's pool, or the city for departments' contacts.
    "experts.reissue_feed": ("POST", "/experts/{county_expert}/calendar-feed", None, P(302, 302, 404)),
    "experts.new": ("GET", "/experts/new", None, P(200, 200, 200)),
    "experts.export_pools": ("GET", "/pools/export.xlsx", None, P(200, 200, 200)),
    # A coordinator keeping the pool enters busy times for the expert, and reinstates (409: not retired).
    "experts.add_busy": ("POST", "/experts/{county_expert}/busy", {}, P(422, 422, 404)),
    "experts.remove_busy": (
        "POST",
        "/experts/{county_expert}/busy/{county_busy}/delete",
        None,
        P(302, 302, 404),
    ),
    "experts.reinstate": (
        "POST",
        "/experts/{county_expert}/reinstate",
        {"reinstate-reason": "误操作"},
        P(409, 409, 404),
    ),
    "experts.import_page": ("GET", "/experts/import", None, P(200, 200, 200)),
    "experts.import_template": ("GET", "/experts/import/template.csv", None, P(200, 200, 200)),
    "experts_api.list_experts": ("GET", "/api/v1/experts", None, A(200, 200, 200)),
    "experts_api.create_experts": ("POST", "/api/v1/experts", lambda w: _expert_api(), A(201, 201, 403)),
    "experts_api.get_expert": ("GET", "/api/v1/experts/{county_expert}", None, A(200, 200, 404)),
    "experts_api.patch_expert": (
        "PATCH",
        "/api/v1/experts/{county_expert}",
        {"title": "教授"},
        A(200, 200, 404),
    ),
    "experts_api.retire_expert": ("DELETE", "/api/v1/experts/{county_expert}", None, A(200, 200, 404)),
    # Matters, panels, draw records, plans, reports: the county's own and the city's.
    "matters.index": ("GET", "/matters", None, P(200, 200, 200)),
    "matters.new": ("GET", "/matters/new", None, P(200, 200, 200)),
    "matters.detail": ("GET", "/matters/{matter}", None, P(200, 200, 404)),
    "matters.update_stage": ("POST", "/matters/{matter}/stage", {"stage": "2"}, P(302, 302, 404)),
    "matters.edit": ("GET", "/matters/{matter}/edit", None, P(200, 200, 404)),
    "matters_api.list_matters": ("GET", "/api/v1/matters", None, A(200, 200, 200)),
    "matters_api.create_matter": ("POST", "/api/v1/matters", lambda w: _matter_api(), A(201, 201, 403)),
    "matters_api.get_matter": ("GET", "/api/v1/matters/{matter}", None, A(200, 200, 404)),
    "panels.new": ("GET", "/matters/{matter}/panels/new", None, P(200, 200, 404)),
    "panels.detail": ("GET", "/panels/{panel}", None, P(200, 200, 404)),
    "panels.confirm": ("POST", "/panels/{proposed}/confirm", None, P(302, 302, 404)),
    "panels.cancel": ("POST", "/panels/{proposed}/cancel", None, P(302, 302, 404)),
    "draws.record": ("GET", "/draws/{draw}", None, P(200, 200, 404)),
    "draws.download": ("GET", "/draws/{draw}/record.json", None, P(200, 200, 404)),
    "draws.reveal": (
        "POST",
        "/draws/{committed}/reveal",
        {"witness": "马监督", "witness_input": "483920"},
        P(302, 302, 404),
    ),
    "draws.verify_help": ("GET", "/help/verify-draw", None, EVERYONE(200)),
    "draws_api.get_draw": ("GET", "/api/v1/draws/{draw}", None, A(200, 200, 404)),
    "panels_api.commit_draw": (
        "POST",
        "/api/v1/matters/{matter}/draws",
        lambda w: {"size": 2, "seats": {}, "min_senior": 0, "window": w["window"], "duration_minutes": 120},
        A(201, 201, 404),
    ),
    "panels_api.reveal_draw": (
        "POST",
        "/api/v1/draws/{committed}/reveal",
        {"witness": "马监督", "witness_input": "483920"},
        A(201, 201, 404),
    ),
    "panels_api.propose": (
        "POST",
        "/api/v1/matters/{matter}/panels",
        lambda w: {"size": 2, "seats": {}, "min_senior": 0, "window": w["window"], "duration_minutes": 120},
        A(201, 201, 404),
    ),
    "panels_api.get_panel": ("GET", "/api/v1/panels/{panel}", None, A(200, 200, 404)),
    "panels_api.confirm": ("POST", "/api/v1/panels/{proposed}/confirm", None, A(200, 200, 404)),
    "panels_api.reschedule": (
        "POST",
        "/api/v1/panels/{proposed}/reschedule",
        lambda w: {"window": w["window"]},
        A(200, 200, 404),
    ),
    "panels_api.cancel": ("POST", "/api/v1/panels/{proposed}/cancel", None, A(200, 200, 404)),
    "plans.index": ("GET", "/plans", None, P(200, 200, 200)),
    "plans.detail": ("GET", "/plans/{plan}", None, P(200, 200, 404)),
    "plans.apply": ("POST", "/plans/{plan}/apply", None, P(302, 302, 404)),
    "plans_api.create": (
        "POST",
        "/api/v1/plans",
        lambda w: [
            {
                "matter_id": w["matter"],
                "size": 2,
                "seats": {},
                "min_senior": 0,
                "window": w["window"],
                "duration_minutes": 120,
            }
        ],
        A(202, 202, 422),
    ),
    "plans_api.get": ("GET", "/api/v1/plans/{plan}", None, A(200, 200, 404)),
    "plans_api.apply": ("POST", "/api/v1/plans/{plan}/apply", None, A(201, 201, 404)),
    "reports.filing": ("GET", "/matters/{matter}/filing", None, P(200, 200, 404)),
    "reports.filing_xlsx": ("GET", "/matters/{matter}/filing.xlsx", None, P(200, 200, 404)),
    "reports.archive": ("GET", "/matters/{matter}/archive.zip", None, P(200, 200, 404)),
    "reports.statistics": ("GET", "/reports", None, P(200, 200, 200)),
    "reports.statistics_xlsx": ("GET", "/reports.xlsx", None, P(200, 200, 200)),
    # The outbox: each coordinator sees the mail of their own scope.
    "invitations.outbox_page": ("GET", "/outbox", None, P(200, 200, 200)),
    "invitations.outbox_deliver": ("POST", "/outbox/deliver", None, P(302, 302, 302)),
    # Joint meetings, departments and their contacts are the city office's.
    "meetings.index": ("GET", "/joint-meetings", None, P(200, 403, 403)),
    "meetings.new": ("GET", "/joint-meetings/new", None, P(200, 403, 403)),
    "meetings.detail": ("GET", "/joint-meetings/{meeting}", None, P(200, 403, 403)),
    "meetings.invite": ("POST", "/joint-meetings/{meeting}/invite", None, P(302, 403, 403)),
    "meetings.move": ("POST", "/joint-meetings/{meeting}/move", {}, P(302, 403, 403)),
    "meetings.cancel": ("POST", "/joint-meetings/{meeting}/cancel", None, P(302, 403, 403)),
    "meetings.quarterly": ("POST", "/joint-meetings/quarterly", {}, P(302, 403, 403)),
    "meetings.departments": ("GET", "/joint-meetings/departments", None, P(200, 403, 403)),
    "meetings.department": ("GET", "/joint-meetings/departments/{department}", None, P(200, 403, 403)),
    "meetings.add_busy": ("POST", "/joint-meetings/departments/{department}/busy", {}, P(200, 403, 403)),
    "meetings.remove_busy": ("POST", "/joint-meetings/busy/{contact_busy}/delete", None, P(302, 403, 403)),
    "meetings.reissue_feed": (
        "POST",
        "/joint-meetings/contacts/{contact}/calendar-feed",
        None,
        P(302, 403, 403),
    ),
    "meetings.add_contact": (
        "POST",
        "/joint-meetings/departments/{department}/contacts",
        {},
        P(200, 403, 403),
    ),
    "meetings_api.index": ("GET", "/api/v1/joint-meetings", None, A(200, 403, 403)),
    "meetings_api.create": (
        "POST",
        "/api/v1/joint-meetings",
        lambda w: {"title": "新会议", "required": ["发改委"], "window": w["window"], "duration_minutes": 60},
        A(201, 403, 403),
    ),
    "meetings_api.get": ("GET", "/api/v1/joint-meetings/{meeting}", None, A(200, 403, 403)),
    "meetings_api.cancel": ("POST", "/api/v1/joint-meetings/{meeting}/cancel", None, A(200, 403, 403)),
    # Every login sees the departments; only coordinators their contacts' phones and e-mail.
    "departments_api.list_departments": ("GET", "/api/v1/departments", None, {**EVERYONE(200), "anon": 401}),
    # Rooms: every coordinator sees them, the city edits them.
    "rooms.index": ("GET", "/rooms", None, P(200, 200, 200)),
    "rooms.detail": ("GET", "/rooms/{room}", None, P(200, 200, 200)),
    # The calendar of holidays and make-up workdays governs every county's draws: the city keeps it.
    "calendar_admin.index": ("GET", "/calendar", None, P(200, 200, 200)),
    "calendar_admin.add_day": ("POST", "/calendar/days", {}, P(200, 403, 403)),
    "calendar_admin.remove_day": ("POST", "/calendar/days/{day}/delete", None, P(302, 403, 403)),
    "calendar_admin.import_days": ("POST", "/calendar/import", {}, P(200, 403, 403)),
    "calendar_admin.mark_year": ("POST", "/calendar/years", {}, P(302, 403, 403)),
    "calendar_admin.reopen_year": ("POST", "/calendar/years/{year}/reopen", None, P(302, 403, 403)),
    "dashboard.month": ("GET", "/calendar/month", None, P(200, 200, 200)),
    # Credit: a county rates its own panels and adjusts its own pool's experts; experts see only their
    # own credit and leave; departments nothing. The panel here has not met yet (409: nothing to rate).
    "credit.evaluate": ("GET", "/panels/{panel}/evaluation", None, P(200, 200, 404)),
    "credit.expert": ("GET", "/experts/{county_expert}/credit", None, P(200, 200, 404)),
    "credit.manual_entry": (
        "POST",
        "/experts/{county_expert}/credit/entries",
        {"delta": "-5", "reason": "投诉"},
        P(302, 302, 404),
    ),
    "credit.suspend": ("POST", "/experts/{county_expert}/credit/suspension", {}, P(422, 422, 404)),
    "credit.lift": ("POST", "/experts/{county_expert}/credit/lift", {"reason": "复核"}, P(409, 409, 404)),
    "credit.leave_on_behalf": ("POST", "/experts/{county_expert}/leave", {}, P(422, 422, 404)),
    "credit.withdraw_on_behalf": (
        "POST",
        "/experts/{county_expert}/leave/{county_leave}/withdraw",
        None,
        P(302, 302, 404),
    ),
    "credit.my_credit": ("GET", "/me/credit", None, PORTAL(200, 403)),
    "credit.my_leave": ("GET", "/me/leave", None, PORTAL(200, 403)),
    "credit.declare_my_leave": ("POST", "/me/leave", {}, PORTAL(422, 403)),
    "credit.withdraw_my_leave": ("POST", "/me/leave/{leave}/withdraw", None, PORTAL(302, 403)),
    "credit.settings": ("GET", "/credit/settings", None, P(200, 200, 200)),
    "credit.yearly_report": ("GET", "/credit/report", None, P(200, 200, 200)),
    "credit.yearly_report_xlsx": ("GET", "/credit/report.xlsx", None, P(200, 200, 200)),
    "credit_api.list_evaluations": ("GET", "/api/v1/panels/{panel}/evaluations", None, A(200, 200, 404)),
    "credit_api.evaluate": (
        "POST",
        "/api/v1/panels/{panel}/evaluations",
        [{"expert_id": 1, "attendance": "present", "score": 4}],
        A(409, 409, 404),
    ),
    "credit_api.manual_entry": (
        "POST",
        "/api/v1/experts/{county_expert}/credit",
        {"delta": -5, "reason": "投诉"},
        A(201, 201, 404),
    ),
    "credit_api.suspension": (
        "POST",
        "/api/v1/experts/{county_expert}/suspension",
        {"until": None, "reason": "复核"},
        A(409, 409, 404),
    ),
    "credit_api.list_leave": (
        "GET",
        "/api/v1/experts/{expert}/leave",
        None,
        {**A(200, 200, 404), "expert": 200},
    ),
    "credit_api.declare_leave": (
        "POST",
        "/api/v1/experts/{expert}/leave",
        lambda w: {"start": w["leave_days"][0], "end": w["leave_days"][1], "reason": "出差"},
        {**A(201, 201, 404), "expert": 201},
    ),
    "credit_api.withdraw_leave": (
        "DELETE",
        "/api/v1/experts/{expert}/leave/{leave}",
        None,
        {**A(200, 200, 404), "expert": 200},
    ),
    # Each office's name and phone: everyone reads them, the city and the county itself change them.
    "offices.index": ("GET", "/offices", None, P(200, 200, 200)),
    "offices.update": ("POST", "/offices/{own_pool}", {}, P(422, 422, 403)),
    # Checking the audit log's hash chain: the city office's action (everyone sees the result).
    "dashboard.verify_audit": ("POST", "/audit/verify", None, P(302, 403, 403)),
}


# --- running a case ---------------------------------------------------------------------------


def _client(app: Any, world: World, role: str) -> Any:
    client = app.test_client()
    if role != "anon":
        with client.session_transaction() as session:
            session["_user_id"] = str(world.users[role])
            session["_sid"] = world.sessions[role]
            session["_fresh"] = True
    return client


def call(app: Any, world: World, endpoint: str, role: str) -> Any:
    method, path, body, _expected = TABLE[endpoint]
    url = path.format(**world.ids)
    client = _client(app, world, role)
    headers = {}
    if url.startswith("/api/") and role != "anon":
        headers["Authorization"] = f"Bearer {world.api_tokens[role]}"
    kwargs: dict[str, Any] = {"headers": headers}
    if body is not None:
        kwargs["json" if url.startswith("/api/") else "data"] = body(world.ids) if callable(body) else body
    return _read(client.open(url, method=method, **kwargs))


def _read(response: Any) -> Any:
    response.get_data()  # kept on the response; the file behind a static answer is closed
    response.close()
    return response


def fresh(app: Any, template: Path, work: Path) -> None:
    from wenping_sched.extensions import db

    with app.app_context():
        db.session.remove()
        db.engine.dispose()
    shutil.copyfile(template, work)


def test_every_rule_is_in_the_table(setting: tuple[Any, World, Path, Path]) -> None:
    app = setting[0]
    rules = {r.endpoint for r in app.url_map.iter_rules()}
    missing = sorted(rules - TABLE.keys())
    assert not missing, f"routes without a permissions entry (add them to TABLE): {missing}"
    assert not sorted(TABLE.keys() - rules), "entries for routes that no longer exist"


CASES = [(endpoint, role) for endpoint in TABLE for role in ROLES]


@pytest.mark.parametrize(("endpoint", "role"), CASES, ids=[f"{e}-{r}" for e, r in CASES])
def test_permission(setting: tuple[Any, World, Path, Path], endpoint: str, role: str) -> None:
    app, world, template, work = setting
    fresh(app, template, work)
    response = call(app, world, endpoint, role)
    expected = TABLE[endpoint][3][role]
    assert response.status_code == expected, (
        endpoint,
        role,
        response.status_code,
        response.get_data(as_text=True)[:300],
    )
    if response.status_code == 302 and role == "anon":
        assert "/login" in response.headers["Location"]
    if TABLE[endpoint][1].startswith("/api/") and response.status_code >= 400:
        assert set(response.get_json()["error"]) >= {"code", "message", "fields"}
    if role in ("anon", "expert", "dept") and not response.mimetype.startswith("image/"):
        text = response.get_data(as_text=True)
        leaked = [s for s in world.secrets if re.search(rf"(?<![\w.@+-]){re.escape(s)}(?![\w.@-])", text)]
        assert not leaked, (endpoint, role, leaked[:3])


# --- what each may see, beyond the status ------------------------------------------------------


def _get(setting: tuple[Any, World, Path, Path], role: str, url: str, **kwargs: Any) -> Any:
    app, world, template, work = setting
    fresh(app, template, work)
    return _read(_client(app, world, role).open(url.format(**world.ids), **kwargs))


def test_an_expert_sees_only_their_own_invitations(setting: tuple[Any, World, Path, Path]) -> None:
    world = setting[1]
    mine = _get(setting, "expert", "/me").get_data(as_text=True)
    assert world.ids["matter_title"] in mine
    theirs = _get(setting, "outsider", "/me").get_data(as_text=True)
    assert world.ids["matter_title"] not in theirs
    # The RSVP link names one invitation; a forged one finds nothing.
    forged = _get(setting, "anon", "/rsvp/{rsvp}x")
    assert forged.status_code in (400, 404, 410) and world.ids["matter_title"] not in forged.get_data(
        as_text=True
    )


def test_a_department_answers_only_its_own_invitations(setting: tuple[Any, World, Path, Path]) -> None:
    from wenping_sched.extensions import db
    from wenping_sched.models.outbox import Invitation

    app, world = setting[0], setting[1]
    resp = _get(
        setting,
        "police",
        "/me/meetings/{dept_invitation}/answer",
        method="POST",
        data={"response": "accept", "attendee": "李四"},
    )
    assert resp.status_code == 404
    with app.app_context():
        invitation = db.session.get(Invitation, world.ids["dept_invitation"])
        assert invitation is not None and invitation.response == "pending"


def test_phone_and_email_only_to_coordinators(setting: tuple[Any, World, Path, Path]) -> None:
    app, world, template, work = setting
    for role, shown in (("city", True), ("other", True), ("expert", False), ("dept", False)):
        fresh(app, template, work)
        body = _read(
            _client(app, world, role).get(
                "/api/v1/departments", headers={"Authorization": f"Bearer {world.api_tokens[role]}"}
            )
        ).get_json()
        contacts = [c for d in body for c in d["contacts"]]
        assert contacts
        assert all((c["phone"] is not None) == shown and (c["email"] is not None) == shown for c in contacts)


def test_a_room_does_not_name_another_countys_matter(setting: tuple[Any, World, Path, Path]) -> None:
    world = setting[1]
    assert world.ids["matter_title"] in _get(setting, "own", "/rooms/{room}").get_data(as_text=True)
    assert world.ids["matter_title"] in _get(setting, "city", "/rooms/{room}").get_data(as_text=True)
    page = _get(setting, "other", "/rooms/{room}").get_data(as_text=True)
    assert world.ids["matter_title"] not in page and "其他县区的评审组" in page


# --- write scope: what an import (and POST /api/v1/experts) may create or change ---------------

# The importer matches rows to stored experts by phone. A row may create an expert in a pool the
# caller maintains, or change one stored there; a phone that belongs to an expert anywhere else is
# a row error naming nobody. (target → outcome per coordinator: created, updated or refused.)
IMPORT_TARGETS = {
    "own county, new": ("敦煌市", None),
    "own county, existing": ("敦煌市", "county_expert"),
    "city pool, new": ("市级", None),
    "city pool, existing": ("市级", "city_expert"),
    "other county, existing": ("玉门市", "other_county_expert"),
    "own county row, phone of a city expert": ("敦煌市", "city_expert"),
    "own county row, phone of another county's expert": ("敦煌市", "other_county_expert"),
}
IMPORT_SCOPE: dict[str, dict[str, str]] = {
    "city": {
        "own county, new": "created",
        "own county, existing": "updated",
        "city pool, new": "created",
        "city pool, existing": "updated",
        "other county, existing": "updated",
        "own county row, phone of a city expert": "updated",  # the city may move an expert
        "own county row, phone of another county's expert": "updated",
    },
    "own": {
        "own county, new": "created",
        "own county, existing": "updated",
        "city pool, new": "refused",
        "city pool, existing": "refused",
        "other county, existing": "refused",
        "own county row, phone of a city expert": "refused",
        "own county row, phone of another county's expert": "refused",
    },
    "other": {
        "own county, new": "refused",  # 敦煌市 is another county for 玉门市's coordinator
        "own county, existing": "refused",
        "city pool, new": "refused",
        "city pool, existing": "refused",
        "other county, existing": "updated",  # its own pool
        "own county row, phone of a city expert": "refused",
        "own county row, phone of another county's expert": "refused",
    },
}
IMPORT_CASES = [(role, target) for role in IMPORT_SCOPE for target in IMPORT_TARGETS]


@pytest.mark.parametrize(("role", "target"), IMPORT_CASES, ids=[f"{r}-{t}" for r, t in IMPORT_CASES])
def test_import_write_scope(setting: tuple[Any, World, Path, Path], role: str, target: str) -> None:
    from wenping_sched.experts.importer import ImportFailed, import_experts
    from wenping_sched.extensions import db
    from wenping_sched.models import Expert, User

    app, world, template, work = setting
    fresh(app, template, work)
    pool, existing = IMPORT_TARGETS[target]
    with app.app_context():
        user = db.session.get(User, world.users[role])
        stored = db.session.get(Expert, world.ids[existing]) if existing else None
        before = (stored.name, stored.email, stored.pool.code) if stored else None
        phone = stored.phone if stored else "13912340000"
        outsider = stored.name if stored else ""
        header = "姓名,专家库,工作单位,专业领域,手机,邮箱\r\n"
        csv = header + f"导入者,{pool},导入单位,法律,{phone},taken@evil.example\r\n"
        try:
            result = import_experts(csv.encode("utf-8"), "experts.csv", user)
        except ImportFailed as e:
            outcome = "refused"
            text = " ".join(f"{x.value} {x.message}" for x in e.errors)
            # A row error never names an expert the caller may not maintain.
            assert not outsider or outsider not in text, text
        else:
            outcome = "created" if result.created else "updated"
        assert outcome == IMPORT_SCOPE[role][target], (role, target, outcome)
        if outcome == "refused" and stored is not None:
            db.session.expire_all()
            again = db.session.get(Expert, stored.id)
            assert again is not None and (again.name, again.email, again.pool.code) == before
        db.session.remove()


API_POOLS = {"own county": OWN, "city pool": "city", "other county": OTHER}
API_SCOPE = {
    "city": {"own county": 201, "city pool": 201, "other county": 201},
    "own": {"own county": 201, "city pool": 403, "other county": 403},
    "other": {"own county": 403, "city pool": 403, "other county": 201},
}
API_CASES = [(role, pool) for role in API_SCOPE for pool in API_POOLS]


@pytest.mark.parametrize(("role", "pool"), API_CASES, ids=[f"{r}-{p}" for r, p in API_CASES])
def test_api_create_write_scope(setting: tuple[Any, World, Path, Path], role: str, pool: str) -> None:
    app, world, template, work = setting
    fresh(app, template, work)
    body = {"name": "新专家", "pool": API_POOLS[pool], "employer": "新单位", "sectors": ["法律"]}
    headers = {"Authorization": f"Bearer {world.api_tokens[role]}"}
    resp = _read(_client(app, world, role).post("/api/v1/experts", json=body, headers=headers))
    assert resp.status_code == API_SCOPE[role][pool], resp.get_json()

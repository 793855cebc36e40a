"""The demo city: pool sizes, sector coverage, departments, rooms, matters, idempotence."""

from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime, time
from zoneinfo import ZoneInfo

from sqlalchemy import func, select

from wenping_sched.demo import SEED_MATTERS, load_demo_data
from wenping_sched.extensions import db
from wenping_sched.models import (
    CITY,
    COUNTIES,
    SEED_SECTORS,
    Contact,
    Department,
    Expert,
    ExpertBusy,
    Matter,
    Room,
    User,
)

SHANGHAI = ZoneInfo("Asia/Shanghai")


def _counts() -> dict[str, int]:
    models = {"experts": Expert, "busy": ExpertBusy, "contacts": Contact, "rooms": Room, "matters": Matter}
    models["users"] = User
    return {k: int(db.session.scalar(select(func.count()).select_from(m)) or 0) for k, m in models.items()}


def test_demo_city(app):
    result = load_demo_data()
    experts = list(db.session.scalars(select(Expert)))
    by_pool: dict[str, list[Expert]] = {}
    for expert in experts:
        by_pool.setdefault(expert.pool.code, []).append(expert)

    assert len(by_pool[CITY]) == 64
    for county in COUNTIES:
        assert 30 <= len(by_pool[county]) <= 36, county
    city_sectors = Counter(s for e in by_pool[CITY] for s in e.sector_names)
    assert all(city_sectors[s] >= 2 for s in SEED_SECTORS), city_sectors
    for pool, members in by_pool.items():
        assert len({e.name for e in members}) == len(members), pool
        senior = sum(e.senior for e in members) / len(members)
        assert 0.3 <= senior <= 0.5, pool
        assert all(1 <= len(e.sectors) <= 3 for e in members)
    phones = [e.phone for e in experts]
    assert len(set(phones)) == len(phones)
    assert all(p is not None and len(p) == 11 and p.startswith("1") and p.isdigit() for p in phones)
    assert all(e.email and e.email.endswith("@example.cn") for e in experts)
    assert 0.1 <= sum(bool(e.interests) for e in experts) / len(experts) <= 0.2

    required = list(db.session.scalars(select(Department).where(Department.required.is_(True))))
    assert len(required) == 13
    assert all(len(d.contacts) == 2 for d in required)
    rooms = {r.name: r.capacity for r in db.session.scalars(select(Room))}
    assert rooms == {"市委第三会议室": 30, "市政府小会议室": 12, "市维稳办会商室": 16}
    titles = set(db.session.scalars(select(Matter.title)))
    assert len(titles) >= 26
    assert {m.title for m in SEED_MATTERS} <= titles
    assert {"敦煌机场扩建", "肃北县第五届那达慕民族文化风情旅游节"} <= titles

    assert result["experts"] == len(experts)
    assert [login[0] for login in result["logins"]] == ["demo", "suzhou", "expert1", "fagaiwei"]


def test_every_matter_has_someone_to_avoid(app):
    load_demo_data()
    experts = list(db.session.scalars(select(Expert)))
    for matter in db.session.scalars(select(Matter)):
        conflicts = set(matter.conflicts)
        stakes = [
            e
            for e in experts
            if e.pool.code in matter.pools and (e.employer in conflicts or conflicts & set(e.interests))
        ]
        assert stakes, matter.title


def test_busy_periods_are_half_days_ahead(app):
    load_demo_data()
    now = datetime.now(UTC)
    blocks = list(db.session.scalars(select(ExpertBusy)))
    assert blocks
    for block in blocks:
        start, end = block.start.astimezone(SHANGHAI), block.end.astimezone(SHANGHAI)
        assert block.start > now
        assert (start.time(), end.time()) in {(time(8, 30), time(12, 0)), (time(14, 30), time(18, 0))}
        assert start.weekday() < 5


def test_demo_logins_work(app):
    from wenping_sched.auth.operations import authenticate

    result = load_demo_data()
    for username, password, _description in result["logins"]:
        assert authenticate(username, password).username == username
    expert1 = db.session.scalar(select(User).where(User.username == "expert1"))
    assert expert1 is not None and expert1.expert is not None and expert1.expert.pool.code == CITY
    suzhou = db.session.scalar(select(User).where(User.username == "suzhou"))
    assert suzhou is not None and suzhou.scope == "肃州区"


def test_loading_twice_adds_nothing(app):
    first = load_demo_data()
    before = _counts()
    second = load_demo_data()
    assert _counts() == before
    assert second["experts_created"] == second["matters_created"] == second["contacts_created"] == 0
    assert first["experts_created"] == before["experts"]


def test_demo_activity_shows_a_city_at_work(app):
    from solver.instance import parse_panel_solution, parse_panels
    from solver.validate import validate_panels
    from wenping_sched.demo import load_demo_activity
    from wenping_sched.models import DrawRecord, JointMeeting, Panel
    from wenping_sched.models.outbox import OutboxMessage

    load_demo_data()
    first = load_demo_activity()
    assert first == {"panels_created": 2, "meetings_created": 1}
    statuses = sorted(p.status for p in db.session.scalars(select(Panel)))
    assert statuses == ["inviting", "proposed"]
    assert db.session.scalar(select(JointMeeting.status)) == "inviting"
    # With no mail server the invitations wait in the outbox, where coordinators can read them.
    assert db.session.scalar(select(func.count()).select_from(OutboxMessage)) >= 5 + 13
    for record in db.session.scalars(select(DrawRecord)):
        instance = parse_panels(record.instance)
        assert validate_panels(instance, parse_panel_solution(record.solution, instance.timezone)) == []
    assert load_demo_activity() == {"panels_created": 0, "meetings_created": 0}

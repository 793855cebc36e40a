"""Demo credit: two panels that met a fortnight ago (one rated, one waiting for its rating), an expert
suspended for falling under the threshold, and a leave declared by the demo expert.

Loaded once (nothing is added while any evaluation exists). The past panels are drawn by the
solver like any other; their members are recorded as having accepted, which is what happened
before the demo begins.
"""

from __future__ import annotations

from datetime import datetime, time, timedelta

from sqlalchemy import func, select

from ..extensions import db
from ..models import Matter, Panel, User
from ..models.credit import Evaluation
from ..operations import OperationError
from ..standing.points import active_suspension
from ..timeutil import at_local, local_now
from ..validation import recording_history
from . import evaluations, leave, operations


def _past_window() -> tuple[datetime, datetime]:
    """Monday to Friday two weeks ago."""
    today = local_now().date()
    monday = today - timedelta(days=today.weekday() + 14)
    return at_local(monday, time(8, 30)), at_local(monday + timedelta(days=4), time(18, 0))


def _met_panel(user: User, matter: Matter, size: int) -> Panel:
    from ..panels import operations as panel_operations

    with recording_history():  # the meeting took place before the demo begins
        panel = panel_operations.propose_panel(
            user,
            matter,
            {"size": size, "seats": {}, "min_senior": 1, "window": _past_window(), "duration_minutes": 180},
        )
    panel.status = "confirmed"
    for m in panel.members:
        m.state, m.answered_at = "accepted", panel.created_at
    db.session.flush()
    return panel


def load_demo_credit() -> dict[str, int]:
    """Evaluations, one suspension and one leave, so the credit pages show something (idempotent)."""
    empty = {"evaluations_created": 0, "suspensions_created": 0, "leaves_created": 0}
    if db.session.scalar(select(func.count()).select_from(Evaluation)):
        return empty
    city = db.session.scalar(select(User).where(User.username == "demo"))
    expert_user = db.session.scalar(select(User).where(User.username == "expert1"))
    city_matter = db.session.scalars(
        select(Matter).where(Matter.county.is_(None)).order_by(Matter.id.desc())
    ).first()
    county_matter = db.session.scalars(
        select(Matter).where(Matter.county == "肃州区").order_by(Matter.id.desc())
    ).first()
    if city is None or city_matter is None or county_matter is None:
        return empty
    try:
        rated = _met_panel(city, city_matter, 5)
        _met_panel(city, county_matter, 5)  # left for 肃州区 to rate: it shows on the dashboards
        members = [m.expert for m in rated.members]
        ratings = [
            {"expert_id": members[0].id, "attendance": "present", "score": 5, "remarks": "意见具体，可操作"},
            {"expert_id": members[1].id, "attendance": "absent", "remarks": "未请假，电话未接"},
            {"expert_id": members[2].id, "attendance": "late", "score": 4, "remarks": "迟到二十分钟"},
            {"expert_id": members[3].id, "attendance": "present", "score": 2, "remarks": "未阅材料"},
            {"expert_id": members[4].id, "attendance": "present", "score": 4},
        ]
        created = evaluations.evaluate(city, rated, ratings)
        # The absent member had a complaint against them as well: 100 − 20 − 25 = 55, suspended at once.
        operations.manual_entry(city, members[1], -25, "群众投诉：评审期间接受项目单位宴请")
        leaves = 0
        if expert_user is not None and expert_user.expert is not None:
            start = local_now().date() + timedelta(days=21)
            leave.declare(
                expert_user,
                expert_user.expert,
                at_local(start, time(0)),
                at_local(start + timedelta(days=3), time(0)),
                "赴省城参加学术会议",
            )
            leaves = 1
    except OperationError:
        # The demo's busy periods are random: if that fortnight had no room, there is no credit demo.
        db.session.rollback()
        return empty
    db.session.commit()
    suspended = 1 if active_suspension(members[1].id) is not None else 0
    return {"evaluations_created": len(created), "suspensions_created": suspended, "leaves_created": leaves}

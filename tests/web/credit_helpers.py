"""Shared steps of the credit tests: draw a real panel, answer its invitations, let its time pass."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from solver.instance import parse_panel_solution, parse_panels
from solver.validate import validate_panels


def window(weeks_ahead: int = 3, days: int = 5) -> tuple[datetime, datetime]:
    """Monday to Friday a few weeks from now, local time."""
    from wenping_sched.timeutil import local_now

    now = local_now()
    monday = (now + timedelta(days=7 * weeks_ahead - now.weekday())).replace(
        hour=8, minute=30, second=0, microsecond=0
    )
    return monday, (monday + timedelta(days=days - 1)).replace(hour=18, minute=0)


def validated(record: Any) -> None:
    """Every draw in the tests goes through the independent validator."""
    instance = parse_panels(record.instance)
    assert validate_panels(instance, parse_panel_solution(record.solution, instance.timezone)) == []


def city_experts(expert_factory: Any, n: int = 5, pool: str = "city") -> list[Any]:
    return [expert_factory(pool=pool, sectors=("法律",), employer=f"{pool}单位{i}") for i in range(n)]


def draw(user: Any, matter: Any, size: int = 3, weeks_ahead: int = 3, confirm: bool = True) -> Any:
    """A panel drawn by the solver (its record validated) and, by default, confirmed (invited)."""
    from wenping_sched.extensions import db
    from wenping_sched.panels import operations

    panel = operations.propose_panel(
        user,
        matter,
        {"size": size, "seats": {}, "min_senior": 0, "window": window(weeks_ahead), "duration_minutes": 120},
    )
    db.session.commit()
    validated(panel.draws[0])
    if confirm:
        operations.confirm_panel(user, panel)
        db.session.commit()
    return panel


def invitation_of(panel: Any, expert_id: int) -> Any:
    from sqlalchemy import select

    from wenping_sched.extensions import db
    from wenping_sched.models.outbox import Invitation

    return db.session.scalar(
        select(Invitation).where(
            Invitation.subject_type == "panel",
            Invitation.subject_id == panel.id,
            Invitation.person_id == expert_id,
        )
    )


def accept_all(panel: Any) -> None:
    """Every invited member accepts (as from the link in their mail)."""
    from wenping_sched.extensions import db
    from wenping_sched.invitations import rsvp

    for m in panel.members:
        if m.state == "pending":
            rsvp.answer(invitation_of(panel, m.expert_id), "accept")
    db.session.commit()


def move(panel: Any, start: datetime) -> None:
    """The panel's meeting at ``start`` instead (as if the calendar had moved on): same length."""
    from wenping_sched.extensions import db

    length = panel.end - panel.start
    panel.start, panel.end = start, start + length
    db.session.commit()


def met(panel: Any, hours_ago: float = 3) -> None:
    """The meeting is over: it ended ``hours_ago``."""
    from wenping_sched.models.types import utcnow

    move(panel, utcnow() - timedelta(hours=hours_ago) - (panel.end - panel.start))

"""What the panels' and the meetings' bridges share: the calendar block and the solver-bug error."""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy import select

from solver.calendar import WorkCalendar
from solver.instance import CalendarSpec

from ..extensions import db
from ..models import CalendarDay
from ..timeutil import local_tz


class SolverBug(RuntimeError):
    """The validator rejected a solver's solution: never shown to users as a valid draw."""


def calendar_block() -> dict[str, Any]:
    """The instance's calendar: the statutory one plus the coordinators' holidays and make-up workdays."""
    from ..calendar_admin.operations import entered_years, statute_knows

    # A year the statute does not know counts as known only once coordinators have marked it
    # entered: a half-entered year is planned Monday to Friday and flagged, never half-guessed.
    entered = entered_years()
    rows = db.session.execute(select(CalendarDay.date, CalendarDay.kind).order_by(CalendarDay.date))
    days = [(d, kind) for d, kind in rows if d.year in entered or statute_knows(d.year)]
    return {
        "workdays": "cn",
        "holidays": [d.isoformat() for d, kind in days if kind == "holiday"],
        "extra_workdays": [d.isoformat() for d, kind in days if kind == "workday"],
    }


def work_calendar() -> WorkCalendar:
    """The calendar the solvers use, for the app's own date arithmetic (e.g. reminders)."""
    block = calendar_block()
    spec = CalendarSpec(
        holidays=frozenset(date.fromisoformat(d) for d in block["holidays"]),
        extra_workdays=frozenset(date.fromisoformat(d) for d in block["extra_workdays"]),
    )
    return WorkCalendar(spec, str(local_tz()))

"""Dates for web tests: meetings in the future, in weeks without a public holiday.

The service refuses to draw or invite for a time that has passed, so tests cannot use fixed
dates; and a window built as "two weeks from today" lands in the National Day week now and
then, where a test expecting a Monday-morning start fails. ``clear_monday`` picks a Monday at
least ``weeks_ahead`` weeks away that begins ``weeks`` ordinary weeks: Monday to Friday
workdays, the weekend off, by the statutory calendar (a year it does not know yet is taken
Monday to Friday, as the solver does).
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import chinese_calendar

TZ = ZoneInfo("Asia/Shanghai")


def _ordinary(day: date) -> bool:
    try:
        return bool(chinese_calendar.is_workday(day)) == (day.weekday() < 5)
    except NotImplementedError:
        return True


def today() -> date:
    return datetime.now(TZ).date()


def clear_monday(weeks_ahead: int = 2, weeks: int = 2, after: date | None = None) -> date:
    """The first Monday ``weeks_ahead`` weeks or more after ``after`` (today) that starts ``weeks``
    ordinary weeks."""
    start = after or today()
    monday = start + timedelta(days=7 * weeks_ahead - start.weekday())
    while not all(_ordinary(monday + timedelta(days=d)) for d in range(7 * weeks)):
        monday += timedelta(days=7)
    return monday


def at(day: date, clock: str = "08:30") -> str:
    """``2026-12-14T08:30``: a local time as the API takes it."""
    return f"{day.isoformat()}T{clock}"


def window(
    monday: date, first: int = 0, last: int = 4, start: str = "08:30", end: str = "18:00"
) -> list[str]:
    """[day ``first`` at ``start``, day ``last`` at ``end``], counting days from ``monday``."""
    return [at(monday + timedelta(days=first), start), at(monday + timedelta(days=last), end)]


def offset(day: date, clock: str = "08:30") -> str:
    """The time as a solution writes it, with the offset: ``2026-12-14T08:30:00+08:00``."""
    return f"{day.isoformat()}T{clock}:00+08:00"

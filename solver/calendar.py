"""Workdays, work hours and the slot grid (SOLVER.md, "Times and the calendar").

The statutory calendar comes from the ``chinese_calendar`` package. A year it does not know,
and for which the instance gives no dates of its own, is planned Monday to Friday and
reported through :meth:`WorkCalendar.warnings`; holidays are never guessed.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import chinese_calendar

from solver.instance import CalendarSpec, Interval, Warning

DEFAULT_TIMEZONE = "Asia/Shanghai"


def unknown_year_message(year: int) -> str:
    """The coordinator-facing text of a ``calendar_unknown`` warning."""
    return f"{year}年法定节假日安排尚未录入，按周一至周五安排工作日"


class WorkCalendar:
    """Answers which days are workdays and where a meeting may start, for one instance."""

    def __init__(self, spec: CalendarSpec, timezone: str = DEFAULT_TIMEZONE) -> None:
        self.spec = spec
        self.tz = ZoneInfo(timezone)
        self.unknown_years: set[int] = set()
        # A year the instance itself gives dates for is taken as known: the coordinator has
        # entered that year's schedule, so no warning and no fallback.
        self._spec_years = {d.year for d in spec.holidays | spec.extra_workdays}
        self._workday: dict[date, bool] = {}
        self._blocks: dict[date, tuple[Interval, ...]] = {}

    # --- days ---------------------------------------------------------------------------

    def is_workday(self, d: date) -> bool:
        """True when ``d`` is a workday under the instance's calendar."""
        cached = self._workday.get(d)
        if cached is None:
            cached = self._workday[d] = self._compute_workday(d)
        return cached

    def _compute_workday(self, d: date) -> bool:
        if d in self.spec.holidays:
            return False
        if d in self.spec.extra_workdays:
            return True
        weekday = d.weekday() < 5
        if self.spec.workdays == "mon-fri":
            return weekday
        try:
            return bool(chinese_calendar.is_workday(d))
        except NotImplementedError:
            if d.year not in self._spec_years:
                self.unknown_years.add(d.year)
            return weekday

    def warnings(self) -> list[Warning]:
        """One ``calendar_unknown`` warning per year met whose schedule is unknown."""
        return [
            Warning(code="calendar_unknown", year=y, message=unknown_year_message(y))
            for y in sorted(self.unknown_years)
        ]

    # --- blocks and slots ---------------------------------------------------------------

    def day_blocks(self, d: date) -> tuple[Interval, ...]:
        """The work-hours blocks of ``d`` as aware intervals; empty on a day off."""
        cached = self._blocks.get(d)
        if cached is None:
            if self.is_workday(d):
                cached = tuple(
                    (datetime.combine(d, s, tzinfo=self.tz), datetime.combine(d, e, tzinfo=self.tz))
                    for s, e in self.spec.work_hours
                )
            else:
                cached = ()
            self._blocks[d] = cached
        return cached

    def _days(self, window: Interval) -> list[date]:
        first = window[0].astimezone(self.tz).date()
        last = window[1].astimezone(self.tz).date()
        return [first + timedelta(days=i) for i in range((last - first).days + 1)]

    def work_blocks(self, window: Interval) -> list[Interval]:
        """The work-hours blocks of the window's workdays, clipped to the window."""
        out: list[Interval] = []
        for d in self._days(window):
            for b_start, b_end in self.day_blocks(d):
                start, end = max(b_start, window[0]), min(b_end, window[1])
                if start < end:
                    out.append((start, end))
        return out

    def candidate_starts(self, window: Interval, duration_minutes: int) -> list[datetime]:
        """Every grid start whose meeting lies in the window, on one workday, in one block."""
        slot = self.spec.slot_minutes
        duration = timedelta(minutes=duration_minutes)
        out: list[datetime] = []
        for d in self._days(window):
            midnight = datetime.combine(d, time(0), tzinfo=self.tz)
            for b_start, b_end in self.day_blocks(d):
                lo = max(b_start, window[0]).astimezone(self.tz)
                hi = min(b_end, window[1])
                # Round up to the next grid point, counted in wall-clock minutes after midnight.
                offset = lo - midnight
                minutes = -(-offset // timedelta(minutes=1))
                minutes = -(-minutes // slot) * slot
                start = midnight + timedelta(minutes=minutes)
                while start + duration <= hi:
                    out.append(start)
                    start += timedelta(minutes=slot)
        return out

    def on_grid(self, start: datetime) -> bool:
        """True when ``start`` is a whole multiple of the slot length after its midnight."""
        local = start.astimezone(self.tz)
        if local.second or local.microsecond:
            return False
        return (local.hour * 60 + local.minute) % self.spec.slot_minutes == 0

    def block_containing(self, start: datetime, end: datetime) -> Interval | None:
        """The work-hours block of a workday holding all of ``[start, end)``, if any."""
        local = start.astimezone(self.tz)
        for b_start, b_end in self.day_blocks(local.date()):
            if b_start <= start and end <= b_end:
                return (b_start, b_end)
        return None

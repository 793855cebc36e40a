"""The holiday table: add, remove and import dates, mark a year entered, and say which years are missing.

The State Council publishes next year's schedule each November; until a coordinator enters it
here (or the ``chinese_calendar`` package learns it), the solver plans that year Monday to
Friday and warns. Writes go through these functions, which also write the audit log; the
views commit.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable
from dataclasses import dataclass, field

import chinese_calendar
from flask_babel import gettext as _
from sqlalchemy import select

from .. import audit
from ..extensions import db
from ..models import CalendarDay, CalendarYear, User, utcnow
from ..operations import OperationError
from ..timeutil import local_now
from ..validation import text_problem, year_problem

# Words people write for "a day off" and "a day worked", in Chinese and English.
HOLIDAY_WORDS = frozenset(
    {"休", "假", "放假", "休息", "休假", "节假日", "假日", "法定节假日", "holiday", "off", "h", "rest"}
)
WORKDAY_WORDS = frozenset(
    {"班", "上班", "补班", "调休上班", "调休", "工作日", "workday", "work", "w", "makeup", "make-up"}
)
KIND_NAMES = {"holiday": "放假", "workday": "调休上班"}
# A year's schedule is a few dozen lines; a longer paste is a mistake (and unbounded work).
MAX_LINES = 2000

_DATE_PATTERNS = (
    re.compile(r"(\d{4})-(\d{1,2})-(\d{1,2})"),
    re.compile(r"(\d{4})/(\d{1,2})/(\d{1,2})"),
    re.compile(r"(\d{4})\.(\d{1,2})\.(\d{1,2})"),
    re.compile(r"(\d{4})年(\d{1,2})月(\d{1,2})日?"),
    re.compile(r"(\d{4})(\d{2})(\d{2})"),
)
_RANGE = re.compile(r"\s*(?:~|～|至|到|—|–|\.\.)\s*")
_SPLIT = re.compile(r"[,，;；\t|]|\s+")
_HEADER_WORDS = ("日期", "date", "类型", "kind")


def today() -> dt.date:
    """Today in the app's timezone (a function, so tests can move the clock)."""
    return local_now().date()


def statute_knows(year: int) -> bool:
    """Whether the ``chinese_calendar`` package has the State Council's schedule for ``year``."""
    try:
        chinese_calendar.is_workday(dt.date(year, 6, 1))
    except NotImplementedError:
        return False
    return True


def entered_years() -> set[int]:
    return set(db.session.scalars(select(CalendarYear.year).where(CalendarYear.complete.is_(True))))


def years_to_check(on: dt.date) -> list[int]:
    """The current year, and from November (when next year's schedule comes out) the next one."""
    return [on.year, on.year + 1] if on.month >= 11 else [on.year]


def missing_years(on: dt.date | None = None) -> list[int]:
    """The years coordinators must still enter: neither the package nor the table knows them."""
    entered = entered_years()
    return [y for y in years_to_check(on or today()) if not statute_knows(y) and y not in entered]


# --- parsing an import ----------------------------------------------------------------


@dataclass
class ParsedList:
    """The dates of an import list, or the problems that reject it whole."""

    days: dict[dt.date, tuple[str, str]] = field(default_factory=dict)  # date -> (kind, note)
    errors: list[str] = field(default_factory=list)


def _date(text: str) -> dt.date | None:
    text = text.strip()
    for pattern in _DATE_PATTERNS:
        m = pattern.fullmatch(text)
        if m:
            try:
                day = dt.date(int(m[1]), int(m[2]), int(m[3]))
            except ValueError:
                return None
            # The years the app plans in: year 1 or 9999 is a typing slip, not a holiday.
            return None if year_problem(day) else day
    return None


def _kind(word: str) -> str | None:
    w = word.strip().lower()
    if w in HOLIDAY_WORDS:
        return "holiday"
    if w in WORKDAY_WORDS:
        return "workday"
    return None


def _dates_of(text: str) -> list[dt.date] | None:
    """One date, or every date of a range such as ``2027-10-01~2027-10-07``."""
    parts = _RANGE.split(text.strip())
    if len(parts) == 1:
        d = _date(parts[0])
        return [d] if d else None
    if len(parts) != 2:
        return None
    first, last = _date(parts[0]), _date(parts[1])
    if first is None or last is None or last < first or (last - first).days > 31:
        return None
    return [first + dt.timedelta(days=i) for i in range((last - first).days + 1)]


def _split_line(line: str) -> tuple[str, str, str]:
    """(dates, kind word, note): the first field holds the date or range, the next the kind."""
    # A range may be written with spaces around its separator: join it first.
    line = _RANGE.sub("~", line.strip())
    fields = [f for f in _SPLIT.split(line) if f]
    if not fields:
        return "", "", ""
    if len(fields) == 1:
        # "2027-01-01休" or "2027年1月1日班": the kind stuck to the date.
        m = re.fullmatch(r"(.*?\d日?)(\D+)", fields[0])
        return (m[1], m[2], "") if m else (fields[0], "", "")
    return fields[0], fields[1], " ".join(fields[2:])


def parse_day_list(text: str) -> ParsedList:
    """Read lines like ``2027-01-01,休`` / ``2027-02-07,班`` / ``2027-10-01 holiday [note]``.

    Liberal in what it reads (several date forms, Chinese or English words, ranges, comments
    after ``#``, a header row); every bad line is reported with its number.
    """
    out = ParsedList()
    lines = text.split("\n")
    if sum(1 for line in lines if line.strip()) > MAX_LINES:
        out.errors.append(_("列表过长：一次最多 %(n)d 行", n=MAX_LINES))
        return out
    for number, raw in enumerate(lines, 1):
        problem = text_problem(raw.rstrip("\r"), multiline=True)  # a tab may separate the fields
        if problem:
            out.errors.append(_("第%(n)d行：%(p)s", n=number, p=problem))
            continue
        line = raw.split("#", 1)[0].strip().lstrip("\ufeff")
        if not line:
            continue
        dates_text, kind_word, note = _split_line(line)
        dates = _dates_of(dates_text)
        if dates is None:
            if not out.days and not out.errors and any(w in line.lower() for w in _HEADER_WORDS):
                continue  # a header row
            out.errors.append(_("第%(n)d行：无法识别日期“%(d)s”（应如 2027-01-01）", n=number, d=dates_text))
            continue
        kind = _kind(kind_word)
        if kind is None:
            out.errors.append(
                _("第%(n)d行：无法识别类型“%(k)s”（应为“休”或“班”）", n=number, k=kind_word or _("（空）"))
            )
            continue
        for d in dates:
            if kind == "workday" and d.weekday() < 5:
                out.errors.append(
                    _(
                        "第%(n)d行：%(d)s 是周%(w)s，本就是工作日，不能标为调休上班",
                        n=number,
                        d=d.isoformat(),
                        w="一二三四五六日"[d.weekday()],
                    )
                )
                break
            previous = out.days.get(d)
            if previous is not None and previous[0] != kind:
                out.errors.append(
                    _(
                        "第%(n)d行：%(d)s 在前面已列为%(k)s",
                        n=number,
                        d=d.isoformat(),
                        k=_(KIND_NAMES[previous[0]]),
                    )
                )
                break
            out.days[d] = (kind, note[:64])
    if not out.days and not out.errors:
        out.errors.append(_("列表中没有日期"))
    return out


def decode_upload(data: bytes) -> str:
    """An uploaded list as text: UTF-8 (with or without BOM) or GBK, as Excel saves it."""
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise OperationError(_("文件编码无法识别，请保存为 UTF-8 或 GBK 文本"), 422)


# --- writes ---------------------------------------------------------------------------


def _put(d: dt.date, kind: str, note: str, user: User | None) -> CalendarDay:
    row = db.session.scalar(select(CalendarDay).where(CalendarDay.date == d))
    if row is None:
        row = CalendarDay(date=d, kind=kind, note=note, created_by_id=user.id if user else None)
        db.session.add(row)
    else:
        row.kind, row.note = kind, note
    return row


def import_days(user: User, text: str) -> list[int]:
    """Save every date of the list, or none; the list's years count as entered. Returns those years."""
    parsed = parse_day_list(text)
    if parsed.errors:
        raise OperationError(
            _("导入失败，未保存任何日期：") + "；".join(parsed.errors), 422, {"lines": parsed.errors}
        )
    for d, (kind, note) in sorted(parsed.days.items()):
        _put(d, kind, note, user)
    years = sorted({d.year for d in parsed.days})
    for y in years:
        _mark(y, user)
    db.session.flush()
    audit.record("calendar.import", user, target="calendar", days=len(parsed.days), years=years)
    return years


def add_day(user: User, d: dt.date, kind: str, note: str = "") -> CalendarDay:
    if kind not in KIND_NAMES:
        raise OperationError(_("类型应为放假或调休上班"), 422, {"kind": _("类型应为放假或调休上班")})
    if kind == "workday" and d.weekday() < 5:
        raise OperationError(_("%(d)s 本就是工作日，不能标为调休上班", d=d.isoformat()), 422)
    row = _put(d, kind, note.strip()[:64], user)
    db.session.flush()
    audit.record("calendar.add", user, target=f"calendar:{d.isoformat()}", kind=kind)
    return row


def remove_day(user: User, day_id: int) -> None:
    row = db.session.get(CalendarDay, day_id)
    if row is None:
        raise OperationError(_("该日期不存在"), 404)
    audit.record("calendar.remove", user, target=f"calendar:{row.date.isoformat()}", kind=row.kind)
    db.session.delete(row)


def _mark(year: int, user: User | None) -> CalendarYear:
    row = db.session.scalar(select(CalendarYear).where(CalendarYear.year == year))
    if row is None:
        row = CalendarYear(year=year)
        db.session.add(row)
    row.complete = True
    row.entered_at = utcnow()
    row.entered_by_id = user.id if user else None
    return row


def mark_year_entered(user: User, year: int) -> CalendarYear:
    """The coordinator says the year's schedule is complete: the banner for it goes."""
    if not 2000 <= year <= 2100:
        raise OperationError(_("年份不正确"), 422)
    row = _mark(year, user)
    audit.record("calendar.year_entered", user, target=f"calendar:{year}")
    return row


def unmark_year(user: User, year: int) -> None:
    row = db.session.scalar(select(CalendarYear).where(CalendarYear.year == year))
    if row is not None:
        row.complete = False
        audit.record("calendar.year_reopened", user, target=f"calendar:{year}")


# --- reading --------------------------------------------------------------------------


# The statutory holidays as chinese_calendar names them, in Chinese.
STATUTE_NAMES = {
    "New Year's Day": "元旦",
    "Spring Festival": "春节",
    "Tomb-sweeping Day": "清明节",
    "Labour Day": "劳动节",
    "Dragon Boat Festival": "端午节",
    "National Day": "国庆节",
    "Mid-autumn Festival": "中秋节",
    "Anti-Fascist 70th Day": "抗战胜利纪念日",
}


@dataclass(frozen=True)
class DayRun:
    """Consecutive days of one kind and name, as the State Council writes them (10月1日至7日 国庆节)."""

    first: dt.date
    last: dt.date
    name: str

    @property
    def days(self) -> int:
        return (self.last - self.first).days + 1


def _runs(days: Iterable[tuple[dt.date, str]]) -> list[DayRun]:
    runs: list[DayRun] = []
    for d, name in sorted(days):
        if runs and runs[-1].name == name and runs[-1].last + dt.timedelta(days=1) == d:
            runs[-1] = DayRun(runs[-1].first, d, name)
        else:
            runs.append(DayRun(d, d, name))
    return runs


def statute_days(year: int, entered: Iterable[dt.date] = ()) -> tuple[list[DayRun], list[DayRun]]:
    """The holidays and weekend make-up workdays ``chinese_calendar`` has for ``year``, as runs;
    dates a coordinator entered are left out (the entry is what the calendar uses)."""
    if not statute_knows(year):
        return [], []
    skip = set(entered)

    def named(table: dict[dt.date, object]) -> list[tuple[dt.date, str]]:
        return [
            (d, _(STATUTE_NAMES.get(str(name), str(name))))
            for d, name in table.items()
            if d.year == year and d not in skip
        ]

    holidays = named(chinese_calendar.holidays)
    workdays = [(d, name) for d, name in named(chinese_calendar.workdays) if d.weekday() >= 5]
    return _runs(holidays), _runs(workdays)


@dataclass
class YearView:
    year: int
    statute_known: bool
    entered: bool
    holidays: list[CalendarDay]
    workdays: list[CalendarDay]
    statute_holidays: list[DayRun] = field(default_factory=list)
    statute_workdays: list[DayRun] = field(default_factory=list)

    @property
    def missing(self) -> bool:
        return not self.statute_known and not self.entered


def overview(extra_years: Iterable[int] = ()) -> list[YearView]:
    """Every year with entries or marks, plus the years that matter now; the latest first."""
    days = list(db.session.scalars(select(CalendarDay).order_by(CalendarDay.date)))
    entered = entered_years()
    years = {d.date.year for d in days} | entered | set(years_to_check(today())) | set(extra_years)
    years.add(today().year + 1)
    out = []
    for y in sorted(years, reverse=True):
        mine = [d for d in days if d.date.year == y]
        statute_holidays, statute_workdays = statute_days(y, (d.date for d in mine))
        out.append(
            YearView(
                year=y,
                statute_known=statute_knows(y),
                entered=y in entered,
                holidays=[d for d in mine if d.kind == "holiday"],
                workdays=[d for d in mine if d.kind == "workday"],
                statute_holidays=statute_holidays,
                statute_workdays=statute_workdays,
            )
        )
    return out

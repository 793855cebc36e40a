"""The contract's instances and solutions as frozen dataclasses (SOLVER.md, format version 1).

Times are timezone-aware ``datetime`` objects in the instance's timezone. Intervals are
half-open ``(start, end)`` tuples. Parsing reports every problem as a JSON pointer and a
message; it never raises anything but :class:`InstanceError`.
"""

from __future__ import annotations

import contextlib
import itertools
import json
import re
from dataclasses import dataclass, field
from datetime import date, datetime, time
from typing import Any, TypeVar
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

Interval = tuple[datetime, datetime]

PANELS_FORMAT = "wenping-panels/1"
PANELS_SOLUTION_FORMAT = "wenping-panels-solution/1"
MEETINGS_FORMAT = "wenping-meetings/1"
MEETINGS_SOLUTION_FORMAT = "wenping-meetings-solution/1"


@dataclass(frozen=True)
class Problem:
    """One thing wrong with an instance: where (a JSON pointer) and what."""

    pointer: str
    message: str

    def __str__(self) -> str:
        return f"{self.pointer or '/'}: {self.message}"


class InstanceError(ValueError):
    """An invalid instance; ``problems`` lists every problem found."""

    def __init__(self, problems: list[Problem]) -> None:
        super().__init__("\n".join(str(p) for p in problems))
        self.problems = problems


@dataclass(frozen=True)
class CalendarSpec:
    """The instance's ``calendar`` object with the contract's defaults."""

    workdays: str = "cn"  # "cn" or "mon-fri"
    holidays: frozenset[date] = frozenset()
    extra_workdays: frozenset[date] = frozenset()
    work_hours: tuple[tuple[time, time], ...] = ((time(8, 30), time(12, 0)), (time(14, 30), time(18, 0)))
    slot_minutes: int = 30


@dataclass(frozen=True)
class Warning:
    """A non-fatal note in a solution, e.g. ``calendar_unknown``."""

    code: str
    message: str
    year: int | None = None

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {"code": self.code}
        if self.year is not None:
            out["year"] = self.year
        out["message"] = self.message
        return out


@dataclass(frozen=True)
class Reason:
    """Why an item could not be had: a contract code, a Chinese message, and numbers."""

    code: str
    message: str
    details: tuple[tuple[str, Any], ...] = ()  # e.g. (("sector", "法律"), ("needed", 1), ("eligible", 0))

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {"code": self.code}
        out.update(dict(self.details))
        out["message"] = self.message
        return out


# --- panels -------------------------------------------------------------------------


@dataclass(frozen=True)
class Expert:
    id: str
    name: str
    pool: str
    employer: str
    sectors: tuple[str, ...]
    senior: bool = False
    interests: tuple[str, ...] = ()
    busy: tuple[Interval, ...] = ()
    load: int = 0
    max_load: int | None = None


@dataclass(frozen=True)
class Panel:
    id: str
    pools: tuple[str, ...]
    size: int
    window: Interval
    duration_minutes: int
    matter: str = ""
    seats: tuple[tuple[str, int], ...] = ()  # (sector, count), in the instance's order
    min_senior: int = 0
    conflicts: tuple[str, ...] = ()
    exclude: tuple[str, ...] = ()
    fixed: tuple[str, ...] = ()


@dataclass(frozen=True)
class PanelRules:
    max_same_employer: int = 1
    seed: int | None = None


@dataclass(frozen=True)
class PanelInstance:
    timezone: str
    calendar: CalendarSpec
    rules: PanelRules
    experts: tuple[Expert, ...]
    panels: tuple[Panel, ...]

    def expert(self, expert_id: str) -> Expert:
        return self.experts_by_id[expert_id]

    @property
    def experts_by_id(self) -> dict[str, Expert]:
        return {e.id: e for e in self.experts}


@dataclass(frozen=True)
class Lottery:
    """A panel's whole-ticket lottery (SOLVER.md): member sets with ticket counts, in canonical order."""

    total: int
    tickets: tuple[tuple[tuple[str, ...], int], ...]  # (sorted expert ids, count), sorted by the id lists
    ticket: int | None = None  # the drawn ticket, once a seed is known
    # The chances as a solution file published them (read back by parse_panel_solution), for the
    # validator to compare with the ticket shares; None for lotteries the solver made.
    published: tuple[tuple[str, float], ...] | None = None

    def tickets_json(self) -> list[dict[str, Any]]:
        return [{"experts": list(experts), "count": count} for experts, count in self.tickets]

    def chances(self) -> dict[str, float]:
        """Each expert's share of the tickets, to 4 decimals."""
        held: dict[str, int] = {}
        for experts, count in self.tickets:
            for e in experts:
                held[e] = held.get(e, 0) + count
        return {e: round(n / self.total, 4) for e, n in sorted(held.items())}

    def drawn(self, ticket: int) -> tuple[str, ...]:
        """The set whose run of tickets holds ``ticket``."""
        first = 0
        for experts, count in self.tickets:
            if ticket < first + count:
                return experts
            first += count
        raise ValueError(f"ticket {ticket} beyond {self.total}")

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {"total": self.total}
        if self.ticket is not None:
            out["ticket"] = self.ticket
        out["tickets"] = self.tickets_json()
        out["chances"] = self.chances()
        return out


@dataclass(frozen=True)
class PanelAssignment:
    id: str
    experts: tuple[str, ...]
    seats: tuple[tuple[str, tuple[str, ...]], ...]  # (sector, expert ids filling it)
    start: datetime
    end: datetime
    lottery: Lottery | None = None


@dataclass(frozen=True)
class Unfilled:
    id: str
    reasons: tuple[Reason, ...]


@dataclass(frozen=True)
class PanelSolution:
    status: str  # optimal | feasible | partial | infeasible
    seed: int
    panels: tuple[PanelAssignment, ...]
    unfilled: tuple[Unfilled, ...]
    stats: tuple[tuple[str, Any], ...] = ()
    warnings: tuple[Warning, ...] = ()


# --- meetings ------------------------------------------------------------------------


@dataclass(frozen=True)
class Person:
    id: str
    name: str
    busy: tuple[Interval, ...] = ()


@dataclass(frozen=True)
class Department:
    id: str
    name: str
    people: tuple[Person, ...]


@dataclass(frozen=True)
class Room:
    id: str
    name: str
    capacity: int
    busy: tuple[Interval, ...] = ()


@dataclass(frozen=True)
class Meeting:
    id: str
    title: str
    required: tuple[str, ...]
    window: Interval
    duration_minutes: int
    optional: tuple[str, ...] = ()
    attendees_per_department: int = 1


@dataclass(frozen=True)
class MeetingInstance:
    timezone: str
    calendar: CalendarSpec
    departments: tuple[Department, ...]
    rooms: tuple[Room, ...]
    meetings: tuple[Meeting, ...]


@dataclass(frozen=True)
class MeetingAssignment:
    id: str
    start: datetime
    end: datetime
    room: str
    attendees: tuple[tuple[str, tuple[str, ...]], ...]  # (department id, person ids)


@dataclass(frozen=True)
class Unscheduled:
    id: str
    reasons: tuple[Reason, ...]


@dataclass(frozen=True)
class MeetingSolution:
    status: str
    meetings: tuple[MeetingAssignment, ...]
    unscheduled: tuple[Unscheduled, ...]
    stats: tuple[tuple[str, Any], ...] = ()
    warnings: tuple[Warning, ...] = ()
    alternatives: tuple[tuple[str, tuple[Interval, ...]], ...] = field(default=())  # optional extra


# --- parsing ------------------------------------------------------------------------

DEFAULT_TIMEZONE = "Asia/Shanghai"
# Bounds at the door: numbers the solver multiplies, and times it walks day by day, stay sensible
# (CP-SAT refuses integers beyond 2**63; a window in year 9999 overflows a date; a window of years
# is years of slots to search).
MAX_LOAD = 10_000
MAX_SIZE = 100
MAX_EMPLOYER = 100
MAX_SEED = 2**63 - 1
MAX_CAPACITY = 100_000
FIRST_YEAR, LAST_YEAR = 2000, 2100
MAX_WINDOW_DAYS = 366
_HHMM = re.compile(r"^([01]\d|2[0-3]):([0-5]\d)$")
_MISSING: Any = object()
_T = TypeVar("_T")


def pointer(*parts: str | int) -> str:
    """An RFC 6901 JSON pointer from path parts (``~`` and ``/`` escaped)."""
    return "".join("/" + str(p).replace("~", "~0").replace("/", "~1") for p in parts)


def pointer_join(base: str, *parts: str | int) -> str:
    """Extend the JSON pointer ``base`` by further parts."""
    return base + pointer(*parts)


def load_json(text: str | bytes) -> Any:
    """Decode JSON text; bad JSON raises :class:`InstanceError` with one problem at ``""``."""
    try:
        if isinstance(text, bytes):
            text = text.decode("utf-8-sig")
        return json.loads(text)
    except UnicodeDecodeError:
        raise InstanceError([Problem("", "文件不是UTF-8编码的文本")]) from None
    except json.JSONDecodeError as exc:
        msg = f"不是有效的JSON（第{exc.lineno}行第{exc.colno}列：{exc.msg}）"
        raise InstanceError([Problem("", msg)]) from None


def _v(value: _T | None) -> _T:
    # Callers only build an item when reading it recorded no problem, and every None
    # returned by the reader recorded one.
    assert value is not None
    return value


class _Reader:
    """Reads JSON values field by field, collecting every problem instead of stopping.

    Each reading method returns the converted value, or None after recording a problem.
    """

    def __init__(self) -> None:
        self.problems: list[Problem] = []
        self.tz = ZoneInfo(DEFAULT_TIMEZONE)
        # Busy lists repeat the same few thousand times; parsing each once halves load time.
        self._times: dict[str, datetime] = {}

    def bad(self, ptr: str, message: str) -> None:
        self.problems.append(Problem(ptr, message))

    def raise_if_any(self) -> None:
        if self.problems:
            raise InstanceError(self.problems)

    def obj(self, value: Any, ptr: str) -> dict[str, Any] | None:
        if not isinstance(value, dict):
            self.bad(ptr, "应为JSON对象")
            return None
        return value

    def get(self, obj: dict[str, Any], key: str, ptr: str, default: Any = _MISSING) -> Any:
        """``obj[key]``, ``null`` counting as absent; a missing required key is a problem."""
        value = obj.get(key)
        if value is None:
            if default is _MISSING:
                self.bad(pointer_join(ptr, key), "缺少必填字段")
            return default
        return value

    def string(self, value: Any, ptr: str, *, empty: bool = False) -> str | None:
        if value is _MISSING:
            return None
        if not isinstance(value, str) or (not empty and not value.strip()):
            self.bad(ptr, "应为字符串" if empty else "应为非空字符串")
            return None
        return value

    def integer(
        self, value: Any, ptr: str, minimum: int | None = None, maximum: int | None = None
    ) -> int | None:
        if value is _MISSING:
            return None
        if isinstance(value, bool) or not isinstance(value, int):
            self.bad(ptr, "应为整数")
            return None
        if minimum is not None and value < minimum:
            self.bad(ptr, f"不能小于{minimum}")
            return None
        if maximum is not None and value > maximum:
            self.bad(ptr, f"不能大于{maximum}")
            return None
        return value

    def boolean(self, value: Any, ptr: str) -> bool | None:
        if not isinstance(value, bool):
            self.bad(ptr, "应为true或false")
            return None
        return value

    def strings(self, value: Any, ptr: str, *, non_empty: bool = False) -> tuple[str, ...] | None:
        if value is _MISSING:
            return None
        if not isinstance(value, list):
            self.bad(ptr, "应为字符串数组")
            return None
        if non_empty and not value:
            self.bad(ptr, "至少需要一项")
            return None
        out = [self.string(item, pointer_join(ptr, i)) for i, item in enumerate(value)]
        return None if None in out else tuple(_v(s) for s in out)

    def time_(self, value: Any, ptr: str) -> datetime | None:
        if value is _MISSING:
            return None
        if isinstance(value, str) and value in self._times:
            return self._times[value]
        parsed = None
        if isinstance(value, str) and ("T" in value.upper() or " " in value):
            with contextlib.suppress(ValueError):
                parsed = datetime.fromisoformat(value)
        if parsed is None:
            self.bad(ptr, f"无法识别的时间{json.dumps(value, ensure_ascii=False)}，应如2026-03-02T08:30")
            return None
        if not FIRST_YEAR <= parsed.year <= LAST_YEAR:
            self.bad(ptr, f"时间{value}超出可安排的范围（{FIRST_YEAR}年至{LAST_YEAR}年）")
            return None
        try:
            parsed = parsed.replace(tzinfo=self.tz) if parsed.tzinfo is None else parsed.astimezone(self.tz)
        except (OverflowError, ValueError):
            self.bad(ptr, f"时间{value}超出可安排的范围（{FIRST_YEAR}年至{LAST_YEAR}年）")
            return None
        self._times[value] = parsed
        return parsed

    def interval(self, value: Any, ptr: str) -> Interval | None:
        if value is _MISSING:
            return None
        if not isinstance(value, list) or len(value) != 2:
            self.bad(ptr, "应为[开始时间, 结束时间]两项数组")
            return None
        start = self.time_(value[0], pointer_join(ptr, 0))
        end = self.time_(value[1], pointer_join(ptr, 1))
        if start is None or end is None:
            return None
        if end <= start:
            self.bad(ptr, "结束时间必须晚于开始时间")
            return None
        return (start, end)

    def window(self, value: Any, ptr: str) -> Interval | None:
        """An interval the solver searches slot by slot: at most ``MAX_WINDOW_DAYS`` long."""
        got = self.interval(value, ptr)
        if got is not None and (got[1] - got[0]).days >= MAX_WINDOW_DAYS:
            self.bad(ptr, f"时间窗口过长（{(got[1] - got[0]).days}天），不能超过{MAX_WINDOW_DAYS}天")
            return None
        return got

    def intervals(self, value: Any, ptr: str) -> tuple[Interval, ...] | None:
        if not isinstance(value, list):
            self.bad(ptr, "应为时间段数组")
            return None
        out = [self.interval(item, pointer_join(ptr, i)) for i, item in enumerate(value)]
        return None if None in out else tuple(_v(iv) for iv in out)

    def items(self, data: dict[str, Any], key: str, ptr: str = "", *, required: bool = True) -> list[Any]:
        """``(pointer, element)`` for each element of the array ``data[key]``."""
        value = self.get(data, key, ptr, _MISSING if required else [])
        if value is _MISSING:
            return []
        if not isinstance(value, list):
            self.bad(pointer_join(ptr, key), "应为数组")
            return []
        return [(pointer_join(ptr, key, i), item) for i, item in enumerate(value)]

    def unique(self, seen: dict[str, str], ident: str | None, ptr: str, what: str) -> None:
        if ident is None:
            return
        if ident in seen:
            self.bad(pointer_join(ptr, "id"), f"{what}编号“{ident}”重复（已见于{seen[ident]}）")
        else:
            seen[ident] = ptr

    def timezone(self, data: dict[str, Any]) -> str:
        name = self.get(data, "timezone", "", DEFAULT_TIMEZONE)
        if not isinstance(name, str) or not name:
            self.bad("/timezone", "应为时区名称，如Asia/Shanghai")
            return DEFAULT_TIMEZONE
        try:
            self.tz = ZoneInfo(name)
            self._times.clear()
        except (ZoneInfoNotFoundError, ValueError):
            self.bad("/timezone", f"未知的时区“{name}”")
            return DEFAULT_TIMEZONE
        return name

    def format_(self, data: dict[str, Any], expected: str) -> None:
        fmt = self.get(data, "format", "")
        if fmt is not _MISSING and fmt != expected:
            self.bad("/format", f"应为“{expected}”")

    def calendar(self, data: dict[str, Any]) -> CalendarSpec:
        default = CalendarSpec()
        cal = self.obj(self.get(data, "calendar", "", {}), "/calendar")
        if cal is None:
            return default
        workdays = self.get(cal, "workdays", "/calendar", default.workdays)
        if workdays not in ("cn", "mon-fri"):
            self.bad("/calendar/workdays", "应为“cn”或“mon-fri”")
            workdays = default.workdays
        holidays = self.dates(self.get(cal, "holidays", "/calendar", []), "/calendar/holidays")
        extra = self.dates(self.get(cal, "extra_workdays", "/calendar", []), "/calendar/extra_workdays")
        for d in sorted(holidays & extra):
            self.bad("/calendar/extra_workdays", f"{d.isoformat()}不能既是节假日又是调休上班日")
        work_hours = self.work_hours(cal.get("work_hours"), default.work_hours)
        slot = self.integer(cal.get("slot_minutes", default.slot_minutes), "/calendar/slot_minutes", 1, 1440)
        if slot is not None and 1440 % slot:
            self.bad("/calendar/slot_minutes", "应能整除一天的分钟数1440，如15、30、60")
            slot = None
        return CalendarSpec(
            workdays=workdays,
            holidays=holidays,
            extra_workdays=extra,
            work_hours=work_hours,
            slot_minutes=slot or default.slot_minutes,
        )

    def dates(self, value: Any, ptr: str) -> frozenset[date]:
        if not isinstance(value, list):
            self.bad(ptr, '应为日期数组，如["2027-01-01"]')
            return frozenset()
        out: set[date] = set()
        for i, item in enumerate(value):
            try:
                if not isinstance(item, str) or len(item) != 10:
                    raise ValueError(item)
                out.add(date.fromisoformat(item))
            except ValueError:
                self.bad(pointer_join(ptr, i), "应为日期，如2027-01-01")
        return frozenset(out)

    def work_hours(self, value: Any, default: tuple[tuple[time, time], ...]) -> tuple[tuple[time, time], ...]:
        if value is None:
            return default
        ptr = "/calendar/work_hours"
        if not isinstance(value, list) or not value:
            self.bad(ptr, '应为非空数组，如[["08:30", "12:00"], ["14:30", "18:00"]]')
            return default
        blocks: list[tuple[time, time]] = []
        for i, pair in enumerate(value):
            p = pointer_join(ptr, i)
            if not isinstance(pair, list) or len(pair) != 2:
                self.bad(p, '应为["HH:MM", "HH:MM"]')
                continue
            times = []
            for j, item in enumerate(pair):
                m = _HHMM.match(item) if isinstance(item, str) else None
                if m is None:
                    self.bad(pointer_join(p, j), "应为HH:MM格式的时刻，如08:30")
                else:
                    times.append(time(int(m.group(1)), int(m.group(2))))
            if len(times) == 2:
                if times[1] <= times[0]:
                    self.bad(p, "结束时刻必须晚于开始时刻")
                else:
                    blocks.append((times[0], times[1]))
        blocks.sort()
        if any(nxt[0] < prev[1] for prev, nxt in itertools.pairwise(blocks)):
            self.bad(ptr, "工作时段不能重叠")
        return tuple(blocks) or default

    def duration(self, obj: dict[str, Any], ptr: str, slot: int) -> int | None:
        p = pointer_join(ptr, "duration_minutes")
        value = self.integer(self.get(obj, "duration_minutes", ptr), p, 1, 1440)
        if value is not None and value < slot:
            self.bad(p, f"至少为一个时间格（{slot}分钟）")
            return None
        return value


def _root(data: Any) -> dict[str, Any]:
    if not isinstance(data, dict):
        raise InstanceError([Problem("", "实例应为JSON对象")])
    return data


def ineligibility(expert: Expert, panel: Panel) -> str:
    """Why ``expert`` may not sit on ``panel`` under hard rule 1 (in Chinese), or "" if eligible."""
    return _ineligible(expert, panel.pools, panel.exclude, panel.conflicts)


def _ineligible(
    expert: Expert, pools: tuple[str, ...], exclude: tuple[str, ...], conflicts: tuple[str, ...]
) -> str:
    if expert.pool not in pools:
        return f"所属专家库“{expert.pool}”不在本组可抽取的专家库内"
    if expert.id in exclude:
        return "本次由协调员指定回避"
    if expert.employer in conflicts:
        return f"工作单位“{expert.employer}”需回避"
    stakes = [i for i in expert.interests if i in conflicts]
    if stakes:
        return f"与“{stakes[0]}”存在利害关系，需回避"
    return ""


def parse_panels(data: Any) -> PanelInstance:
    """Check and convert a decoded ``wenping-panels/1`` instance; InstanceError lists every problem."""
    data = _root(data)
    r = _Reader()
    r.format_(data, PANELS_FORMAT)
    tz = r.timezone(data)
    calendar = r.calendar(data)

    rules = PanelRules()
    raw_rules = r.obj(r.get(data, "rules", "", {}), "/rules")
    if raw_rules is not None:
        mse = r.integer(
            r.get(raw_rules, "max_same_employer", "/rules", 1), "/rules/max_same_employer", 1, MAX_EMPLOYER
        )
        seed = raw_rules.get("seed")
        if seed is not None:
            seed = r.integer(seed, "/rules/seed", 0, MAX_SEED)
        rules = PanelRules(max_same_employer=mse or 1, seed=seed)

    experts: list[Expert] = []
    seen: dict[str, str] = {}
    for ptr, raw in r.items(data, "experts"):
        before = len(r.problems)
        e = r.obj(raw, ptr)
        if e is None:
            continue
        ident = r.string(r.get(e, "id", ptr), pointer_join(ptr, "id"))
        r.unique(seen, ident, ptr, "专家")
        name = r.string(r.get(e, "name", ptr, ""), pointer_join(ptr, "name"), empty=True)
        pool = r.string(r.get(e, "pool", ptr), pointer_join(ptr, "pool"))
        employer = r.string(r.get(e, "employer", ptr), pointer_join(ptr, "employer"))
        sectors = r.strings(r.get(e, "sectors", ptr), pointer_join(ptr, "sectors"), non_empty=True)
        senior = r.boolean(r.get(e, "senior", ptr, False), pointer_join(ptr, "senior"))
        interests = r.strings(r.get(e, "interests", ptr, []), pointer_join(ptr, "interests"))
        busy = r.intervals(r.get(e, "busy", ptr, []), pointer_join(ptr, "busy"))
        load = r.integer(r.get(e, "load", ptr, 0), pointer_join(ptr, "load"), 0, MAX_LOAD)
        max_load = e.get("max_load")
        if max_load is not None:
            max_load = r.integer(max_load, pointer_join(ptr, "max_load"), 0, MAX_LOAD)
        if len(r.problems) == before:
            experts.append(
                Expert(
                    id=_v(ident),
                    name=_v(name),
                    pool=_v(pool),
                    employer=_v(employer),
                    sectors=_v(sectors),
                    senior=_v(senior),
                    interests=_v(interests),
                    busy=_v(busy),
                    load=_v(load),
                    max_load=max_load,
                )
            )
    by_id = {x.id: x for x in experts}
    # Ids of experts that failed to parse still count as known, so that one bad expert
    # does not also produce an "unknown expert" problem in every panel naming it.
    known = set(seen)

    panels: list[Panel] = []
    seen = {}
    for ptr, raw in r.items(data, "panels"):
        p = r.obj(raw, ptr)
        if p is not None:
            panel = _parse_panel(r, p, ptr, seen, known, by_id, calendar.slot_minutes)
            if panel is not None:
                panels.append(panel)
    r.raise_if_any()
    return PanelInstance(
        timezone=tz, calendar=calendar, rules=rules, experts=tuple(experts), panels=tuple(panels)
    )


def _parse_panel(
    r: _Reader,
    p: dict[str, Any],
    ptr: str,
    seen: dict[str, str],
    known: set[str],
    experts: dict[str, Expert],
    slot: int,
) -> Panel | None:
    before = len(r.problems)
    ident = r.string(r.get(p, "id", ptr), pointer_join(ptr, "id"))
    r.unique(seen, ident, ptr, "评审组")
    matter = r.string(r.get(p, "matter", ptr, ""), pointer_join(ptr, "matter"), empty=True)
    pools = r.strings(r.get(p, "pools", ptr), pointer_join(ptr, "pools"), non_empty=True)
    size = r.integer(r.get(p, "size", ptr), pointer_join(ptr, "size"), 1, MAX_SIZE)

    seats: list[tuple[str, int]] = []
    raw_seats = r.obj(r.get(p, "seats", ptr, {}), pointer_join(ptr, "seats"))
    for sector, count in (raw_seats or {}).items():
        sp = pointer_join(ptr, "seats", sector)
        n = r.integer(count, sp, 0, MAX_SIZE)
        if not sector.strip():
            r.bad(sp, "领域名称不能为空")
        elif n is not None:
            seats.append((sector, n))
    total = sum(n for _, n in seats)
    if size is not None and total > size:
        r.bad(pointer_join(ptr, "seats"), f"各领域席位合计{total}，超过评审组人数{size}")

    min_senior = r.integer(r.get(p, "min_senior", ptr, 0), pointer_join(ptr, "min_senior"), 0, MAX_SIZE)
    if min_senior is not None and size is not None and min_senior > size:
        r.bad(pointer_join(ptr, "min_senior"), f"不能超过评审组人数{size}")
    conflicts = r.strings(r.get(p, "conflicts", ptr, []), pointer_join(ptr, "conflicts"))
    exclude = r.strings(r.get(p, "exclude", ptr, []), pointer_join(ptr, "exclude"))
    fixed = r.strings(r.get(p, "fixed", ptr, []), pointer_join(ptr, "fixed"))
    for key, ids in (("exclude", exclude), ("fixed", fixed)):
        for i, eid in enumerate(ids or ()):
            if eid not in known:
                r.bad(pointer_join(ptr, key, i), f"未知的专家编号“{eid}”")
    if fixed:
        if len(set(fixed)) != len(fixed):
            r.bad(pointer_join(ptr, "fixed"), "固定专家重复列出")
        if size is not None and len(set(fixed)) > size:
            r.bad(pointer_join(ptr, "fixed"), f"固定专家{len(set(fixed))}人，超过评审组人数{size}")
        for i, eid in enumerate(fixed):
            expert = experts.get(eid)
            if expert is None or pools is None or exclude is None or conflicts is None:
                continue  # already reported; judging eligibility against bad lists would only add noise
            why = _ineligible(expert, pools, exclude, conflicts)
            if why:
                r.bad(pointer_join(ptr, "fixed", i), f"固定专家{eid}不符合抽取条件：{why}")
    window = r.window(r.get(p, "window", ptr), pointer_join(ptr, "window"))
    duration = r.duration(p, ptr, slot)
    if len(r.problems) > before:
        return None
    return Panel(
        id=_v(ident),
        pools=_v(pools),
        size=_v(size),
        window=_v(window),
        duration_minutes=_v(duration),
        matter=_v(matter),
        seats=tuple(seats),
        min_senior=_v(min_senior),
        conflicts=_v(conflicts),
        exclude=_v(exclude),
        fixed=_v(fixed),
    )


def parse_meetings(data: Any) -> MeetingInstance:
    """Check and convert a decoded ``wenping-meetings/1`` instance; InstanceError lists every problem."""
    data = _root(data)
    r = _Reader()
    r.format_(data, MEETINGS_FORMAT)
    tz = r.timezone(data)
    calendar = r.calendar(data)

    departments: list[Department] = []
    seen: dict[str, str] = {}
    seen_people: dict[str, str] = {}
    for ptr, raw in r.items(data, "departments"):
        before = len(r.problems)
        d = r.obj(raw, ptr)
        if d is None:
            continue
        ident = r.string(r.get(d, "id", ptr), pointer_join(ptr, "id"))
        r.unique(seen, ident, ptr, "部门")
        name = r.string(r.get(d, "name", ptr, ""), pointer_join(ptr, "name"), empty=True)
        people: list[Person] = []
        for pp, raw_person in r.items(d, "people", ptr):
            person = r.obj(raw_person, pp)
            if person is None:
                continue
            # Person ids are unique across departments: "nobody in two meetings" goes by id.
            pid = r.string(r.get(person, "id", pp), pointer_join(pp, "id"))
            r.unique(seen_people, pid, pp, "人员")
            pname = r.string(r.get(person, "name", pp, ""), pointer_join(pp, "name"), empty=True)
            busy = r.intervals(r.get(person, "busy", pp, []), pointer_join(pp, "busy"))
            if pid is not None and pname is not None and busy is not None:
                people.append(Person(id=pid, name=pname, busy=busy))
        if len(r.problems) == before:
            departments.append(Department(id=_v(ident), name=_v(name), people=tuple(people)))
    known_departments = set(seen)

    rooms: list[Room] = []
    seen = {}
    for ptr, raw in r.items(data, "rooms", required=False):
        before = len(r.problems)
        room = r.obj(raw, ptr)
        if room is None:
            continue
        ident = r.string(r.get(room, "id", ptr), pointer_join(ptr, "id"))
        r.unique(seen, ident, ptr, "会议室")
        name = r.string(r.get(room, "name", ptr, ""), pointer_join(ptr, "name"), empty=True)
        capacity = r.integer(r.get(room, "capacity", ptr), pointer_join(ptr, "capacity"), 0, MAX_CAPACITY)
        busy = r.intervals(r.get(room, "busy", ptr, []), pointer_join(ptr, "busy"))
        if len(r.problems) == before:
            rooms.append(Room(id=_v(ident), name=_v(name), capacity=_v(capacity), busy=_v(busy)))

    meetings: list[Meeting] = []
    seen = {}
    for ptr, raw in r.items(data, "meetings"):
        before = len(r.problems)
        m = r.obj(raw, ptr)
        if m is None:
            continue
        ident = r.string(r.get(m, "id", ptr), pointer_join(ptr, "id"))
        r.unique(seen, ident, ptr, "会议")
        title = r.string(r.get(m, "title", ptr, ""), pointer_join(ptr, "title"), empty=True)
        required = r.strings(r.get(m, "required", ptr), pointer_join(ptr, "required"))
        optional = r.strings(r.get(m, "optional", ptr, []), pointer_join(ptr, "optional"))
        listed: set[str] = set()
        for key, ids in (("required", required), ("optional", optional)):
            for i, dep in enumerate(ids or ()):
                if dep not in known_departments:
                    r.bad(pointer_join(ptr, key, i), f"未知的部门编号“{dep}”")
                elif dep in listed:
                    r.bad(pointer_join(ptr, key, i), f"部门“{dep}”重复列出")
                listed.add(dep)
        per = r.integer(
            r.get(m, "attendees_per_department", ptr, 1),
            pointer_join(ptr, "attendees_per_department"),
            1,
            MAX_SIZE,
        )
        window = r.window(r.get(m, "window", ptr), pointer_join(ptr, "window"))
        duration = r.duration(m, ptr, calendar.slot_minutes)
        if len(r.problems) == before:
            meetings.append(
                Meeting(
                    id=_v(ident),
                    title=_v(title),
                    required=_v(required),
                    window=_v(window),
                    duration_minutes=_v(duration),
                    optional=_v(optional),
                    attendees_per_department=_v(per),
                )
            )
    r.raise_if_any()
    return MeetingInstance(
        timezone=tz,
        calendar=calendar,
        departments=tuple(departments),
        rooms=tuple(rooms),
        meetings=tuple(meetings),
    )


# --- solutions to and from JSON -----------------------------------------------------


def iso(t: datetime) -> str:
    """A solution time: ISO 8601 with seconds and offset, e.g. ``2026-03-02T08:30:00+08:00``."""
    return t.isoformat(timespec="seconds")


def _tail(out: dict[str, Any], stats: tuple[tuple[str, Any], ...], warnings: tuple[Warning, ...]) -> None:
    out["stats"] = dict(stats)
    if warnings:
        out["warnings"] = [w.to_json() for w in warnings]


def panel_solution_to_json(sol: PanelSolution) -> dict[str, Any]:
    """The ``wenping-panels-solution/1`` JSON object for ``sol``."""
    out: dict[str, Any] = {
        "format": PANELS_SOLUTION_FORMAT,
        "status": sol.status,
        "seed": sol.seed,
        "panels": [
            {
                "id": a.id,
                "experts": list(a.experts),
                "seats": {sector: list(ids) for sector, ids in a.seats},
                "start": iso(a.start),
                "end": iso(a.end),
                **({"lottery": a.lottery.to_json()} if a.lottery is not None else {}),
            }
            for a in sol.panels
        ],
        "unfilled": [{"id": u.id, "reasons": [r.to_json() for r in u.reasons]} for u in sol.unfilled],
    }
    _tail(out, sol.stats, sol.warnings)
    return out


def meeting_solution_to_json(sol: MeetingSolution) -> dict[str, Any]:
    """The ``wenping-meetings-solution/1`` JSON object for ``sol``."""
    out: dict[str, Any] = {
        "format": MEETINGS_SOLUTION_FORMAT,
        "status": sol.status,
        "meetings": [
            {
                "id": a.id,
                "start": iso(a.start),
                "end": iso(a.end),
                "room": a.room,
                "attendees": {dep: list(ids) for dep, ids in a.attendees},
            }
            for a in sol.meetings
        ],
        "unscheduled": [{"id": u.id, "reasons": [r.to_json() for r in u.reasons]} for u in sol.unscheduled],
    }
    _tail(out, sol.stats, sol.warnings)
    if sol.alternatives:
        # Optional extra: other good start times per meeting, as [start, end] pairs.
        out["alternatives"] = {mid: [[iso(s), iso(e)] for s, e in ivs] for mid, ivs in sol.alternatives}
    return out


def _reasons(r: _Reader, value: Any, ptr: str) -> tuple[Reason, ...]:
    out: list[Reason] = []
    if not isinstance(value, list):
        r.bad(ptr, "应为原因数组")
        return ()
    for i, raw in enumerate(value):
        rp = pointer_join(ptr, i)
        obj = r.obj(raw, rp)
        if obj is None:
            continue
        code = r.string(r.get(obj, "code", rp), pointer_join(rp, "code"))
        message = r.string(r.get(obj, "message", rp, ""), pointer_join(rp, "message"), empty=True)
        details = tuple((k, v) for k, v in obj.items() if k not in ("code", "message"))
        if code is not None and message is not None:
            out.append(Reason(code=code, message=message, details=details))
    return tuple(out)


def _warnings(r: _Reader, data: dict[str, Any]) -> tuple[Warning, ...]:
    out: list[Warning] = []
    for ptr, raw in r.items(data, "warnings", required=False):
        obj = r.obj(raw, ptr)
        if obj is None:
            continue
        code = r.string(r.get(obj, "code", ptr), pointer_join(ptr, "code"))
        message = r.string(r.get(obj, "message", ptr, ""), pointer_join(ptr, "message"), empty=True)
        year = obj.get("year")
        if year is not None:
            year = r.integer(year, pointer_join(ptr, "year"))
        if code is not None and message is not None:
            out.append(Warning(code=code, message=message, year=year))
    return tuple(out)


def _stats(r: _Reader, data: dict[str, Any]) -> tuple[tuple[str, Any], ...]:
    stats = r.obj(r.get(data, "stats", "", {}), "/stats")
    return tuple((stats or {}).items())


def _groups(r: _Reader, value: Any, ptr: str) -> tuple[tuple[str, tuple[str, ...]], ...]:
    """A JSON object of id lists, e.g. ``seats`` or ``attendees``, in its order."""
    obj = r.obj(value, ptr)
    out: list[tuple[str, tuple[str, ...]]] = []
    for key, ids in (obj or {}).items():
        got = r.strings(ids, pointer_join(ptr, key))
        if got is not None:
            out.append((key, got))
    return tuple(out)


def _failed(r: _Reader, data: dict[str, Any], key: str) -> list[tuple[str, tuple[Reason, ...]]]:
    """The items a solution could not place (``unfilled`` or ``unscheduled``), with their reasons."""
    out: list[tuple[str, tuple[Reason, ...]]] = []
    for ptr, raw in r.items(data, key, required=False):
        obj = r.obj(raw, ptr)
        if obj is None:
            continue
        ident = r.string(r.get(obj, "id", ptr), pointer_join(ptr, "id"))
        reasons = _reasons(r, r.get(obj, "reasons", ptr, []), pointer_join(ptr, "reasons"))
        if ident is not None:
            out.append((ident, reasons))
    return out


def _lottery(r: _Reader, value: Any, ptr: str) -> Lottery | None:
    """A panel's ``lottery`` as written (shape only; the validator checks counts, order and rules)."""
    obj = r.obj(value, ptr)
    if obj is None:
        return None
    before = len(r.problems)
    total = r.integer(r.get(obj, "total", ptr), pointer_join(ptr, "total"), 1)
    ticket = obj.get("ticket")
    if ticket is not None:
        ticket = r.integer(ticket, pointer_join(ptr, "ticket"), 0)
    tickets: list[tuple[tuple[str, ...], int]] = []
    for tp, raw in r.items(obj, "tickets", ptr):
        t = r.obj(raw, tp)
        if t is None:
            continue
        experts = r.strings(r.get(t, "experts", tp), pointer_join(tp, "experts"))
        count = r.integer(r.get(t, "count", tp), pointer_join(tp, "count"))
        if experts is not None and count is not None:
            tickets.append((experts, count))
    published: list[tuple[str, float]] = []
    raw_chances = r.obj(r.get(obj, "chances", ptr, {}), pointer_join(ptr, "chances"))
    for eid, p in (raw_chances or {}).items():
        if isinstance(p, bool) or not isinstance(p, int | float):
            r.bad(pointer_join(ptr, "chances", eid), "应为0到1之间的数")
        else:
            published.append((eid, float(p)))
    if len(r.problems) > before:
        return None
    return Lottery(total=_v(total), tickets=tuple(tickets), ticket=ticket, published=tuple(published))


def parse_panel_solution(data: Any, timezone: str = DEFAULT_TIMEZONE) -> PanelSolution:
    """Read a ``wenping-panels-solution/1`` object (shape only; :mod:`solver.validate` checks the rules)."""
    data = _root(data)
    r = _Reader()
    r.tz = ZoneInfo(timezone)
    r.format_(data, PANELS_SOLUTION_FORMAT)
    status = r.string(r.get(data, "status", ""), "/status")
    seed = r.integer(r.get(data, "seed", ""), "/seed")
    panels: list[PanelAssignment] = []
    for ptr, raw in r.items(data, "panels"):
        before = len(r.problems)
        obj = r.obj(raw, ptr)
        if obj is None:
            continue
        ident = r.string(r.get(obj, "id", ptr), pointer_join(ptr, "id"))
        experts = r.strings(r.get(obj, "experts", ptr), pointer_join(ptr, "experts"))
        seats = _groups(r, r.get(obj, "seats", ptr, {}), pointer_join(ptr, "seats"))
        start = r.time_(r.get(obj, "start", ptr), pointer_join(ptr, "start"))
        end = r.time_(r.get(obj, "end", ptr), pointer_join(ptr, "end"))
        raw_lottery = obj.get("lottery")
        lottery = None if raw_lottery is None else _lottery(r, raw_lottery, pointer_join(ptr, "lottery"))
        if len(r.problems) == before:
            panels.append(
                PanelAssignment(
                    id=_v(ident),
                    experts=_v(experts),
                    seats=seats,
                    start=_v(start),
                    end=_v(end),
                    lottery=lottery,
                )
            )
    unfilled = [Unfilled(id=i, reasons=rs) for i, rs in _failed(r, data, "unfilled")]
    stats = _stats(r, data)
    warnings = _warnings(r, data)
    r.raise_if_any()
    return PanelSolution(
        status=_v(status),
        seed=_v(seed),
        panels=tuple(panels),
        unfilled=tuple(unfilled),
        stats=stats,
        warnings=warnings,
    )


def parse_meeting_solution(data: Any, timezone: str = DEFAULT_TIMEZONE) -> MeetingSolution:
    """Read a ``wenping-meetings-solution/1`` object (shape only; :mod:`solver.validate` checks the rules)."""
    data = _root(data)
    r = _Reader()
    r.tz = ZoneInfo(timezone)
    r.format_(data, MEETINGS_SOLUTION_FORMAT)
    status = r.string(r.get(data, "status", ""), "/status")
    meetings: list[MeetingAssignment] = []
    for ptr, raw in r.items(data, "meetings"):
        before = len(r.problems)
        obj = r.obj(raw, ptr)
        if obj is None:
            continue
        ident = r.string(r.get(obj, "id", ptr), pointer_join(ptr, "id"))
        start = r.time_(r.get(obj, "start", ptr), pointer_join(ptr, "start"))
        end = r.time_(r.get(obj, "end", ptr), pointer_join(ptr, "end"))
        room = r.string(r.get(obj, "room", ptr), pointer_join(ptr, "room"))
        attendees = _groups(r, r.get(obj, "attendees", ptr, {}), pointer_join(ptr, "attendees"))
        if len(r.problems) == before:
            meetings.append(
                MeetingAssignment(
                    id=_v(ident), start=_v(start), end=_v(end), room=_v(room), attendees=attendees
                )
            )
    unscheduled = [Unscheduled(id=i, reasons=rs) for i, rs in _failed(r, data, "unscheduled")]
    alternatives: list[tuple[str, tuple[Interval, ...]]] = []
    raw_alt = r.obj(r.get(data, "alternatives", "", {}), "/alternatives")
    for mid, ivs in (raw_alt or {}).items():
        got = r.intervals(ivs, pointer("alternatives", mid))
        if got is not None:
            alternatives.append((mid, got))
    stats = _stats(r, data)
    warnings = _warnings(r, data)
    r.raise_if_any()
    return MeetingSolution(
        status=_v(status),
        meetings=tuple(meetings),
        unscheduled=tuple(unscheduled),
        stats=stats,
        warnings=warnings,
        alternatives=tuple(alternatives),
    )

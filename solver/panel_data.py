"""What the data allows each panel: candidate starts, eligible experts, who is free when.

Times become whole minutes since the epoch so that availability is a bisect over sorted
integers; everything here is plain Python, shared by the solver, the explanations and the
benchmark's baselines.
"""

from __future__ import annotations

import bisect
import zlib
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from solver.calendar import WorkCalendar
from solver.instance import Expert, Interval, Panel, PanelInstance

POOL_CITY = "city"


def minutes(t: datetime) -> int:
    """Whole minutes since the epoch (times are aware, so this is unambiguous)."""
    return int(t.timestamp()) // 60


def pool_label(pool: str) -> str:
    """The name coordinators know a pool by: 市级专家库 or e.g. 阿克塞县专家库."""
    return "市级专家库" if pool == POOL_CITY else f"{pool}专家库"


def is_eligible(expert: Expert, panel: Panel) -> bool:
    """Rule 1: right pool, not excluded, no conflict through employer or declared interest."""
    if expert.pool not in panel.pools or expert.id in panel.exclude:
        return False
    if expert.employer in panel.conflicts:
        return False
    return not any(i in panel.conflicts for i in expert.interests)


@dataclass
class PanelData:
    """One panel with its candidate starts (minutes) and its eligible experts (indices)."""

    index: int
    panel: Panel
    duration: int
    starts: list[int]
    eligible: list[int]
    rank: dict[int, int]  # expert index -> position of the expert's pool in panel.pools
    fixed: list[int]
    seats: list[tuple[str, int]]
    seat_total: int
    tight: frozenset[str] = frozenset()  # sectors whose seats over the batch nearly use up their experts
    # expert index -> a fixed tie-break of the batch pass (a hash of panel and expert ids): spreads
    # equal choices over the pool; never the draw, which each panel's lottery makes afterwards
    spread: dict[int, int] = field(default_factory=dict)

    @property
    def size(self) -> int:
        return self.panel.size


class Prepared:
    """The instance in integers: experts' busy times, panels' starts and eligible experts."""

    def __init__(self, instance: PanelInstance, seed: int, calendar: WorkCalendar | None = None) -> None:
        self.instance = instance
        self.seed = seed
        self.calendar = calendar or WorkCalendar(instance.calendar, instance.timezone)
        self.experts = instance.experts
        self.index = {e.id: i for i, e in enumerate(self.experts)}
        self.sectors = [frozenset(e.sectors) for e in self.experts]
        self.senior = [e.senior for e in self.experts]
        self.employer = [e.employer for e in self.experts]
        self.max_load = [e.max_load if e.max_load is not None else 1 << 30 for e in self.experts]
        self.busy_starts: list[list[int]] = []
        self.busy_ends: list[list[int]] = []
        # Busy times repeat across experts (half-days): convert each distinct time once.
        seen: dict[datetime, int] = {}

        def to_minutes(t: datetime) -> int:
            m = seen.get(t)
            if m is None:
                m = seen[t] = minutes(t)
            return m

        for e in self.experts:
            s, t = merge_intervals([(to_minutes(a), to_minutes(b)) for a, b in e.busy])
            self.busy_starts.append(s)
            self.busy_ends.append(t)
        by_pool: dict[str, list[int]] = defaultdict(list)
        for i, e in enumerate(self.experts):
            by_pool[e.pool].append(i)
        self.by_pool = by_pool
        self._starts_cache: dict[tuple[Interval, int], tuple[list[int], list[datetime]]] = {}
        self.start_time: dict[int, datetime] = {}
        self.panels = [self._panel(i, p) for i, p in enumerate(instance.panels)]
        self._mark_tight()

    def _mark_tight(self, share: float = 0.5) -> None:
        """Sectors whose seat demand reaches ``share`` of what their experts can still take."""
        by_pools: dict[tuple[str, ...], list[PanelData]] = defaultdict(list)
        for pd in self.panels:
            by_pools[pd.panel.pools].append(pd)
        for pools, pds in by_pools.items():
            demand: dict[str, int] = defaultdict(int)
            for q in self.panels:
                if set(q.panel.pools) <= set(pools):
                    for k, n in q.seats:
                        demand[k] += n
            tight = set()
            for k, n in demand.items():
                room = sum(
                    min(self.max_load[e], 1 << 20) - self.experts[e].load
                    for pool in pools
                    for e in self.by_pool.get(pool, ())
                    if k in self.sectors[e]
                )
                if n >= share * room:
                    tight.add(k)
            for pd in pds:
                pd.tight = frozenset(tight)

    def _panel(self, i: int, panel: Panel) -> PanelData:
        key = (panel.window, panel.duration_minutes)
        cached = self._starts_cache.get(key)
        if cached is None:
            times = self.calendar.candidate_starts(panel.window, panel.duration_minutes)
            ints = [minutes(t) for t in times]
            cached = self._starts_cache[key] = (ints, times)
            for m, t in zip(ints, times, strict=True):
                self.start_time.setdefault(m, t)
        eligible: list[int] = []
        rank: dict[int, int] = {}
        for r, pool in enumerate(panel.pools):
            for e in self.by_pool.get(pool, ()):
                if e not in rank and is_eligible(self.experts[e], panel):
                    eligible.append(e)
                    rank[e] = r
        fixed = [self.index[f] for f in panel.fixed]
        spread = {e: zlib.crc32(f"{panel.id}/{self.experts[e].id}".encode()) for e in eligible}
        return PanelData(
            index=i,
            panel=panel,
            duration=panel.duration_minutes,
            starts=cached[0],
            eligible=eligible,
            rank=rank,
            fixed=fixed,
            seats=list(panel.seats),
            seat_total=sum(n for _, n in panel.seats),
            spread=spread,
        )

    def is_free(self, e: int, start: int, end: int) -> bool:
        """True when expert ``e`` has no busy interval overlapping ``[start, end)``."""
        i = bisect.bisect_left(self.busy_starts[e], end)
        return i == 0 or self.busy_ends[e][i - 1] <= start

    def available_mask(self, pd: PanelData, e: int, taken: Sequence[tuple[int, int]] = ()) -> int:
        """Bit ``k`` set when expert ``e`` is free for the meeting at ``pd.starts[k]``."""
        starts = pd.starts
        if not starts:
            return 0
        d = pd.duration
        lo, hi = starts[0], starts[-1] + d
        blocked = 0
        bs, be = self.busy_starts[e], self.busy_ends[e]
        j = bisect.bisect_right(be, lo)  # first busy interval ending after lo
        intervals: list[tuple[int, int]] = []
        while j < len(bs) and bs[j] < hi:
            intervals.append((bs[j], be[j]))
            j += 1
        intervals.extend(taken)
        for b0, b1 in intervals:
            # A start s is blocked when s < b1 and s + d > b0.
            i0 = bisect.bisect_right(starts, b0 - d)
            i1 = bisect.bisect_left(starts, b1)
            if i0 < i1:
                blocked |= ((1 << (i1 - i0)) - 1) << i0
        return ((1 << len(starts)) - 1) & ~blocked


def merge_intervals(pairs: list[tuple[int, int]]) -> tuple[list[int], list[int]]:
    """Sorted, merged intervals as two lists (starts, ends); both come out increasing."""
    starts: list[int] = []
    ends: list[int] = []
    for a, b in sorted(pairs):
        if b <= a:
            continue
        if ends and a <= ends[-1]:
            ends[-1] = max(ends[-1], b)
        else:
            starts.append(a)
            ends.append(b)
    return starts, ends


def overlaps(taken: list[tuple[int, int]], start: int, end: int) -> bool:
    """True when one of ``taken`` (a short list of meetings) overlaps ``[start, end)``."""
    for a, b in taken:  # noqa: SIM110 - runs some 10^5 times a batch; any() over a generator costs twice as much
        if a < end and start < b:
            return True
    return False


def to_datetime(prep: Prepared, m: int, tz_source: datetime | None = None) -> datetime:
    """The aware datetime of a start in minutes (the calendar's own object when known)."""
    t = prep.start_time.get(m)
    if t is not None:
        return t
    base = next(iter(prep.start_time.values()), None) if tz_source is None else tz_source
    tz = base.tzinfo if base is not None else None
    return datetime.fromtimestamp(m * 60, tz)


def end_time(start: datetime, duration: int) -> datetime:
    return start + timedelta(minutes=duration)

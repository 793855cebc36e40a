"""What draw systems do today, as yardsticks for :func:`solver.panels.solve_panels`.

* :func:`random_draw` — per panel in window order: the earliest start at which the free
  eligible experts, shuffled, can seat the sectors, the seniors and the rest. Every hard rule,
  no optimisation.
* :func:`panel_by_panel` — each panel alone, in the same order, with the solver's own
  objective, committed before the next one (a sequential solve).
"""

from __future__ import annotations

import dataclasses
import random
import time
from collections import Counter
from datetime import timedelta

from solver.calendar import WorkCalendar
from solver.explain import explain_unfilled
from solver.instance import (
    Expert,
    Interval,
    PanelAssignment,
    PanelInstance,
    PanelSolution,
    Unfilled,
)
from solver.panel_data import is_eligible, merge_intervals, minutes
from solver.panels import solve_panels


def _order(instance: PanelInstance) -> list[int]:
    return sorted(range(len(instance.panels)), key=lambda p: (instance.panels[p].window, p))


def _status(filled: int, total: int) -> str:
    return "feasible" if filled == total else ("infeasible" if filled == 0 else "partial")


def random_draw(instance: PanelInstance, seed: int = 0) -> PanelSolution:
    """Shuffle and take at the earliest start that works; commit; next panel."""
    import bisect

    started = time.perf_counter()
    rng = random.Random(seed)
    calendar = WorkCalendar(instance.calendar, instance.timezone)
    experts = instance.experts
    index = {e.id: i for i, e in enumerate(experts)}
    busy = [merge_intervals([(minutes(a), minutes(b)) for a, b in e.busy]) for e in experts]
    load = [e.load for e in experts]
    cap = [e.max_load if e.max_load is not None else 1 << 30 for e in experts]
    taken: list[list[tuple[int, int]]] = [[] for _ in experts]
    limit = instance.rules.max_same_employer
    out: list[PanelAssignment] = []
    unfilled: list[Unfilled] = []
    for p in _order(instance):
        panel = instance.panels[p]
        eligible = [i for i, e in enumerate(experts) if is_eligible(e, panel)]
        fixed = [index[f] for f in panel.fixed]
        drawn = None
        for start in calendar.candidate_starts(panel.window, panel.duration_minutes):
            s = minutes(start)
            t = s + panel.duration_minutes
            free = []
            for e in eligible:
                bs, be = busy[e]
                k = bisect.bisect_left(bs, t)
                if (
                    (k == 0 or be[k - 1] <= s)
                    and load[e] < cap[e]
                    and not any(a < t and s < b for a, b in taken[e])
                ):
                    free.append(e)
            if any(f not in free for f in fixed):
                continue
            rng.shuffle(free)
            drawn = _take(panel.size, dict(panel.seats), panel.min_senior, fixed, free, experts, limit)
            if drawn is not None:
                members, seats = drawn
                for e in members:
                    load[e] += 1
                    taken[e].append((s, t))
                out.append(
                    PanelAssignment(
                        panel.id,
                        tuple(experts[e].id for e in members),
                        tuple((k, tuple(experts[e].id for e in seats[k])) for k, _ in panel.seats),
                        start,
                        start + timedelta(minutes=panel.duration_minutes),
                    )
                )
                break
        if drawn is None:
            unfilled.append(Unfilled(panel.id, ()))
    seconds = time.perf_counter() - started
    # Reasons are for the validator only, outside the timed part.
    reasons = explain_unfilled(instance, out, [u.id for u in unfilled], calendar=calendar)
    unfilled = [Unfilled(u.id, reasons[u.id]) for u in unfilled]
    stats = (("solve_seconds", round(seconds, 3)), ("max_load", max(load, default=0)))
    return PanelSolution(_status(len(out), len(instance.panels)), seed, tuple(out), tuple(unfilled), stats)


def _take(
    size: int,
    need: dict[str, int],
    min_senior: int,
    fixed: list[int],
    shuffled: list[int],
    experts: tuple[Expert, ...],
    limit: int,
) -> tuple[list[int], dict[str, list[int]]] | None:
    """Seat sectors first, then seniors, then fill up, in the shuffled order."""
    chosen = list(fixed)
    employers = Counter(experts[e].employer for e in chosen)
    seats: dict[str, list[int]] = {k: [] for k in need}
    left = dict(need)
    for f in fixed:
        for k in left:
            if left[k] and k in experts[f].sectors:
                seats[k].append(f)
                left[k] -= 1
                break

    def ok(e: int) -> bool:
        return e not in chosen and employers[experts[e].employer] < limit

    for k in left:
        for e in shuffled:
            if not left[k]:
                break
            if k in experts[e].sectors and ok(e):
                chosen.append(e)
                employers[experts[e].employer] += 1
                seats[k].append(e)
                left[k] -= 1
        if left[k]:
            return None
    seniors = sum(1 for e in chosen if experts[e].senior)
    for e in shuffled:
        if seniors >= min_senior:
            break
        if experts[e].senior and ok(e):
            chosen.append(e)
            employers[experts[e].employer] += 1
            seniors += 1
    for e in shuffled:
        if len(chosen) >= size:
            break
        if ok(e):
            chosen.append(e)
            employers[experts[e].employer] += 1
    if len(chosen) != size or seniors < min_senior:
        return None
    return chosen, seats


def panel_by_panel(instance: PanelInstance, seed: int = 0, time_limit: float = 2.0) -> PanelSolution:
    """Solve each panel alone (the solver's own objective), commit it, go on to the next."""
    started = time.perf_counter()
    experts = {e.id: e for e in instance.experts}
    extra_busy: dict[str, list[Interval]] = {}
    out: list[PanelAssignment] = []
    unfilled: list[Unfilled] = []
    for p in _order(instance):
        panel = instance.panels[p]
        current = tuple(
            dataclasses.replace(e, busy=e.busy + tuple(extra_busy.get(e.id, ()))) if e.id in extra_busy else e
            for e in experts.values()
        )
        single = dataclasses.replace(instance, experts=current, panels=(panel,))
        sol = solve_panels(single, time_limit=time_limit, seed=seed)
        if sol.panels:
            a = sol.panels[0]
            out.append(a)
            for eid in a.experts:
                experts[eid] = dataclasses.replace(experts[eid], load=experts[eid].load + 1)
                extra_busy.setdefault(eid, []).append((a.start, a.end))
        else:
            unfilled.append(sol.unfilled[0])
    final = max((e.load for e in experts.values()), default=0)
    stats = (("solve_seconds", round(time.perf_counter() - started, 3)), ("max_load", final))
    return PanelSolution(_status(len(out), len(instance.panels)), seed, tuple(out), tuple(unfilled), stats)

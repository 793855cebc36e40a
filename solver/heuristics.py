"""Fast panel drawing without a model: a greedy batch pass and a swap-based improvement.

The greedy pass walks the panels in window order and, for each, the candidate starts from
the earliest; at a start it seats the best free experts by (pool rank, current load) — local
first, and the least loaded to keep objective 2 low — never past the load cap that objective 2
allows. :func:`improve` then swaps members for more local or less loaded ones while every hard
rule keeps holding. Who finally sits on each panel is drawn afterwards by its lottery
(:mod:`solver.batch_lottery`).
"""

from __future__ import annotations

import time
from bisect import bisect_left
from collections import Counter
from dataclasses import dataclass

from ortools.sat.python import cp_model

from solver.panel_data import PanelData, Prepared, overlaps


@dataclass
class Choice:
    """A filled panel: its start (minutes), its members and who fills which seat."""

    start: int
    members: list[int]
    seats: dict[str, list[int]]


class State:
    """A partial solution: current loads, meetings taken per expert, and the panels' choices."""

    def __init__(self, prep: Prepared) -> None:
        self.prep = prep
        self.load = [e.load for e in prep.experts]
        self.taken: list[list[tuple[int, int]]] = [[] for _ in prep.experts]
        self.choice: dict[int, Choice] = {}

    def commit(self, pd: PanelData, choice: Choice) -> None:
        self.choice[pd.index] = choice
        span = (choice.start, choice.start + pd.duration)
        for e in choice.members:
            self.load[e] += 1
            self.taken[e].append(span)

    def release(self, pd: PanelData) -> Choice | None:
        choice = self.choice.pop(pd.index, None)
        if choice is not None:
            span = (choice.start, choice.start + pd.duration)
            for e in choice.members:
                self.load[e] -= 1
                self.taken[e].remove(span)
        return choice

    def copy(self) -> State:
        other = State.__new__(State)
        other.prep = self.prep
        other.load = list(self.load)
        other.taken = [list(t) for t in self.taken]
        other.choice = {
            k: Choice(c.start, list(c.members), {s: list(v) for s, v in c.seats.items()})
            for k, c in self.choice.items()
        }
        return other

    def max_load(self) -> int:
        return max(self.load, default=0)


def free_at(prep: Prepared, pd: PanelData, state: State, start: int, cap: int) -> list[int]:
    """Eligible experts free for the whole meeting at ``start`` and still under the load cap."""
    end = start + pd.duration
    load, taken, max_load = state.load, state.taken, prep.max_load
    busy_starts, busy_ends = prep.busy_starts, prep.busy_ends
    out = []
    for e in pd.eligible:
        if load[e] < cap and load[e] < max_load[e]:
            # Prepared.is_free, inlined: this loop is the batch pass's hottest
            i = bisect_left(busy_starts[e], end)
            if i and busy_ends[e][i - 1] > start:
                continue
            t = taken[e]
            if not t or not overlaps(t, start, end):
                out.append(e)
    return out


def greedy_pick(prep: Prepared, pd: PanelData, free: list[int], state: State) -> Choice | None:
    """Seat sectors (scarcest first), then seniors, then the rest; best key first; None if stuck."""
    panel = pd.panel
    fixed = pd.fixed
    free_set = set(free)
    if any(f not in free_set for f in fixed):
        return None
    load, rank = state.load, pd.rank
    spread = pd.spread
    cands = sorted(free, key=lambda e: (rank[e], load[e], spread[e]))
    # Outside seats, spare the experts of sectors that later panels will be short of (fill first).
    tight = pd.tight
    spare = sorted(cands, key=lambda e: (rank[e], bool(tight & prep.sectors[e]))) if tight else cands
    sectors, senior, employer = prep.sectors, prep.senior, prep.employer
    limit = prep.instance.rules.max_same_employer
    chosen: list[int] = []
    chosen_set: set[int] = set()
    employers: Counter[str] = Counter()
    seats: dict[str, list[int]] = {s: [] for s, _ in pd.seats}
    need = dict(pd.seats)

    def take(e: int) -> None:
        chosen.append(e)
        chosen_set.add(e)
        employers[employer[e]] += 1

    for f in fixed:
        take(f)
    if any(n > limit for n in employers.values()):
        return None
    scarcity = {s: sum(1 for e in cands if s in sectors[e]) for s in need}
    order = sorted(need, key=lambda s: scarcity[s])
    for f in fixed:  # fixed members take a seat they can fill, scarcest first
        for s in order:
            if need[s] > 0 and s in sectors[f]:
                seats[s].append(f)
                need[s] -= 1
                break
    for s in order:
        for e in cands:
            if need[s] == 0:
                break
            if e not in chosen_set and s in sectors[e] and employers[employer[e]] < limit:
                take(e)
                seats[s].append(e)
                need[s] -= 1
        if need[s] > 0:
            return None
    seniors = sum(1 for e in chosen if senior[e])
    for e in spare:
        if seniors >= panel.min_senior:
            break
        if e not in chosen_set and senior[e] and employers[employer[e]] < limit:
            take(e)
            seniors += 1
    if seniors < panel.min_senior:
        return None
    for e in spare:
        if len(chosen) >= panel.size:
            break
        if e not in chosen_set and employers[employer[e]] < limit:
            take(e)
    if len(chosen) != panel.size:
        return None
    return Choice(0, chosen, seats)


def pick_weights(pd: PanelData, free: list[int], load: list[int]) -> dict[int, int]:
    """One integer per expert: local first (objective 3), then lower loads (helps objective 2)."""
    size = pd.size
    n_pools = len(pd.panel.pools)
    a = size * (2 * max((load[e] for e in free), default=0) + 1) + 1
    return {e: (size + 1) ** (n_pools - 1 - pd.rank[e]) * a - (2 * load[e] + 1) for e in free}


def exact_pick(
    prep: Prepared, pd: PanelData, free: list[int], state: State, time_limit: float = 1.0
) -> Choice | None:
    """The best draw among ``free`` at one start by CP-SAT: exact when the greedy gets stuck."""
    panel = pd.panel
    if len(free) < panel.size:
        return None
    model = cp_model.CpModel()
    # x[e]: expert e sits on the panel; s[e, k]: e fills a seat of sector k
    x = {e: model.new_bool_var(f"x{e}") for e in free}
    s = {(e, k): model.new_bool_var(f"s{e}_{k}") for e in free for k, _ in pd.seats if k in prep.sectors[e]}
    model.add(sum(x.values()) == panel.size)
    for k, n in pd.seats:
        model.add(sum(v for (e, kk), v in s.items() if kk == k) == n)
    for e in free:
        model.add(sum(v for (ee, _), v in s.items() if ee == e) <= x[e])
    model.add(sum(x[e] for e in free if prep.senior[e]) >= panel.min_senior)
    by_employer: dict[str, list[int]] = {}
    for e in free:
        by_employer.setdefault(prep.employer[e], []).append(e)
    for group in by_employer.values():
        if len(group) > prep.instance.rules.max_same_employer:
            model.add(sum(x[e] for e in group) <= prep.instance.rules.max_same_employer)
    for f in pd.fixed:
        if f not in x:
            return None
        model.add(x[f] == 1)
    w = pick_weights(pd, free, state.load)
    model.maximize(sum(w[e] * x[e] for e in free))
    solver = cp_model.CpSolver()
    solver.parameters.max_time_in_seconds = time_limit
    solver.parameters.num_workers = 1
    status = solver.solve(model)
    if status not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        return None
    members = [e for e in free if solver.value(x[e])]
    seats: dict[str, list[int]] = {k: [] for k, _ in pd.seats}
    for (e, k), v in s.items():
        if solver.value(v):
            seats[k].append(e)
    return Choice(0, members, seats)


def counts_allow(prep: Prepared, pd: PanelData, free: list[int]) -> bool:
    """Necessary conditions for a draw from ``free``: sizes per sector, seniors, employers."""
    for k, n in pd.seats:
        if sum(1 for e in free if k in prep.sectors[e]) < n:
            return False
    if sum(1 for e in free if prep.senior[e]) < pd.panel.min_senior:
        return False
    limit = prep.instance.rules.max_same_employer
    per: Counter[str] = Counter(prep.employer[e] for e in free)
    return sum(min(n, limit) for n in per.values()) >= pd.size


def score(pd: PanelData, choice: Choice, load: list[int]) -> tuple[int, ...]:
    """Smaller is better: members per pool rank (negated, most local first), then load."""
    n_pools = len(pd.panel.pools)
    counts = [0] * n_pools
    for e in choice.members:
        counts[pd.rank[e]] += 1
    return (*(-c for c in counts[:-1]), sum(load[e] for e in choice.members))


def best_choice(
    prep: Prepared,
    pd: PanelData,
    state: State,
    cap: int,
    *,
    extra_starts: int = 8,
    exact: bool = True,
) -> Choice | None:
    """Scan the panel's starts from the earliest; stop once no later start can be more local."""
    local_bound = -min(
        pd.size, sum(1 for e in pd.eligible if pd.rank[e] == 0 and state.load[e] < min(cap, prep.max_load[e]))
    )
    best: Choice | None = None
    best_score: tuple[int, ...] | None = None
    previous: list[int] | None = None
    after_first = 0
    exact_tries = 0
    for start in pd.starts:
        free = free_at(prep, pd, state, start, cap)
        if free == previous or len(free) < pd.size:
            previous = free
            continue
        previous = free
        choice = greedy_pick(prep, pd, free, state)
        if choice is None and exact and exact_tries < 3 and counts_allow(prep, pd, free):
            exact_tries += 1
            choice = exact_pick(prep, pd, free, state)
        if choice is None:
            continue
        choice.start = start
        sc = score(pd, choice, state.load)
        if best_score is None or sc < best_score:
            best, best_score = choice, sc
        if best_score[0] <= local_bound if len(best_score) > 1 else True:
            break
        after_first += 1
        if after_first > extra_starts:
            break
    return best


def greedy(prep: Prepared, state: State, order: list[int], cap: int) -> list[int]:
    """Draw the panels of ``order`` one after the other; returns those left unfilled."""
    unfilled = []
    for p in order:
        pd = prep.panels[p]
        choice = best_choice(prep, pd, state, cap)
        if choice is None:
            unfilled.append(p)
        else:
            state.commit(pd, choice)
    return unfilled


def improve(prep: Prepared, state: State, cap: int, deadline: float) -> int:
    """Swap members for more local or less loaded free experts; returns the number of swaps."""
    swaps = 0
    limit = prep.instance.rules.max_same_employer
    improved = True
    while improved and time.perf_counter() < deadline:
        improved = False
        for p, choice in list(state.choice.items()):
            if time.perf_counter() >= deadline:
                break
            pd = prep.panels[p]
            if not _may_improve(pd, choice, state, cap, prep):
                continue
            rank, load, spread = pd.rank, state.load, pd.spread
            sectors, senior, employer = prep.sectors, prep.senior, prep.employer
            start, end = choice.start, choice.start + pd.duration
            seat_of = {e: k for k, es in choice.seats.items() for e in es}
            seniors = sum(1 for e in choice.members if prep.senior[e])
            employers = Counter(prep.employer[e] for e in choice.members)
            members = set(choice.members)
            outsiders: list[int] | None = None
            for m in list(choice.members):
                if m in pd.fixed:
                    continue
                if outsiders is None:
                    outsiders = [e for e in free_at(prep, pd, state, start, cap) if e not in members]
                best = None
                best_key = (rank[m], load[m] - 1, spread[m])
                # What m's place asks of a replacement (the same tests as before, hoisted out).
                seat = seat_of.get(m)
                keep_senior = senior[m] and seniors <= pd.panel.min_senior
                own = employer[m]
                for c in outsiders:
                    if c in members:
                        continue
                    key = (rank[c], load[c], spread[c])
                    if key >= best_key:
                        continue
                    if seat is not None and seat not in sectors[c]:
                        continue
                    if keep_senior and not senior[c]:
                        continue
                    if employer[c] != own and employers[employer[c]] >= limit:
                        continue
                    best, best_key = c, key
                if best is None:
                    continue
                # swap m out, best in
                i = choice.members.index(m)
                choice.members[i] = best
                if m in seat_of:
                    k = seat_of.pop(m)
                    choice.seats[k][choice.seats[k].index(m)] = best
                    seat_of[best] = k
                employers[prep.employer[m]] -= 1
                employers[prep.employer[best]] += 1
                seniors += int(prep.senior[best]) - int(prep.senior[m])
                members.discard(m)
                members.add(best)
                state.load[m] -= 1
                state.load[best] += 1
                state.taken[m].remove((start, end))
                state.taken[best].append((start, end))
                outsiders.remove(best)
                if state.load[m] < min(cap, prep.max_load[m]):
                    outsiders.append(m)
                swaps += 1
                improved = True
    return swaps


def _may_improve(pd: PanelData, choice: Choice, state: State, cap: int, prep: Prepared) -> bool:
    """Cheap test (no availability): is some non-member better than some member at all?"""
    load = state.load
    worst = (
        max((pd.rank[m], load[m] - 1) for m in choice.members if m not in pd.fixed)
        if len(choice.members) > len(pd.fixed)
        else None
    )
    if worst is None:
        return False
    members = set(choice.members)
    for e in pd.eligible:
        if e not in members and (pd.rank[e], load[e]) <= worst and load[e] < min(cap, prep.max_load[e]):
            return True
    return False

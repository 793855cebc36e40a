"""The member sets of one panel (the family F of SOLVER.md) and the best set for given weights.

A :class:`Family` holds one panel's candidates as small integers: rank (position of the pool in
``pools``), seat sectors (a bit mask over the panel's seat sectors), seniority, employer, and the
start patterns (bit masks over the candidates free together at some start; a pattern contained in
another is dropped, as every set it allows the other allows too). A set of F:

- has ``size`` members, every fixed candidate among them;
- has exactly ``quotas[r]`` members of rank ``r`` (objective 3 settled), when quotas are given;
- fills the seats (a matching of members to seat slots), has ``min_senior`` seniors, at most
  ``cap`` members per employer;
- lies inside one start pattern (everybody free at a common start).

:meth:`Family.best` is the pricing step of the column generation in :mod:`solver.leximin`: the set
of F with the largest total weight, above a threshold. It is a branch and bound over the
candidates in order of weight, taking interchangeable candidates (same weight, rank, seat sectors,
seniority, and an employer nobody else has) as one block, bounded by the best completion per rank
and pruned by what seats and seniors still need. ``tests/solver/test_pricing.py`` checks it against
CP-SAT on random small panels.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass, field

from ortools.linear_solver import pywraplp

EPS = 1e-9


class Deadline(Exception):
    """The search ran past its deadline."""


@dataclass
class Family:
    size: int
    seat_counts: tuple[int, ...]  # per seat sector index
    min_senior: int
    cap: int  # rules.max_same_employer
    rank: list[int]
    sigma: list[int]  # bit k: the candidate has seat sector k
    senior: list[bool]
    employer: list[int]
    fixed: list[int]
    patterns: list[int]  # bit i: candidate i free at that start (only maximal patterns)
    quotas: tuple[int, ...] | None = None  # members per rank, fixed included
    _match: dict[tuple[int, ...], int] = field(default_factory=dict, repr=False)
    _lp: _Relaxation | None = field(default=None, repr=False)
    stats: dict[str, int] = field(default_factory=dict, repr=False)

    @property
    def n(self) -> int:
        return len(self.rank)

    def __post_init__(self) -> None:
        fixed_mask = 0
        for f in self.fixed:
            fixed_mask |= 1 << f
        pats = sorted(
            {p for p in self.patterns if p & fixed_mask == fixed_mask}, key=lambda p: -p.bit_count()
        )
        kept: list[int] = []
        for p in pats:
            if not any(p & ~q == 0 for q in kept):
                kept.append(p)
        self.patterns = kept

    # --- seats -----------------------------------------------------------------------

    def matched(self, sigmas: Sequence[int]) -> int:
        """How many seat slots the members with these seat-sector masks can fill at most."""
        key = tuple(sorted(s for s in sigmas if s))
        got = self._match.get(key)
        if got is None:
            got = self._match[key] = len(_matching(key, self.seat_counts))
        return got

    def seat_assignment(self, members: Sequence[int]) -> dict[int, int] | None:
        """Member -> seat sector index for a full matching of the seats, or None."""
        slots = [k for k, n in enumerate(self.seat_counts) for _ in range(n)]
        sigmas = [self.sigma[m] for m in members]
        got = _match_slots(sigmas, slots)
        if len(got) < len(slots):
            return None
        return {members[i]: slots[j] for i, j in got.items()}

    def is_member_set(self, members: Sequence[int]) -> bool:
        """True when ``members`` is a set of F (plain check, used by tests and the fast paths)."""
        s = set(members)
        if len(s) != self.size or len(members) != self.size or not all(f in s for f in self.fixed):
            return False
        if self.quotas is not None:
            counts = [0] * len(self.quotas)
            for m in s:
                if self.rank[m] >= len(counts):
                    return False
                counts[self.rank[m]] += 1
            if tuple(counts) != self.quotas:
                return False
        if sum(1 for m in s if self.senior[m]) < self.min_senior:
            return False
        per: dict[int, int] = {}
        for m in s:
            per[self.employer[m]] = per.get(self.employer[m], 0) + 1
        if any(v > self.cap for v in per.values()):
            return False
        if self.matched([self.sigma[m] for m in s]) < sum(self.seat_counts):
            return False
        mask = sum(1 << m for m in s)
        return any(mask & p == mask for p in self.patterns)

    def greedy(self, order: Sequence[int], pattern: int) -> list[int] | None:
        """A set of F built from ``order`` (most wanted first) at one start pattern, or None.

        Seats first (scarcest sector first), then seniors, then the rest, each time the first
        candidate in ``order`` that the rank quotas and employers still allow. Cheap, not optimal:
        it seeds the column generation with many different sets.
        """
        chosen: list[int] = list(self.fixed)
        taken = set(chosen)
        quota = list(self.quotas) if self.quotas is not None else None
        per_emp: dict[int, int] = {}
        for f in self.fixed:
            per_emp[self.employer[f]] = per_emp.get(self.employer[f], 0) + 1
            if quota is not None:
                quota[self.rank[f]] -= 1
        free = [i for i in order if pattern >> i & 1 and i not in taken]

        def ok(i: int) -> bool:
            if i in taken or per_emp.get(self.employer[i], 0) >= self.cap:
                return False
            return quota is None or (self.rank[i] < len(quota) and quota[self.rank[i]] > 0)

        def take(i: int) -> None:
            chosen.append(i)
            taken.add(i)
            per_emp[self.employer[i]] = per_emp.get(self.employer[i], 0) + 1
            if quota is not None:
                quota[self.rank[i]] -= 1

        sectors = sorted(
            (k for k, n in enumerate(self.seat_counts) if n),
            key=lambda k: sum(1 for i in free if self.sigma[i] >> k & 1),
        )
        for k in sectors:
            have = sum(1 for i in chosen if self.sigma[i] >> k & 1)
            for i in free:
                if have >= self.seat_counts[k]:
                    break
                if self.sigma[i] >> k & 1 and ok(i) and len(chosen) < self.size:
                    take(i)
                    have += 1
        seniors = sum(1 for i in chosen if self.senior[i])
        for i in free:
            if seniors >= self.min_senior or len(chosen) >= self.size:
                break
            if self.senior[i] and ok(i):
                take(i)
                seniors += 1
        for i in free:
            if len(chosen) >= self.size:
                break
            if ok(i):
                take(i)
        return sorted(chosen) if self.is_member_set(chosen) else None

    # --- pricing ---------------------------------------------------------------------

    def best(
        self,
        weights: Sequence[float],
        threshold: float = -1.0,
        deadline: float | None = None,
        *,
        relaxation: bool = True,
    ) -> tuple[float, list[int]] | None:
        """The set of F with the largest total weight if that exceeds ``threshold``, else None.

        The LP relaxation answers first: a bound at or below the threshold proves that no set is
        heavier; an integral optimum is the set. Otherwise the branch and bound decides.
        """
        if not self.patterns:
            return None
        if relaxation:
            if self._lp is None:
                self._lp = _Relaxation(self)
            bound, members = self._lp.solve(weights)
            if bound <= threshold + EPS:
                self.stats["lp_proof"] = self.stats.get("lp_proof", 0) + 1
                return None
            if members is not None and self.is_member_set(members):
                self.stats["lp_integral"] = self.stats.get("lp_integral", 0) + 1
                return sum(weights[i] for i in members), sorted(members)
        self.stats["search"] = self.stats.get("search", 0) + 1
        found: list[tuple[float, list[int]]] = []
        bound_of = []
        for p in self.patterns:
            bound_of.append((self._relaxed_bound(p, weights), p))
        bound_of.sort(key=lambda t: -t[0])
        best_value = threshold
        for bound, p in bound_of:
            if bound <= best_value + EPS:
                break
            got = _Search(self, p, weights, best_value, deadline).run()
            if got is not None:
                best_value = got[0]
                found.append(got)
        return found[-1] if found else None

    def _relaxed_bound(self, pattern: int, weights: Sequence[float]) -> float:
        """Fixed weights plus the best free candidates per rank quota (ignores seats and the rest)."""
        fixed = set(self.fixed)
        total = sum(weights[f] for f in self.fixed)
        free = sorted((weights[i] for i in _bits(pattern) if i not in fixed), reverse=True)
        if self.quotas is None:
            return total + sum(free[: self.size - len(fixed)])
        per: dict[int, list[float]] = {}
        for i in _bits(pattern):
            if i not in fixed:
                per.setdefault(self.rank[i], []).append(weights[i])
        for r, q in enumerate(self.quotas):
            q -= sum(1 for f in self.fixed if self.rank[f] == r)
            total += sum(sorted(per.get(r, []), reverse=True)[: max(q, 0)])
        return total


class _Relaxation:
    """The LP relaxation of "the heaviest set of F", built once; each call changes the objective."""

    def __init__(self, fam: Family) -> None:
        lp = pywraplp.Solver.CreateSolver("GLOP")
        self.lp = lp
        inf = lp.infinity()
        n = fam.n
        fixed = set(fam.fixed)

        def row(lb: float, ub: float, terms: Sequence[tuple[pywraplp.Variable, float]]) -> None:
            c = lp.Constraint(lb, ub)
            for v, a in terms:
                c.SetCoefficient(v, a)

        # x[i]: candidate i is a member (fractionally)
        self.x = [lp.NumVar(1.0 if i in fixed else 0.0, 1.0, "") for i in range(n)]
        row(fam.size, fam.size, [(v, 1.0) for v in self.x])
        if fam.quotas is not None:
            for r, q in enumerate(fam.quotas):
                row(q, q, [(self.x[i], 1.0) for i in range(n) if fam.rank[i] == r])
            for i in range(n):
                if fam.rank[i] >= len(fam.quotas):
                    self.x[i].SetUb(0.0)
        # s[i, k]: candidate i fills a seat of sector k; one seat per member, each seat filled
        seat: dict[int, list[pywraplp.Variable]] = {}
        for i in range(n):
            mine = []
            for k, need in enumerate(fam.seat_counts):
                if need and fam.sigma[i] >> k & 1:
                    v = lp.NumVar(0.0, 1.0, "")
                    seat.setdefault(k, []).append(v)
                    mine.append(v)
            if mine:
                row(-inf, 0.0, [*((v, 1.0) for v in mine), (self.x[i], -1.0)])
        for k, need in enumerate(fam.seat_counts):
            if need:
                row(need, need, [(v, 1.0) for v in seat.get(k, [])])
        if fam.min_senior:
            row(fam.min_senior, inf, [(self.x[i], 1.0) for i in range(n) if fam.senior[i]])
        per: dict[int, list[int]] = {}
        for i in range(n):
            per.setdefault(fam.employer[i], []).append(i)
        for group in per.values():
            if len(group) > fam.cap:
                row(-inf, fam.cap, [(self.x[i], 1.0) for i in group])
        if len(fam.patterns) > 1:
            # y[t]: the meeting is at start pattern t; a member is free there
            y = [lp.NumVar(0.0, 1.0, "") for _ in fam.patterns]
            row(1.0, 1.0, [(v, 1.0) for v in y])
            for i in range(n):
                free = [(y[t], -1.0) for t, p in enumerate(fam.patterns) if p >> i & 1]
                row(-inf, 0.0, [(self.x[i], 1.0), *free])
        elif fam.patterns:
            for i in range(n):
                if not fam.patterns[0] >> i & 1:
                    self.x[i].SetUb(0.0)
        self.objective = lp.Objective()
        self.objective.SetMaximization()

    def solve(self, weights: Sequence[float]) -> tuple[float, list[int] | None]:
        """The LP's optimum and, when every x is 0 or 1, the members it picks."""
        for v, w in zip(self.x, weights, strict=True):
            self.objective.SetCoefficient(v, w)
        status = self.lp.Solve()
        if status == pywraplp.Solver.INFEASIBLE:
            return float("-inf"), None  # not even a fractional set: F is empty
        if status != pywraplp.Solver.OPTIMAL:
            status = self.lp.Solve()
            if status != pywraplp.Solver.OPTIMAL:
                return float("inf"), None  # no bound: the branch and bound decides
        values = [v.solution_value() for v in self.x]
        if all(x < 1e-6 or x > 1 - 1e-6 for x in values):
            return self.objective.Value(), [i for i, x in enumerate(values) if x > 0.5]
        return self.objective.Value(), None


def _bits(mask: int) -> list[int]:
    out = []
    i = 0
    while mask:
        if mask & 1:
            out.append(i)
        mask >>= 1
        i += 1
    return out


def _match_slots(sigmas: Sequence[int], slots: Sequence[int]) -> dict[int, int]:
    """Kuhn's augmenting paths: member index -> slot index, as many slots as possible."""
    slot_of: dict[int, int] = {}
    owner: dict[int, int] = {}

    def augment(i: int, seen: set[int]) -> bool:
        for j, k in enumerate(slots):
            if sigmas[i] >> k & 1 and j not in seen:
                seen.add(j)
                if j not in owner or augment(owner[j], seen):
                    owner[j] = i
                    slot_of[i] = j
                    return True
        return False

    for i in range(len(sigmas)):
        if sigmas[i]:
            augment(i, set())
    return {i: j for j, i in owner.items()}


def _matching(sigmas: tuple[int, ...], counts: tuple[int, ...]) -> dict[int, int]:
    slots = [k for k, n in enumerate(counts) for _ in range(n)]
    return _match_slots(sigmas, slots)


class _Search:
    """Depth-first branch and bound for one start pattern, over counts per type of candidate.

    A type is (weight, rank, seat sectors, seniority): its candidates differ only by employer, so
    the search chooses how many of each type and then who, by a small flow that keeps every
    employer within ``cap`` (:meth:`_realize`).
    """

    def __init__(
        self, fam: Family, pattern: int, weights: Sequence[float], threshold: float, deadline: float | None
    ) -> None:
        self.fam = fam
        self.deadline = deadline
        self.nodes = 0
        fixed = set(fam.fixed)
        n_ranks = len(fam.quotas) if fam.quotas is not None else 1
        rank_of = (lambda i: fam.rank[i]) if fam.quotas is not None else (lambda i: 0)
        quota = list(fam.quotas) if fam.quotas is not None else [fam.size]
        used_emp: dict[int, int] = {}
        for f in fam.fixed:
            r = rank_of(f)
            if r >= len(quota):
                quota = [-1]
                break
            quota[r] -= 1
            used_emp[fam.employer[f]] = used_emp.get(fam.employer[f], 0) + 1
        self.quota = quota
        self.feasible = min(quota) >= 0 and all(v <= fam.cap for v in used_emp.values())
        self.used_emp = used_emp
        self.value0 = sum(weights[f] for f in fam.fixed)
        self.seniors0 = sum(1 for f in fam.fixed if fam.senior[f])
        self.sigmas0 = [fam.sigma[f] for f in fam.fixed]
        self.best = threshold
        self.best_set: list[int] | None = None
        groups: dict[tuple[float, int, int, bool], list[int]] = {}
        for i in _bits(pattern):
            if i not in fixed and rank_of(i) < n_ranks:
                groups.setdefault((weights[i], rank_of(i), fam.sigma[i], fam.senior[i]), []).append(i)
        self.types = sorted(groups.items(), key=lambda kv: (-kv[0][0], kv[0][1], kv[0][2], not kv[0][3]))
        nt = len(self.types)
        n_seats = len(fam.seat_counts)
        # suffix counts from type t on: per rank, seniors, per seat sector
        self.suf_rank = [[0] * max(n_ranks, 1) for _ in range(nt + 1)]
        self.suf_senior = [0] * (nt + 1)
        self.suf_sector = [[0] * n_seats for _ in range(nt + 1)]
        for t in range(nt - 1, -1, -1):
            (_, r, sg, sn), ids = self.types[t]
            self.suf_rank[t] = list(self.suf_rank[t + 1])
            self.suf_rank[t][r] += len(ids)
            self.suf_senior[t] = self.suf_senior[t + 1] + (len(ids) if sn else 0)
            self.suf_sector[t] = list(self.suf_sector[t + 1])
            for k in range(n_seats):
                if sg >> k & 1:
                    self.suf_sector[t][k] += len(ids)
        self.n_slots = sum(fam.seat_counts)
        self.counts: list[tuple[int, int]] = []  # (type, how many) chosen so far

    def run(self) -> tuple[float, list[int]] | None:
        if not self.feasible:
            return None
        self._dfs(0, self.value0, self.seniors0, list(self.sigmas0))
        if self.best_set is None:
            return None
        return self.best, sorted([*self.fam.fixed, *self.best_set])

    def _dfs(self, t: int, value: float, seniors: int, sigmas: list[int]) -> None:
        self.nodes += 1
        if self.deadline is not None and self.nodes % 256 == 0 and time.perf_counter() > self.deadline:
            raise Deadline
        fam = self.fam
        quota = self.quota
        left = sum(quota)
        if left == 0:
            if seniors >= fam.min_senior and fam.matched(sigmas) >= self.n_slots and value > self.best + EPS:
                who = self._realize()
                if who is not None:
                    self.best = value
                    self.best_set = who
            return
        if t == len(self.types):
            return
        # feasibility: ranks, seniors, seats still reachable from the types left
        suf = self.suf_rank[t]
        if any(q > suf[r] for r, q in enumerate(quota)):
            return
        if seniors + min(left, self.suf_senior[t]) < fam.min_senior:
            return
        if self.n_slots:
            if self.n_slots - fam.matched(sigmas) > left:
                return
            for k, need in enumerate(fam.seat_counts):
                if need and sum(1 for s in sigmas if s >> k & 1) + min(left, self.suf_sector[t][k]) < need:
                    return
        if self._bound(t, value, left, sigmas) <= self.best + EPS:
            return
        (w, r, sg, sn), ids = self.types[t]
        for c in range(min(len(ids), quota[r]), -1, -1):
            if c:
                self.counts.append((t, c))
                if self._realize() is None:
                    self.counts.pop()
                    continue
                quota[r] -= c
                if sg:
                    sigmas.extend([sg] * c)
            self._dfs(t + 1, value + c * w, seniors + (c if sn else 0), sigmas)
            if c:
                quota[r] += c
                self.counts.pop()
                if sg:
                    del sigmas[-c:]

    def _bound(self, t: int, value: float, left: int, sigmas: list[int]) -> float:
        """An upper bound on the completions from type ``t`` on, the smaller of two: the best
        candidates per rank quota, at most ``cap`` per employer and rank (bound 1); the best
        ``left`` candidates with enough seat-capable ones for the seats not yet filled (bound 2)."""
        fam = self.fam
        cap = fam.cap
        room = list(self.quota)
        seen: dict[tuple[int, int], int] = {}
        b1 = value
        cands: list[tuple[float, bool]] = []
        for (w, r, sg, _), ids in self.types[t:]:
            if self.quota[r] <= 0:
                continue
            for i in ids:
                cands.append((w, sg != 0))
                if room[r] > 0:
                    key = (fam.employer[i], r)
                    k = seen.get(key, self.used_emp.get(fam.employer[i], 0))
                    if k < cap:
                        seen[key] = k + 1
                        b1 += w
                        room[r] -= 1
        unmet = self.n_slots - fam.matched(sigmas) if self.n_slots else 0
        if unmet <= 0:
            return b1
        top = cands[:left]
        b2 = value + sum(w for w, _ in top)
        short = unmet - sum(1 for _, sc in top if sc)
        if short > 0:
            spare = [w for w, sc in reversed(top) if not sc]
            extra = [w for w, sc in cands[left:] if sc]
            for k in range(short):
                if k >= len(spare) or k >= len(extra):
                    return value - 1.0  # the seats cannot be filled from here
                b2 += extra[k] - spare[k]
        return min(b1, b2)

    def _realize(self) -> list[int] | None:
        """Who: the chosen counts per type as candidates, every employer within ``cap``, or None."""
        fam = self.fam
        cap = fam.cap
        used = dict(self.used_emp)
        picked: list[int] = []
        for t, c in self.counts:
            got = 0
            for i in self.types[t][1]:
                e = fam.employer[i]
                if used.get(e, 0) < cap:
                    used[e] = used.get(e, 0) + 1
                    picked.append(i)
                    got += 1
                    if got == c:
                        break
            if got < c:
                return self._flow()
        return picked

    def _flow(self) -> list[int] | None:
        """The same as a max flow: source -> type (count) -> candidate (1) -> employer (room) -> sink."""
        fam = self.fam
        need = sum(c for _, c in self.counts)
        graph: dict[object, dict[object, int]] = {"s": {}, "t": {}}

        def edge(a: object, b: object, cap: int) -> None:
            graph.setdefault(a, {})[b] = graph.get(a, {}).get(b, 0) + cap
            graph.setdefault(b, {}).setdefault(a, 0)

        for t, c in self.counts:
            edge("s", ("T", t), c)
            for i in self.types[t][1]:
                e = fam.employer[i]
                edge(("T", t), ("C", i), 1)
                edge(("C", i), ("E", e), 1)
                graph[("E", e)]["t"] = fam.cap - self.used_emp.get(e, 0)
                graph["t"].setdefault(("E", e), 0)
        flow = 0
        while flow < need:
            parent: dict[object, object] = {"s": "s"}
            queue: list[object] = ["s"]
            for here in queue:
                if here == "t":
                    break
                for nxt, cap in graph[here].items():
                    if cap > 0 and nxt not in parent:
                        parent[nxt] = here
                        queue.append(nxt)
            if "t" not in parent:
                return None
            node: object = "t"
            while node != "s":
                prev = parent[node]
                graph[prev][node] -= 1
                graph[node][prev] += 1
                node = prev
            flow += 1
        return [i for t, _ in self.counts for i in self.types[t][1] if graph[("C", i)][("T", t)] > 0]

"""Leximin over a panel's marginals at one start: a few LPs, then a Carathéodory decomposition.

At one start (one pattern, as in every draw of a batch), a set of F is a choice of how many
members to take from each class of interchangeable candidates (:func:`solver.leximin.classes`),
and every such profile obeys these linear rules over the counts ``X[c]``:

- ``0 <= X[c] <= ub[c]`` (the class's size, at most ``cap`` when its members share an employer);
  fixed candidates are classes of one with ``X[c] = 1``;
- ``sum X = size``, and ``quotas[r]`` members of each pool rank ``r``;
- at most ``cap`` members of one employer;
- at least ``min_senior`` seniors;
- the seats: for every set ``K`` of seat sectors, the classes holding a sector of ``K`` give at
  least the seats of ``K`` (Hall's condition for the seat assignment, exact for fractional
  counts too, so the polytope ``P`` is the projection of the pricing step's LP relaxation).

``P`` contains every profile of F, so the leximin point of ``P`` (maximise the smallest class
chance ``X[c] / |c|``, fix the classes whose dual is positive, repeat: one LP per level, no
column generation; classes in no point of ``P`` are found first by :meth:`_LP._support`) is at
least as good as any lottery over F. When ``P`` is not the convex hull of F's profiles that point
may lie outside it; so the point is written as a convex combination of member sets (greedy
Carathéodory: a set of F on the smallest face of ``P`` holding what is left, built greedily or
else a vertex by LP, the largest step that keeps the rest inside ``P``, repeat; when a vertex
rule gets stuck, the next rule of :func:`_greed` starts over; when all get stuck, :func:`fit`
mixes the sets found so far and prices new ones against the known point). Every vertex used is checked to be a
set of F (:meth:`Family.is_member_set`), so a decomposition that completes proves the point is a
lottery over F, hence the leximin one. When any step fails (a fractional vertex, a set outside F,
no progress) the caller falls back to column generation (:mod:`solver.leximin`).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from ortools.linear_solver import pywraplp

from solver.marginal_fit import fit
from solver.pricing import Family

TOL = 1e-7  # as in the column generation's master: the slack a fixed level keeps
EPS = 1e-9  # tightness and zero tests on the remainder of the decomposition
MAX_SECTORS = 8
RULES = 3  # vertex rules tried in turn (see _greed)


@dataclass
class MarginalLeximin:
    """The exact leximin lottery of F at one start, as representative sets of class profiles."""

    sets: list[tuple[int, ...]]
    weights: list[float]
    chances: dict[int, float]  # candidate -> leximin chance (support only)
    classes: list[list[int]]  # the classes in the support
    rounds: int
    exact: bool = True  # False: the route failed; ``sets`` are sets of F found on the way (seeds)


@dataclass
class _Row:
    """``lo <= sum(X[c] for c in members) <= hi`` (None: no bound on that side)."""

    members: list[int]
    lo: float | None
    hi: float | None


def marginal_leximin(fam: Family, groups: Sequence[Sequence[int]]) -> MarginalLeximin | None:
    """The leximin lottery of F by its marginals when F has one start pattern; None when this route
    does not apply, and a result with ``exact=False`` holding the sets of F it found when it cannot
    prove its answer (then column generation decides, seeded with them)."""
    if len(fam.patterns) != 1:
        return None
    seat_sectors = [k for k, n in enumerate(fam.seat_counts) if n]
    if len(seat_sectors) > MAX_SECTORS:
        return None
    polytope = _polytope(fam, groups)
    if polytope is None:
        return None
    cls, ub, lb, rows = polytope
    lp = _LP(cls, ub, lb, rows)
    got = lp.leximin([c for c in range(len(cls)) if not lb[c]])
    if got is None:
        return None
    point, rounds = got
    found: list[tuple[int, ...]] = []
    for rule in range(RULES):
        if rule:
            lp = _LP(cls, ub, lb, rows, floors=False)
        sets, weights = lp.decompose(fam, point, rule)
        if weights:
            break
        found += sets
    else:
        fitted = fit(fam, cls, point, sorted(set(found)))
        if fitted is None:
            return MarginalLeximin(sorted(set(found)), [], {}, [], rounds, exact=False)
        sets, weights = fitted
    # The chances the decomposition realises (equal to the LP's point within EPS).
    count = [0.0] * len(cls)
    where = {i: c for c, g in enumerate(cls) for i in g}
    for s, w in zip(sets, weights, strict=True):
        for i in s:
            count[where[i]] += w
    if any(abs(count[c] - point[c]) > 1e-6 for c in range(len(cls))):
        return None
    support = [c for c in range(len(cls)) if count[c] > EPS]
    chances = {i: count[c] / len(cls[c]) for c in support for i in cls[c]}
    return MarginalLeximin(sets, weights, chances, [list(cls[c]) for c in support], rounds)


def _polytope(
    fam: Family, groups: Sequence[Sequence[int]]
) -> tuple[list[list[int]], list[int], list[int], list[_Row]] | None:
    """The classes that can sit at the pattern, their bounds, and the rows of ``P``."""
    pattern = fam.patterns[0]
    fixed = set(fam.fixed)
    quotas = fam.quotas
    cls: list[list[int]] = []
    for g in groups:
        i = g[0]
        if not pattern >> i & 1:
            continue  # never free at the one start: in no set
        if quotas is not None and (fam.rank[i] >= len(quotas) or quotas[fam.rank[i]] == 0):
            continue
        cls.append(sorted(g))
    per_emp: dict[int, int] = {}
    for g in cls:
        for i in g:
            per_emp[fam.employer[i]] = per_emp.get(fam.employer[i], 0) + 1
    ub, lb = [], []
    for g in cls:
        shared = per_emp[fam.employer[g[0]]] > fam.cap
        if shared and any(fam.employer[i] != fam.employer[g[0]] for i in g):
            return None  # a class mixing employers that some constraint tells apart: not ours
        ub.append(min(len(g), fam.cap) if shared else len(g))
        lb.append(1 if g[0] in fixed else 0)
    if any(f not in {i for g in cls for i in g} for f in fixed):
        return None
    rows = [_Row(list(range(len(cls))), fam.size, fam.size)]  # the size row first: _LP._greedy uses it
    if quotas is not None:
        for r, q in enumerate(quotas):
            if q:
                rows.append(_Row([c for c, g in enumerate(cls) if fam.rank[g[0]] == r], q, q))
    by_emp: dict[int, list[int]] = {}
    for c, g in enumerate(cls):
        if per_emp[fam.employer[g[0]]] > fam.cap:
            by_emp.setdefault(fam.employer[g[0]], []).append(c)
    for members in by_emp.values():
        if sum(ub[c] for c in members) > fam.cap:
            rows.append(_Row(members, None, fam.cap))
    if fam.min_senior:
        rows.append(_Row([c for c, g in enumerate(cls) if fam.senior[g[0]]], fam.min_senior, None))
    sectors = [k for k, n in enumerate(fam.seat_counts) if n]
    for subset in range(1, 1 << len(sectors)):
        mask = sum(1 << k for j, k in enumerate(sectors) if subset >> j & 1)
        need = sum(fam.seat_counts[k] for j, k in enumerate(sectors) if subset >> j & 1)
        rows.append(_Row([c for c, g in enumerate(cls) if fam.sigma[g[0]] & mask], need, None))
    return cls, ub, lb, rows


def _greed(rule: int, rest: float, ub: int, c: int) -> float:
    """How much the next vertex should want class ``c``: several rules, as a rule that fails on one
    panel (its vertex leaves the hull of F) often works with another."""
    share = rest / ub
    if rule == 0:
        return share
    if rule == 1:
        return share + ((c * 7919) % 13) * 1e-3  # the same, ties broken another way
    return rest


class _LP:
    """``P`` in GLOP, first with one floor row per class (the leximin levels), then on a face."""

    def __init__(
        self, cls: list[list[int]], ub: list[int], lb: list[int], rows: list[_Row], floors: bool = True
    ) -> None:
        self.cls, self.ub, self.lb, self.rows = cls, ub, lb, rows
        lp = self.lp = pywraplp.Solver.CreateSolver("GLOP")
        # Small LPs re-solved many times: presolve costs more than it saves.
        lp.SetSolverSpecificParametersAsString("use_preprocessing: false")
        inf = lp.infinity()
        # X[c]: members from class c (fractional)
        self.x = [lp.NumVar(float(lb[c]), float(ub[c]), "") for c in range(len(cls))]
        # z: the smallest chance of the classes not yet at their level
        self.z = lp.NumVar(0.0, 1.0, "z")
        self.rows_of: list[list[int]] = [[] for _ in cls]
        for j, r in enumerate(rows):
            for c in r.members:
                self.rows_of[c].append(j)
        self.row = []
        for r in rows:
            ct = lp.Constraint(-inf if r.lo is None else r.lo, inf if r.hi is None else r.hi)
            for c in r.members:
                ct.SetCoefficient(self.x[c], 1.0)
            self.row.append(ct)
        self.floor = []
        for c, g in enumerate(cls if floors else ()):
            ct = lp.Constraint(0.0, inf)
            ct.SetCoefficient(self.x[c], 1.0)
            ct.SetCoefficient(self.z, -float(len(g)))
            self.floor.append(ct)
        self.objective = lp.Objective()
        self.objective.SetCoefficient(self.z, 1.0)
        self.objective.SetMaximization()

    def _solve(self) -> bool:
        status = self.lp.Solve()
        if status != pywraplp.Solver.OPTIMAL:
            status = self.lp.Solve()
        return status == pywraplp.Solver.OPTIMAL

    def leximin(self, open_: list[int]) -> tuple[list[float], int] | None:
        """The leximin point of ``P`` by class chances: one LP per level."""
        for c in range(len(self.cls)):
            if c not in open_:
                self.floor[c].SetCoefficient(self.z, 0.0)  # fixed candidates: chance 1 by their bounds
        open_set = set(open_)
        rounds = 0
        point: list[float] | None = None
        while open_set:
            rounds += 1
            if not self._solve():
                return None
            z = self.z.solution_value()
            if rounds == 1 and z <= TOL and not self._support(open_set):
                return None
            if rounds == 1 and z <= TOL:
                continue  # the classes in no set are out: the first level again, above 0
            # GLOP's duals are d(objective)/d(bound): the floor rows have duals <= 0.
            positive = [c for c in sorted(open_set) if -self.floor[c].dual_value() > TOL]
            fix = positive or sorted(open_set)
            if len(fix) == len(open_set):
                # The last level: this solution keeps every level, so it is the point (read it now,
                # before the model changes; no LP after the loop).
                point = [v.solution_value() for v in self.x]
            for c in fix:
                row = self.floor[c]
                row.SetCoefficient(self.z, 0.0)
                row.SetLb(max(0.0, (z - TOL) * len(self.cls[c])))
                open_set.discard(c)
        if point is None:
            if not self._solve():
                return None
            point = [v.solution_value() for v in self.x]
        return point, rounds

    def _support(self, open_set: set[int]) -> bool:
        """Take the classes in no point of ``P`` out of ``open_set`` (their count is 0 for good).

        Maximising the count of the classes not yet seen positive, each capped at a small
        ``cap`` so that the optimum spreads over many of them, shows more positives, or proves the
        rest are 0 everywhere in ``P`` (a point of ``P`` with one of them positive, mixed with a
        little of the last solution, which has them all at 0, would keep the caps and beat 0): a
        few LPs where the level rounds would fix those classes at 0 a dual or two at a time.
        """
        unseen = {c for c in open_set if self.x[c].solution_value() <= 1e-9}
        cap = 1.0 / (2 * len(open_set))
        self.objective.SetCoefficient(self.z, 0.0)
        for c in unseen:
            self.objective.SetCoefficient(self.x[c], 1.0)
            self.x[c].SetUb(min(cap, self.ub[c]))
        while unseen:
            if not self._solve():
                return False
            seen = [c for c in unseen if self.x[c].solution_value() > 1e-9]
            if not seen:
                break
            for c in seen:
                self.objective.SetCoefficient(self.x[c], 0.0)
                self.x[c].SetUb(float(self.ub[c]))
                unseen.discard(c)
        for c in unseen:
            self.objective.SetCoefficient(self.x[c], 0.0)
            self.x[c].SetUb(0.0)
            self.floor[c].SetCoefficient(self.z, 0.0)
            open_set.discard(c)
        self.objective.SetCoefficient(self.z, 1.0)
        return True

    def decompose(
        self, fam: Family, point: list[float], rule: int = 0
    ) -> tuple[list[tuple[int, ...]], list[float]]:
        """``point`` as a convex combination of sets of F; when a step fails, the sets found so far
        and no weights."""
        inf = self.lp.infinity()
        for row in self.floor:
            row.SetLb(-inf)
        self.objective.SetCoefficient(self.z, 0.0)
        n = len(self.cls)
        rows = self.rows
        # Rows that are equalities hold at every point of P: only the others can become tight.
        live = [j for j, r in enumerate(rows) if r.lo is None or r.lo != r.hi]
        rows_of: list[list[int]] = [[] for _ in range(n)]
        for j in live:
            for c in rows[j].members:
                rows_of[c].append(j)
        rest = [max(0.0, v) for v in point]
        at = [0.0] * len(rows)  # at[j]: row j's sum over rest
        for j in live:
            at[j] = sum(rest[c] for c in rows[j].members)
        mass = 1.0
        tight = [0] * len(rows)  # -1: at its lower bound, 1: at its upper bound (for good)
        state = [0] * n  # -1: class at 0, 1: class at its upper bound (for good)
        for c in range(n):
            self.objective.SetCoefficient(self.x[c], _greed(rule, rest[c], self.ub[c], c))
        sets: list[tuple[int, ...]] = []
        weights: list[float] = []
        for _ in range(2 * (n + len(rows)) + 2):
            # The smallest face of P holding rest / mass: what is tight there stays tight.
            for j in live:
                if tight[j]:
                    continue
                r = rows[j]
                if r.lo is not None and at[j] - r.lo * mass <= EPS:
                    self.row[j].SetUb(r.lo)
                    tight[j] = -1
                elif r.hi is not None and r.hi * mass - at[j] <= EPS:
                    self.row[j].SetLb(r.hi)
                    tight[j] = 1
            for c in range(n):
                if state[c]:
                    continue
                if rest[c] <= EPS:
                    self.x[c].SetUb(0.0)
                    state[c] = -1
                elif rest[c] >= self.ub[c] * mass - EPS:
                    self.x[c].SetLb(float(self.ub[c]))
                    state[c] = 1
            # First a set built greedily on that face; when it leaves the face, the LP's vertex.
            got = self._take(fam, self._greedy(rest, tight, state, rule), rest, at, mass, live, rows_of)
            if got is None:
                got = self._take(
                    fam, self._greedy_needs(rest, tight, state, rule), rest, at, mass, live, rows_of
                )
            if got is None:
                if not self._solve():
                    return sets, []
                got = self._take(fam, self._vertex(), rest, at, mass, live, rows_of)
                if got is None:
                    return sets, []  # a fractional vertex, a set outside F, or no progress
            counts, members, step = got
            sets.append(members)
            weights.append(step)
            mass -= step
            for c, k in enumerate(counts):
                if k:
                    rest[c] -= step * k
                    if rest[c] < EPS:
                        rest[c] = 0.0
                    for j in rows_of[c]:
                        at[j] -= step * k
                    self.objective.SetCoefficient(self.x[c], _greed(rule, rest[c], self.ub[c], c))
            if mass <= EPS:
                total = sum(weights)
                return sets, [w / total for w in weights]
        return sets, []

    def _take(
        self,
        fam: Family,
        counts: list[int] | None,
        rest: list[float],
        at: list[float],
        mass: float,
        live: list[int],
        rows_of: list[list[int]],
    ) -> tuple[list[int], tuple[int, ...], float] | None:
        """These counts as a set of F and the step it allows, or None when they are no such set or
        leave the face (no step)."""
        if counts is None:
            return None
        step = self._step(rest, at, mass, counts, live, rows_of)
        if step <= EPS:
            return None
        members = self._members(counts)
        return (counts, members, step) if fam.is_member_set(members) else None

    def _members(self, counts: list[int]) -> tuple[int, ...]:
        """A set with these counts: the first members of each class."""
        return tuple(sorted(i for c, k in enumerate(counts) if k for i in self.cls[c][:k]))

    def _greedy(self, rest: list[float], tight: list[int], state: list[int], rule: int) -> list[int] | None:
        """Counts that keep every row's upper side and every tight row at its bound, taking the
        classes with most left first (those at their upper bound before all); may miss a lower side
        (the caller's step test then refuses it)."""
        n = len(self.cls)
        room = []
        for j, r in enumerate(self.rows):
            if r.hi is not None:
                room.append(float(r.hi))
            elif tight[j] < 0:
                room.append(float(r.lo))  # type: ignore[arg-type]
            else:
                room.append(float("inf"))
        want = [_greed(rule, rest[c], self.ub[c], c) for c in range(n)]
        order = sorted((c for c in range(n) if state[c] >= 0), key=lambda c: (-state[c], -want[c], c))
        counts = [0] * n
        rows_of = self.rows_of
        for c in order:
            if room[0] < 1:  # the size row (always first) is full
                if state[c] > 0:
                    return None
                break
            k = self.ub[c]
            for j in rows_of[c]:
                if room[j] < k:
                    k = int(room[j])
            if k <= 0:
                if state[c] > 0:
                    return None
                continue
            counts[c] = k
            for j in rows_of[c]:
                room[j] -= k
        return counts

    def _greedy_needs(
        self, rest: list[float], tight: list[int], state: list[int], rule: int
    ) -> list[int] | None:
        """Like :meth:`_greedy`, but first meets the rows with a lower side (pool quotas, seniors,
        seats), scarcest first, each from its classes with most left; then fills up."""
        n = len(self.cls)
        rows, ub, rows_of = self.rows, self.ub, self.rows_of
        room = [
            float(r.hi) if r.hi is not None else float(r.lo) if tight[j] < 0 else float("inf")  # type: ignore[arg-type]
            for j, r in enumerate(rows)
        ]
        want = [_greed(rule, rest[c], ub[c], c) for c in range(n)]
        counts = [0] * n
        have = [0] * len(rows)

        def fits(c: int) -> int:
            return int(min(ub[c] - counts[c], *(room[j] for j in rows_of[c])))

        def take(c: int, k: int) -> None:
            counts[c] += k
            for j in rows_of[c]:
                room[j] -= k
                have[j] += k

        for c in range(n):
            if state[c] > 0:
                if fits(c) < ub[c]:
                    return None
                take(c, ub[c])
        needs = [j for j, r in enumerate(rows) if j and r.lo is not None]
        needs.sort(key=lambda j: sum(ub[c] for c in rows[j].members if state[c] >= 0))
        for j in needs:
            while have[j] < rows[j].lo:  # type: ignore[operator]
                open_ = [c for c in rows[j].members if state[c] >= 0 and fits(c) >= 1]
                if not open_:
                    return None
                take(max(open_, key=lambda c: (want[c], -c)), 1)
        for c in sorted((c for c in range(n) if state[c] >= 0), key=lambda c: (-want[c], c)):
            if room[0] < 1:
                break
            k = fits(c)
            if k > 0:
                take(c, k)
        return counts

    def _vertex(self) -> list[int] | None:
        """The LP's solution as whole counts, or None when it is fractional."""
        values = [v.solution_value() for v in self.x]
        counts = [round(v) for v in values]
        if any(abs(v - k) > 1e-6 for v, k in zip(values, counts, strict=True)):
            return None
        return counts

    def _step(
        self,
        rest: list[float],
        at: list[float],
        mass: float,
        counts: list[int],
        live: list[int],
        rows_of: list[list[int]],
    ) -> float:
        """The largest step ``t`` with ``rest - t * counts`` inside ``(mass - t) * P``."""
        there = [0.0] * len(self.rows)
        step = mass
        ub = self.ub
        for c, k in enumerate(counts):
            if k:
                for j in rows_of[c]:
                    there[j] += k
                t = rest[c] / k
                if t < step:
                    step = t
            u = ub[c]
            if u > k:
                t = (u * mass - rest[c]) / (u - k)
                if t < step:
                    step = t
        rows = self.rows
        for j in live:
            r = rows[j]
            hi, lo, v = r.hi, r.lo, there[j]
            if hi is not None and hi - v > EPS:
                t = (hi * mass - at[j]) / (hi - v)
                if t < step:
                    step = t
            if lo is not None and v - lo > EPS:
                t = (at[j] - lo * mass) / (v - lo)
                if t < step:
                    step = t
        return step
